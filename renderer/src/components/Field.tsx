import type { ReactNode } from 'react';
import type { ConfigIssue } from '../api/types.js';
import { partOf } from '../util/fieldPart.js';

export interface ControlProps {
  id: string;
  name: string;
  'aria-invalid': boolean | undefined;
  'aria-describedby': string | undefined;
}

/**
 * A labelled form control with its hint and the API's issues for it (message and fix) right below, tied to
 * the control with aria-describedby so a screen reader reads them with the field.
 */
export function Field({
  id,
  label,
  hint,
  issues = [],
  children,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  issues?: ConfigIssue[];
  children: (props: ControlProps) => ReactNode;
}) {
  const described = [hint ? `${id}-hint` : undefined, issues.length > 0 ? `${id}-issues` : undefined]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={`field${issues.length > 0 ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        name: id,
        'aria-invalid': issues.length > 0 ? true : undefined,
        'aria-describedby': described || undefined,
      })}
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {issues.length > 0 && (
        <ul className="field-issues" id={`${id}-issues`}>
          {issues.map((issue, i) => (
            <li key={i}>
              {partOf(issue.path) && <strong>{partOf(issue.path)}: </strong>}
              {issue.message}
              {issue.fix && <span className="fix"> Fix: {issue.fix}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
