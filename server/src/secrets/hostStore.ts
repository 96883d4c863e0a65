import { MemorySecretStore } from './memory.js';
import { openSecretStore } from './open.js';
import { resolveEnv } from './resolve.js';
import { SecretStoreError, type SecretStore } from './types.js';

export interface HostSecretsOptions {
  /** The store the user chose (`--secret-store`, else `ferry.secretStore`); read when the store opens. */
  kind: () => 'keychain' | 'file';
  dataDir: string;
  /** A store handed in by the host (Electron, tests): used as is, never opened. */
  given?: SecretStore;
  /** Said once per fallback: the user should know the OAuth key will not survive a restart. */
  warn: (warning: string, detail: string) => void;
}

/**
 * The secret store of this Ferry, opened on first use: a machine without a keychain still serves every server
 * that needs no secret. A failed open is retried on the next use (the user may start a keychain meanwhile).
 */
export class HostSecrets {
  #store: Promise<SecretStore> | undefined;
  /** The store actually in use once opened (the status must not claim a keychain Ferry fell back from). */
  #kind: string | undefined;

  constructor(private readonly options: HostSecretsOptions) {
    if (options.given) {
      this.#store = Promise.resolve(options.given);
      this.#kind = options.given.kind;
    }
  }

  /** What the status shows: the store in use, else the one that will be opened. */
  get kind(): string {
    return this.#kind ?? this.options.kind();
  }

  open(): Promise<SecretStore> {
    this.#store ??= openSecretStore({ kind: this.options.kind(), dataDir: this.options.dataDir }).then(
      (store) => {
        this.#kind = store.kind;
        return store;
      },
      (error: unknown) => {
        this.#store = undefined;
        throw error;
      },
    );
    return this.#store;
  }

  /** A child's env with its `${secret:…}` references filled in; the store is opened only when there is one. */
  async resolveEnv(env: Record<string, string>, server: string): Promise<Record<string, string>> {
    if (!Object.values(env).some((value) => value.startsWith('${secret:'))) return env;
    return resolveEnv(env, await this.open(), server);
  }

  /**
   * OAuth's signing key needs a home. Without an OS keychain (a headless box with no Secret Service) it is
   * kept in memory only: nothing secret touches the disk, and connections are approved again after a
   * restart. The file store is used only when the user chose it.
   */
  async forAuth(): Promise<SecretStore> {
    try {
      return await this.open();
    } catch (error) {
      if (!(error instanceof SecretStoreError) || error.code !== 'keychain_unavailable') throw error;
      this.options.warn(
        'The OS keychain is not available, so the OAuth signing key is kept in memory only: Claude must be reconnected after Ferry restarts. ' +
          'Start a Secret Service (e.g. gnome-keyring) or choose --secret-store file to keep it.',
        error.message,
      );
      this.#kind = 'memory (OS keychain unavailable)';
      return new MemorySecretStore();
    }
  }
}
