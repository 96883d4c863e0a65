import { fileErrorFix } from '../../util/fileErrorFix.js';

export type AuthStoreErrorCode =
  /** The state file is not valid JSON or not the `{"version": 1, "models": {...}}` layout. */
  | 'auth_state_corrupt'
  /** The state file was written by a newer Ferry (a `version` this one does not know). */
  | 'auth_state_version'
  /** Reading or writing the state file failed at the OS level (permissions, disk full, a directory in the way). */
  | 'auth_state_io'
  /** A change to persisted state after `close()`: it could never reach the disk. */
  | 'auth_store_closed';

/**
 * Every failure of the OAuth state store. `code` is for programs, `message` is for people and always names
 * the file and what to do.
 */
export class AuthStoreError extends Error {
  constructor(
    readonly code: AuthStoreErrorCode,
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuthStoreError';
  }
}

export function isAuthStoreError(error: unknown, code?: AuthStoreErrorCode): error is AuthStoreError {
  return error instanceof AuthStoreError && (code === undefined || error.code === code);
}

/** Turns an fs error into an AuthStoreError that says what went wrong with which file and what to try. */
export function authStateIoError(file: string, action: 'read' | 'write', error: unknown): AuthStoreError {
  const { detail, fix } = fileErrorFix(file, action, error, 'keep its OAuth state there');
  return new AuthStoreError(
    'auth_state_io',
    file,
    `${file}: cannot ${action} the OAuth state file (${detail}). Fix: ${fix}.`,
    { cause: error },
  );
}

/** A state file Ferry cannot understand: refuse it rather than overwrite the user's clients and grants. */
export function authStateCorruptError(file: string, why: string, cause?: unknown): AuthStoreError {
  return new AuthStoreError(
    'auth_state_corrupt',
    file,
    `The OAuth state file ${file} cannot be used: ${why}. Ferry will not overwrite it. Fix: move it aside ` +
      '(for example rename it to auth-state.json.broken) and restart Ferry; connected clients will have to ' +
      'authorize again.',
    cause === undefined ? undefined : { cause },
  );
}
