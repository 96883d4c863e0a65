import type { ReactNode } from 'react';

/** A column heading: its text, or its text with `num` (right-aligned figures) or `hidden` (read only aloud). */
export type Column = string | { label: string; num?: boolean; hidden?: boolean };

/**
 * A table in its scrolling wrapper, with a caption for screen readers and one header row. Below the narrow
 * breakpoint styles.css turns its rows into cards, reading each cell's `data-label`.
 */
export function DataTable({
  className,
  caption,
  columns,
  children,
}: {
  /** Extra classes after `table` (`calls`, `audit`), for the layout of that table's cells. */
  className?: string;
  caption: string;
  columns: readonly Column[];
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className={className ? `table ${className}` : 'table'}>
        <caption className="offscreen">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column, i) => {
              const {
                label,
                num = false,
                hidden = false,
              } = typeof column === 'string' ? { label: column } : column;
              return (
                <th key={i} scope="col" className={num ? 'num' : undefined}>
                  {hidden ? <span className="offscreen">{label}</span> : label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
