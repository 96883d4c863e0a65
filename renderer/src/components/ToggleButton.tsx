import type { ReactNode } from 'react';

/** A button that shows and hides a part of the page below it, saying which with aria-expanded. */
export function ToggleButton({
  open,
  onToggle,
  className = 'quiet',
  children,
}: {
  open: boolean;
  onToggle: (open: boolean) => void;
  className?: string;
  children: ReactNode;
}) {
  return (
    <button type="button" className={className} aria-expanded={open} onClick={() => onToggle(!open)}>
      {children}
    </button>
  );
}
