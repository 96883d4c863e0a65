import { createHash } from 'node:crypto';

/** What Claude (and the Anthropic API) accepts as a tool name. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const SEPARATOR = '__';
const MAX_LENGTH = 64;
const HASH_LENGTH = 6;

/**
 * `<server>__<name>`, unchanged whenever that is already a valid name of at most 64 characters.
 * Otherwise characters outside [a-zA-Z0-9_-] become `_` and the result is cut to 57 characters and
 * suffixed with `_` + the first 6 hex digits of sha256(`<server>\0<name>`): deterministic across
 * restarts and machines, and two different originals cannot collapse onto one exposed name unless
 * their 24-bit hashes collide (then the later one is reported and skipped by the index).
 */
export function exposedName(server: string, name: string): string {
  const plain = `${server}${SEPARATOR}${name}`;
  if (TOOL_NAME_PATTERN.test(plain)) return plain;
  const sanitized = plain.replace(/[^a-zA-Z0-9_-]/g, '_');
  const hash = createHash('sha256').update(`${server}\0${name}`).digest('hex').slice(0, HASH_LENGTH);
  return `${sanitized.slice(0, MAX_LENGTH - HASH_LENGTH - 1)}_${hash}`;
}

export interface NamedTarget<T> {
  server: string;
  original: string;
  item: T;
}

/** Maps exposed names back to (server, original name); the first server listed wins a collision. */
export class NameIndex<T> {
  readonly #byExposed = new Map<string, NamedTarget<T>>();
  readonly collisions: string[] = [];

  add(server: string, original: string, item: T): string | undefined {
    const exposed = exposedName(server, original);
    if (this.#byExposed.has(exposed)) {
      this.collisions.push(`${server}/${original} -> ${exposed}`);
      return undefined;
    }
    this.#byExposed.set(exposed, { server, original, item });
    return exposed;
  }

  get(exposed: string): NamedTarget<T> | undefined {
    return this.#byExposed.get(exposed);
  }

  entries(): IterableIterator<[string, NamedTarget<T>]> {
    return this.#byExposed.entries();
  }
}
