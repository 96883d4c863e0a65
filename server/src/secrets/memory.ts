import { assertSecretKey } from './keys.js';
import type { SecretStore } from './types.js';

/** Secrets that live as long as the process: tests, and runs that must leave nothing behind. */
export class MemorySecretStore implements SecretStore {
  readonly kind = 'memory';
  readonly #values = new Map<string, string>();

  constructor(initial?: Record<string, string>) {
    for (const [key, value] of Object.entries(initial ?? {})) {
      assertSecretKey(key);
      this.#values.set(key, value);
    }
  }

  // `.then` so a bad key rejects like the other stores instead of throwing synchronously.
  get(key: string): Promise<string | undefined> {
    return Promise.resolve().then(() => {
      assertSecretKey(key);
      return this.#values.get(key);
    });
  }

  set(key: string, value: string): Promise<void> {
    return Promise.resolve().then(() => {
      assertSecretKey(key);
      this.#values.set(key, value);
    });
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve().then(() => {
      assertSecretKey(key);
      return this.#values.delete(key);
    });
  }

  /** For tests that assert what was stored. */
  keys(): string[] {
    return [...this.#values.keys()];
  }
}
