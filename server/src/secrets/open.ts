import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { FileSecretStore } from './file.js';
import type { KeychainSecretStore } from './keychain.js';
import { SecretStoreError, type SecretStore } from './types.js';

export interface OpenSecretStoreOptions {
  kind: 'keychain' | 'file';
  /** Where the `file` store keeps `secrets.json`. */
  dataDir: string;
  /** Keychain service name; default `ferry`. Tests pass a unique one. */
  service?: string;
}

export function secretsFilePath(dataDir: string): string {
  return path.join(dataDir, 'secrets.json');
}

/**
 * The store the user chose, proven to work. A keychain that cannot store, read back and delete a probe entry
 * fails here with `keychain_unavailable`; Ferry never falls back to a weaker store on its own.
 */
export async function openSecretStore(options: OpenSecretStoreOptions): Promise<SecretStore> {
  if (options.kind === 'file') {
    const store = new FileSecretStore(secretsFilePath(options.dataDir));
    await store.verify();
    return store;
  }
  // The native keychain addon loads only when a keychain is actually needed (it costs start-up and memory).
  const { KeychainSecretStore: Keychain, keychainUnavailable } = await import('./keychain.js');
  const store = new Keychain({ service: options.service ?? 'ferry' });
  await probe(store, keychainUnavailable);
  return store;
}

async function probe(
  store: KeychainSecretStore,
  keychainUnavailable: (what: string, cause: unknown) => Error,
): Promise<void> {
  const key = `probe/${process.pid}-${randomBytes(6).toString('hex')}`;
  const value = randomBytes(16).toString('base64url');
  let stored = false;
  try {
    await store.set(key, value);
    stored = true;
    if ((await store.get(key)) !== value) {
      throw new Error('it did not return the value Ferry had just stored');
    }
    const deleted = await store.delete(key);
    stored = false;
    if (!deleted) throw new Error('it lost an entry Ferry had just stored');
  } catch (error) {
    // The store's own message would name the probe key, which means nothing to the user.
    const cause = error instanceof SecretStoreError && error.cause !== undefined ? error.cause : error;
    throw keychainUnavailable('Ferry cannot use the OS keychain', cause);
  } finally {
    // Best effort: a keychain that failed mid-probe may refuse this too, and the original error matters more.
    if (stored) await store.delete(key).catch(() => false);
  }
}
