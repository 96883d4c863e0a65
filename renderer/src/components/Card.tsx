import type { ReactNode } from 'react';

/** A titled card: a section labelled by its heading (`<id>-title`), so it is a landmark by that name. */
export function Card({
  id,
  title,
  className,
  children,
}: {
  id: string;
  title: ReactNode;
  /** Extra classes after `card` (`connect`, `attention`). */
  className?: string;
  children: ReactNode;
}) {
  return (
    <section className={className ? `card ${className}` : 'card'} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}
