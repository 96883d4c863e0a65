import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Action } from '../util/hooks.js';
import { ErrorNote } from './States.js';

/**
 * A destructive button that asks first, in place: the question and its two answers replace the button, focus
 * moves to the safe answer, Escape cancels. No modal, so nothing traps focus or hides the page.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  busy,
  className = 'danger',
}: {
  label: string;
  question: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
  className?: string;
}) {
  const [asking, setAsking] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) cancelRef.current?.focus();
    else if (wasAsking.current) openerRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  if (!asking) {
    return (
      <button
        type="button"
        ref={openerRef}
        className={className}
        disabled={busy}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    <span
      className="confirm"
      role="group"
      aria-label={label}
      onKeyDown={(event) => {
        if (event.key === 'Escape') setAsking(false);
      }}
    >
      <span className="confirm-question">{question}</span>
      <button
        type="button"
        className="danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" ref={cancelRef} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/**
 * A ConfirmButton that runs one action on "Name the thing" (`<verb> <name>`), asking "<question> <name>?",
 * with the action's error below it.
 */
export function ConfirmAction({
  verb,
  question,
  name,
  action,
}: {
  verb: string;
  /** The question's words before the name, when they are more than the verb. */
  question?: string;
  name: string;
  action: Action<[]>;
}) {
  return (
    <>
      <ConfirmButton
        label={verb}
        question={
          <>
            {question ?? verb} <strong>{name}</strong>?
          </>
        }
        confirmLabel={`${verb} ${name}`}
        busy={action.busy}
        onConfirm={() => void action.run()}
      />
      {action.error && <ErrorNote error={action.error} onDismiss={action.clear} />}
    </>
  );
}
