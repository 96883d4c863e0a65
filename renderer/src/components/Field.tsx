import type { Dispatch, ReactNode, SetStateAction } from 'react';
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
  check = false,
  children,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  issues?: ConfigIssue[];
  /** A checkbox: its label wraps it, the box first. */
  check?: boolean;
  children: (props: ControlProps) => ReactNode;
}) {
  const described = [hint ? `${id}-hint` : undefined, issues.length > 0 ? `${id}-issues` : undefined]
    .filter(Boolean)
    .join(' ');
  const control = children({
    id,
    name: id,
    'aria-invalid': issues.length > 0 ? true : undefined,
    'aria-describedby': described || undefined,
  });
  return (
    <div className={`field${check ? ' field-check' : ''}${issues.length > 0 ? ' field-invalid' : ''}`}>
      {check ? (
        <label htmlFor={id}>
          {control} {label}
        </label>
      ) : (
        <>
          <label htmlFor={id}>{label}</label>
          {control}
        </>
      )}
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

/**
 * A Field holding one line of text (or `lines` of it): never autocompleted or spell-checked, since what is
 * typed here is a name, a command, a path, a URL or a token rather than prose.
 */
export function TextField({
  id,
  label,
  hint,
  issues,
  value,
  onChange,
  mono = false,
  lines,
  type,
  inputMode,
  placeholder,
  disabled,
  readOnly,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  issues?: ConfigIssue[];
  value: string;
  onChange: (value: string) => void;
  mono?: boolean;
  /** A textarea this many rows high, for one item per line. */
  lines?: number;
  type?: 'url' | 'password';
  inputMode?: 'url';
  placeholder?: string;
  disabled?: boolean;
  readOnly?: boolean;
}) {
  const shared = {
    className: mono ? 'mono' : undefined,
    spellCheck: false,
    placeholder,
    value,
    disabled,
    readOnly,
  };
  return (
    <Field id={id} label={label} hint={hint} issues={issues}>
      {(props) =>
        lines === undefined ? (
          <input
            {...props}
            {...shared}
            type={type}
            inputMode={inputMode}
            autoComplete="off"
            onChange={(e) => onChange(e.target.value)}
          />
        ) : (
          <textarea {...props} {...shared} rows={lines} onChange={(e) => onChange(e.target.value)} />
        )
      }
    </Field>
  );
}

/** A control's value and setter for one string field of a state object (a form's, a filter bar's). */
export function bindValue<D extends Record<K, string>, K extends string>(
  values: D,
  setValues: Dispatch<SetStateAction<D>>,
  name: K,
): { value: string; onChange: (value: string) => void } {
  return { value: values[name], onChange: (value) => setValues((v) => ({ ...v, [name]: value })) };
}

/** bindValue, and the API's issues whose path is that field's name. */
export function bindText<D extends Record<K, string>, K extends string>(
  values: D,
  setValues: Dispatch<SetStateAction<D>>,
  name: K,
  issues: readonly ConfigIssue[] = [],
): { value: string; onChange: (value: string) => void; issues: ConfigIssue[] } {
  return {
    ...bindValue(values, setValues, name),
    issues: issues.filter((issue) => issue.path === name),
  };
}
