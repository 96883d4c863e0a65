import type { ReactNode } from 'react';
import type { AdminApiError } from '../api/errors.js';
import { sentence } from '../util/format.js';
import { splitLinks } from '../util/links.js';

/** A message with its web addresses as real links. */
export function Linked({ text }: { text: string }) {
  return (
    <>
      {splitLinks(text).map((piece, i) =>
        piece.href ? (
          <a key={i} href={piece.href} target="_blank" rel="noreferrer">
            {piece.text}
          </a>
        ) : (
          piece.text
        ),
      )}
    </>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" role="status">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children && <div className="state-hint">{children}</div>}
    </div>
  );
}

/** What the user can do about an error, by code. */
export function errorHint(error: AdminApiError): string | undefined {
  switch (error.code) {
    case 'network':
      return 'Check that ferry serve is still running; the window reconnects on its own.';
    case 'unauthorized':
      return 'The admin token was changed (--new-admin-token, or a new app launch): open the link from the current runtime.json.';
    case 'unavailable':
      return undefined;
    case 'config_broken':
      return 'Fix the config file by hand (the message names the line), then try again.';
    case 'conflict':
      return 'Something changed meanwhile; look at the current state and try again.';
    case 'storage_full':
      return 'Free some space on the disk that holds Ferry’s data folder, then try again.';
    default:
      return undefined;
  }
}

export function ErrorNote({
  error,
  title,
  retry,
  onDismiss,
}: {
  error: AdminApiError;
  title?: string;
  retry?: () => void;
  onDismiss?: () => void;
}) {
  const hint = errorHint(error);
  return (
    <div className="note note-error" role="alert">
      <p>
        <strong>{title ?? 'That did not work.'}</strong> <Linked text={sentence(error.message)} />
      </p>
      {hint && <p className="note-hint">{hint}</p>}
      {(retry ?? onDismiss) && (
        <p className="actions">
          {retry && (
            <button type="button" onClick={retry}>
              Try again
            </button>
          )}
          {onDismiss && (
            <button type="button" className="quiet" onClick={onDismiss}>
              Dismiss
            </button>
          )}
        </p>
      )}
    </div>
  );
}
