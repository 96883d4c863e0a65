import type { StoredEntry } from './types.js';

/**
 * The entries of one model plus the secondary indexes oidc-provider looks them up by, kept in step on every
 * set and delete so that revocation and lookups by uid, user code or client cost O(matches), never a scan.
 * Map order is insertion order; with a `maxEntries` cap the table is an LRU (reads move an entry to the end,
 * inserts evict from the front).
 */
export class ModelTable {
  readonly #entries = new Map<string, StoredEntry>();
  readonly #byGrant = new Map<string, Set<string>>();
  readonly #byClient = new Map<string, Set<string>>();
  readonly #byUid = new Map<string, string>();
  readonly #byUserCode = new Map<string, string>();

  constructor(
    readonly model: string,
    readonly maxEntries?: number,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  entries(): IterableIterator<[string, StoredEntry]> {
    return this.#entries.entries();
  }

  /** The entry whether expired or not; callers decide what expiry means. */
  peek(key: string): StoredEntry | undefined {
    return this.#entries.get(key);
  }

  /** The entry if it has not expired at `now`; an expired one is dropped on the way. */
  live(key: string, now: number): StoredEntry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (isExpired(entry, now)) {
      this.delete(key);
      return undefined;
    }
    if (this.maxEntries !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: StoredEntry): void {
    const previous = this.#entries.get(key);
    if (previous !== undefined) {
      this.#unindex(key, previous);
      this.#entries.delete(key);
    } else if (this.maxEntries !== undefined) {
      while (this.#entries.size >= this.maxEntries) {
        const oldest = this.#entries.keys().next();
        if (oldest.done === true) break;
        this.delete(oldest.value);
      }
    }
    this.#entries.set(key, entry);
    this.#index(key, entry);
  }

  delete(key: string): StoredEntry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#unindex(key, entry);
    return entry;
  }

  /** Removes every entry expired at `now`; returns how many. */
  sweep(now: number): number {
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (isExpired(entry, now)) {
        this.delete(key);
        removed++;
      }
    }
    return removed;
  }

  /** A copy, so callers may delete while iterating. */
  keysByGrant(grantId: string): string[] {
    return [...(this.#byGrant.get(grantId) ?? [])];
  }

  keysByClient(clientId: string): string[] {
    return [...(this.#byClient.get(clientId) ?? [])];
  }

  keyByUid(uid: string): string | undefined {
    return this.#byUid.get(uid);
  }

  keyByUserCode(userCode: string): string | undefined {
    return this.#byUserCode.get(userCode);
  }

  #index(key: string, { payload }: StoredEntry): void {
    if (typeof payload.grantId === 'string') addTo(this.#byGrant, payload.grantId, key);
    if (typeof payload.clientId === 'string') addTo(this.#byClient, payload.clientId, key);
    if (typeof payload.uid === 'string') this.#byUid.set(payload.uid, key);
    if (typeof payload.userCode === 'string') this.#byUserCode.set(payload.userCode, key);
  }

  #unindex(key: string, { payload }: StoredEntry): void {
    if (typeof payload.grantId === 'string') removeFrom(this.#byGrant, payload.grantId, key);
    if (typeof payload.clientId === 'string') removeFrom(this.#byClient, payload.clientId, key);
    // Only if it still points here: a newer entry may have claimed the same uid or user code since.
    if (typeof payload.uid === 'string' && this.#byUid.get(payload.uid) === key)
      this.#byUid.delete(payload.uid);
    if (typeof payload.userCode === 'string' && this.#byUserCode.get(payload.userCode) === key)
      this.#byUserCode.delete(payload.userCode);
  }
}

export function isExpired(entry: StoredEntry, now: number): boolean {
  return entry.expiresAt !== undefined && entry.expiresAt <= now;
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let keys = index.get(value);
  if (keys === undefined) index.set(value, (keys = new Set()));
  keys.add(key);
}

function removeFrom(index: Map<string, Set<string>>, value: string, key: string): void {
  const keys = index.get(value);
  if (keys === undefined) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(value);
}
