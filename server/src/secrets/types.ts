/**
 * Where Ferry keeps secrets: signing keys, tunnel tokens, env values moved out of the config.
 * Implementations: the OS keychain (default), memory (tests), a file (only when the user opts in).
 */
export interface SecretStore {
  /** `keychain`, `memory` or `file`: shown to the user, `file` as a warning. */
  readonly kind: 'keychain' | 'memory' | 'file';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<boolean>;
}

export type SecretStoreErrorCode =
  | 'keychain_unavailable'
  | 'secret_store_io'
  | 'invalid_secret_key'
  /** A `${secret:KEY}` reference whose key is not in the store. */
  | 'secret_missing';

export class SecretStoreError extends Error {
  constructor(
    readonly code: SecretStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SecretStoreError';
  }
}
