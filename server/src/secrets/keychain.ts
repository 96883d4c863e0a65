import { AsyncEntry } from '@napi-rs/keyring';
import { assertSecretKey } from './keys.js';
import { SecretStoreError, type SecretStore } from './types.js';

export interface KeychainSecretStoreOptions {
  /** Keychain service (macOS) / Secret Service attribute / Windows target suffix. Tests use a unique one. */
  service?: string;
}

/**
 * Secrets in the OS keychain: macOS Keychain, Windows Credential Manager, the Secret Service on Linux. Every
 * failure becomes `keychain_unavailable` with what the user can do about it.
 *
 * AsyncEntry rather than Entry: a keychain call can block for seconds (D-Bus activation, an unlock prompt) and
 * must not stall the event loop that is serving MCP traffic.
 */
export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain';
  readonly service: string;

  constructor(options: KeychainSecretStoreOptions = {}) {
    this.service = options.service ?? 'ferry';
  }

  async get(key: string): Promise<string | undefined> {
    assertSecretKey(key);
    try {
      return (await this.#entry(key).getPassword()) ?? undefined;
    } catch (error) {
      throw keychainError('read', key, error);
    }
  }

  async set(key: string, value: string): Promise<void> {
    assertSecretKey(key);
    try {
      await this.#entry(key).setPassword(value);
    } catch (error) {
      throw keychainError('store', key, error);
    }
  }

  async delete(key: string): Promise<boolean> {
    assertSecretKey(key);
    try {
      return await this.#entry(key).deletePassword();
    } catch (error) {
      throw keychainError('delete', key, error);
    }
  }

  #entry(key: string): AsyncEntry {
    // Pinned to the Secret Service: the default falls back to the kernel keyring, which forgets everything at
    // logout or reboot, so OAuth signing keys and tunnel tokens would silently vanish.
    return new AsyncEntry(this.service, key, { linux: { store: 'secret-service' } });
  }
}

function keychainError(action: 'read' | 'store' | 'delete', key: string, error: unknown): SecretStoreError {
  return keychainUnavailable(`Cannot ${action} secret "${key}" in the OS keychain`, error);
}

/** `<what failed> (<the keychain's own words>). <what to do>`, as `keychain_unavailable`. */
export function keychainUnavailable(what: string, cause: unknown): SecretStoreError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SecretStoreError('keychain_unavailable', `${what} (${detail}). ${keychainAdvice()}`, { cause });
}

/** What to do when the keychain fails, for the platform Ferry runs on. */
export function keychainAdvice(platform: NodeJS.Platform = process.platform): string {
  const fallback =
    'If this machine has no usable keychain, you can explicitly choose a plain file instead with ' +
    '`--secret-store file` or `"ferry": { "secretStore": "file" }` in the config; that is less safe, because ' +
    'anyone who can read your files can read the secrets.';
  switch (platform) {
    case 'darwin':
      return `Unlock your login keychain (Keychain Access) and allow Ferry when macOS asks. ${fallback}`;
    case 'win32':
      return `Check that Windows Credential Manager is available for your account. ${fallback}`;
    default:
      return (
        'Ferry keeps secrets in the Secret Service: a provider such as gnome-keyring (or KeePassXC with ' +
        'Secret Service integration) must be running in your session with its default keyring unlocked, and ' +
        `DBUS_SESSION_BUS_ADDRESS must be set. ${fallback}`
      );
  }
}
