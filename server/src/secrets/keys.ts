import { SecretStoreError } from './types.js';

/** Same alphabet as `${secret:NAME}` references in the config, so every stored key can be referenced. */
export const SECRET_KEY_PATTERN = /^[A-Za-z0-9._/-]{1,200}$/;

export function assertSecretKey(key: string): void {
  if (!SECRET_KEY_PATTERN.test(key)) {
    throw new SecretStoreError(
      'invalid_secret_key',
      `invalid secret key ${JSON.stringify(key)}: use 1-200 letters, digits, ".", "_", "/" or "-"`,
    );
  }
}

/**
 * Where an env value moved out of the config lives: `env/<server>/<VAR>`. Throws `invalid_secret_key` for env
 * names outside the key alphabet (real ones never are), rather than mangling them into keys that could collide.
 */
export function secretKeyFor(server: string, envVar: string): string {
  const key = `env/${server}/${envVar}`;
  assertSecretKey(key);
  return key;
}
