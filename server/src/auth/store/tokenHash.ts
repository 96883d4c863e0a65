import { createHash } from 'node:crypto';

/**
 * The storage key for a bearer value (a refresh token): whoever reads the state file learns nothing they can
 * present. Plain SHA-256 suffices because the values are 256-bit random strings, not guessable passwords.
 */
export function hashTokenId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('base64url');
}
