import { randomInt } from 'node:crypto';

// No 0/O, 1/I/L, 5/S, 2/Z: a code read off one screen and compared with another must not be misread.
const ALPHABET = '346789ABCDEFGHJKMNPQRTUVWXY';

/** A short code like `K7Q-4MX`, shown on the waiting page and wherever the user approves. */
export function newMatchCode(): string {
  let code = '';
  for (let i = 0; i < 6; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 3)}-${code.slice(3)}`;
}
