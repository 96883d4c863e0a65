import { chmod, readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { serializeByKey } from '../util/queue.js';
import { assertSecretKey } from './keys.js';
import { SecretStoreError, type SecretStore } from './types.js';

interface SecretsFile {
  version: 1;
  secrets: Record<string, string>;
}

/**
 * Secrets in a JSON file (mode 0600) in Ferry's data directory. Only used when the user asks for it: it is
 * protected by file permissions alone. A file Ferry cannot parse is never overwritten; every call fails
 * until the user repairs or removes it.
 */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file';

  constructor(readonly path: string) {}

  async get(key: string): Promise<string | undefined> {
    assertSecretKey(key);
    const secrets = await this.#read();
    return Object.hasOwn(secrets, key) ? secrets[key] : undefined;
  }

  set(key: string, value: string): Promise<void> {
    return serializeByKey(this.path, async () => {
      assertSecretKey(key);
      const secrets = await this.#read();
      secrets[key] = value;
      await this.#write(secrets);
    });
  }

  delete(key: string): Promise<boolean> {
    return serializeByKey(this.path, async () => {
      assertSecretKey(key);
      const secrets = await this.#read();
      if (!Object.hasOwn(secrets, key)) return false;
      delete secrets[key];
      await this.#write(secrets);
      return true;
    });
  }

  /** Reads the file once so a corrupt or unreadable one is reported when the store is opened, not mid-request. */
  async verify(): Promise<void> {
    await this.#read();
  }

  async #read(): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return Object.create(null) as Record<string, string>;
      throw this.#ioError('read', error);
    }
    await this.#tightenMode();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw this.#corrupt('it is not valid JSON', error);
    }
    if (!isSecretsFile(parsed))
      throw this.#corrupt('it does not have the {"version": 1, "secrets": {...}} shape');
    // A null-prototype copy, so a key such as `__proto__` or `toString` is only ever an own property.
    return Object.assign(Object.create(null) as Record<string, string>, parsed.secrets);
  }

  async #write(secrets: Record<string, string>): Promise<void> {
    const body: SecretsFile = { version: 1, secrets: { ...secrets } };
    try {
      await writeFileAtomic(this.path, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    } catch (error) {
      throw this.#ioError('write', error);
    }
  }

  /** A file copied in from elsewhere may be world-readable; secrets must not stay that way. */
  async #tightenMode(): Promise<void> {
    if (process.platform === 'win32') return;
    try {
      const { mode } = await stat(this.path);
      if ((mode & 0o077) !== 0) await chmod(this.path, 0o600);
    } catch (error) {
      throw this.#ioError('secure', error);
    }
  }

  #ioError(action: string, error: unknown): SecretStoreError {
    const detail = error instanceof Error ? error.message : String(error);
    return new SecretStoreError(
      'secret_store_io',
      `Cannot ${action} the secrets file ${this.path} (${detail}). Fix: check that your user owns it and its directory.`,
      { cause: error },
    );
  }

  #corrupt(why: string, cause?: unknown): SecretStoreError {
    return new SecretStoreError(
      'secret_store_io',
      `The secrets file ${this.path} cannot be used: ${why}. Ferry will not overwrite it. Fix: repair it, or move ` +
        'it away and enter the secrets again.',
      { cause },
    );
  }
}

function isSecretsFile(value: unknown): value is SecretsFile {
  if (value === null || typeof value !== 'object') return false;
  const { version, secrets } = value as Partial<Record<keyof SecretsFile, unknown>>;
  return (
    version === 1 &&
    secrets !== null &&
    typeof secrets === 'object' &&
    !Array.isArray(secrets) &&
    Object.values(secrets).every((v) => typeof v === 'string')
  );
}
