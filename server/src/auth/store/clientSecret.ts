import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Confidential clients' secrets are stored as `sha256$<salt>$<digest>` (both base64url, digest =
 * SHA-256(salt ‖ secret)), so the state file gives nothing a client could present.
 *
 * No slow KDF (scrypt, argon2): those make guessing a low-entropy password expensive. oidc-provider generates
 * every secret itself (`secretFactory`: 64 random bytes; a client cannot choose its own at registration), so
 * there is nothing to guess, and a fast hash keeps each token request cheap. The salt costs nothing and means
 * two stored hashes never reveal equal secrets.
 */
const PREFIX = 'sha256$';
const SALT_BYTES = 16;

export function isHashedClientSecret(value: string): boolean {
  return value.startsWith(PREFIX);
}

export function hashClientSecret(secret: string, salt: Buffer = randomBytes(SALT_BYTES)): string {
  return `${PREFIX}${salt.toString('base64url')}$${digest(salt, secret).toString('base64url')}`;
}

/**
 * Whether `presented` is the secret `stored` was made from, in constant time. A stored value that is not a
 * hash never matches: every stored secret is hashed on the way in, so a clear one would mean a bug, and
 * comparing it directly would make such a bug invisible.
 */
export function clientSecretMatches(stored: unknown, presented: unknown): boolean {
  if (typeof stored !== 'string' || typeof presented !== 'string' || !isHashedClientSecret(stored))
    return false;
  const [salt, expected] = stored.slice(PREFIX.length).split('$');
  if (salt === undefined || expected === undefined) return false;
  const wanted = Buffer.from(expected, 'base64url');
  const actual = digest(Buffer.from(salt, 'base64url'), presented);
  return wanted.length === actual.length && timingSafeEqual(wanted, actual);
}

function digest(salt: Buffer, secret: string): Buffer {
  return createHash('sha256').update(salt).update(secret, 'utf8').digest();
}
