import type { SecretStore } from './types.js';
import { SecretStoreError } from './types.js';

export { secretKeyFor } from './keys.js';

/** An env value of this form is looked up in the SecretStore at spawn time instead of read literally. */
export const SECRET_REF_PATTERN = /^\$\{secret:([A-Za-z0-9._/-]{1,200})\}$/;

/** The config value that stands for the secret stored under `key`. */
export function secretRef(key: string): string {
  return `\${secret:${key}}`;
}

/** The key a `${secret:KEY}` value refers to, or undefined for a literal value. */
export function parseSecretRef(value: string): string | undefined {
  return SECRET_REF_PATTERN.exec(value)?.[1];
}

/** Every secret an env block refers to; e.g. to delete them with the server, or list them in the admin UI. */
export function secretRefs(
  env: Readonly<Record<string, string>> | undefined,
): { envVar: string; key: string }[] {
  const refs: { envVar: string; key: string }[] = [];
  for (const [envVar, value] of Object.entries(env ?? {})) {
    const key = parseSecretRef(value);
    if (key !== undefined) refs.push({ envVar, key });
  }
  return refs;
}

/**
 * The env block with every `${secret:KEY}` replaced by the stored value, for spawning the server. Literal
 * values pass through. A missing secret is an error naming the server, the variable and the key: starting
 * the server with the variable unset would fail later and more obscurely.
 */
export async function resolveEnv(
  env: Readonly<Record<string, string>> | undefined,
  store: SecretStore,
  server = 'server',
): Promise<Record<string, string>> {
  // Entries + fromEntries: plain assignment of a variable named `__proto__` would be dropped.
  const resolved: [string, string][] = [];
  // Sequential on purpose: each keychain read may show the user a prompt.
  for (const [envVar, value] of Object.entries(env ?? {})) {
    const key = parseSecretRef(value);
    if (key === undefined) {
      resolved.push([envVar, value]);
      continue;
    }
    const secret = await store.get(key);
    if (secret === undefined) {
      throw new SecretStoreError(
        'secret_missing',
        `Server "${server}": env ${envVar} refers to secret "${key}", which is not in the ${storeName(store)}. ` +
          `Fix: enter the value for ${envVar} again in Ferry, or put the value in place of ${secretRef(key)} in the config.`,
      );
    }
    resolved.push([envVar, secret]);
  }
  return Object.fromEntries(resolved);
}

function storeName(store: SecretStore): string {
  return store.kind === 'keychain' ? 'OS keychain' : store.kind === 'file' ? 'secrets file' : 'secret store';
}
