import { useState } from 'react';
import { bindValue } from './Field.js';

/**
 * The controls of a filter toolbar (Activity, the audit trail, Logs): a labelled select or search box laid
 * out inline, so every screen's filters read and wrap the same way.
 */

/** A choice as `[value, label]`, or a plain string that is both. */
export type Choice = string | readonly [string, string];

export function SelectFilter({
  id,
  label,
  value,
  onChange,
  choices,
  any,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  choices: readonly Choice[];
  /** The label of the empty value that does not filter ("All servers"); none when every choice filters. */
  any?: string;
}) {
  return (
    <div className="field inline">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {any !== undefined && <option value="">{any}</option>}
        {choices.map((choice) => {
          const [key, text] = typeof choice === 'string' ? [choice, choice] : choice;
          return (
            <option key={key} value={key}>
              {text}
            </option>
          );
        })}
      </select>
    </div>
  );
}

export function SearchFilter({
  id,
  label,
  value,
  onChange,
  placeholder,
  grow = false,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
  /** Takes the toolbar's free width (the one main search box of a screen). */
  grow?: boolean;
}) {
  return (
    <div className={grow ? 'field inline grow' : 'field inline'}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="search"
        placeholder={placeholder}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}

/**
 * A filter bar's values in one object, and `bind(name)`: the id (`<prefix>-<name>`), value and setter of
 * that filter's control.
 */
export function useFilters<K extends string>(
  prefix: string,
  initial: Record<K, string>,
): [Record<K, string>, (name: K) => { id: string; value: string; onChange: (value: string) => void }] {
  const [values, setValues] = useState(initial);
  return [values, (name) => ({ id: `${prefix}-${name}`, ...bindValue(values, setValues, name) })];
}
