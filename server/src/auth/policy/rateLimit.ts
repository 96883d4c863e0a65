/**
 * Global limiter for dynamic client registration. Behind cloudflared every request comes from 127.0.0.1,
 * so per-IP buckets would be one bucket anyway; a single global bucket says so honestly.
 */

export interface TokenBucketOptions {
  /** Tokens available at once (the burst). */
  capacity: number;
  /** Tokens added back per second, up to `capacity`. */
  refillPerSecond: number;
  /** Milliseconds clock; injectable for tests. */
  now?: () => number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Claude registers a new client on every fresh connection, and a user retrying a failing connector may do
 * that a dozen times in a minute: a burst of 20 absorbs that. One more every 3 s (1,200 an hour) keeps a
 * flood from filling storage faster than never-approved clients are evicted.
 */
export const DCR_RATE_LIMIT = Object.freeze({ capacity: 20, refillPerSecond: 1 / 3 });

const EPSILON = 1e-9;

export class TokenBucket {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor({ capacity, refillPerSecond, now = Date.now }: TokenBucketOptions) {
    if (!Number.isFinite(capacity) || capacity < 1)
      throw new RangeError('capacity must be a finite number >= 1');
    if (!Number.isFinite(refillPerSecond) || refillPerSecond <= 0) {
      throw new RangeError('refillPerSecond must be a finite number > 0');
    }
    this.#capacity = capacity;
    this.#refillPerMs = refillPerSecond / 1000;
    this.#now = now;
    this.#tokens = capacity;
    this.#last = now();
  }

  /** Spends one token if there is one; otherwise says how long until there will be (whole seconds, >= 1). */
  take(): TakeResult {
    this.#refill();
    // Fractional refill rates (1/3 per second) leave float dust; without the epsilon, exactly 3 s is 0.999….
    if (this.#tokens >= 1 - EPSILON) {
      this.#tokens = Math.max(0, this.#tokens - 1);
      return { ok: true };
    }
    const waitMs = (1 - this.#tokens) / this.#refillPerMs;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  #refill(): void {
    const now = this.#now();
    // A clock that steps backwards (NTP, suspend) must not drain the bucket, only pause the refill.
    const elapsed = Math.max(0, now - this.#last);
    this.#last = now;
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsed * this.#refillPerMs);
  }
}

export interface KeyedLimitOptions extends TokenBucketOptions {
  /** Keys tracked at once; the least recently seen is forgotten past this (it starts again full). */
  maxKeys: number;
}

/**
 * One token bucket per key (a client id, a metadata document's host), so one requester's flood never
 * empties anyone else's allowance. Memory is bounded by `maxKeys`: forgetting a key only hands that key
 * a fresh burst, which a flood of new keys already gets anyway.
 */
export class KeyedRateLimit {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #options: KeyedLimitOptions;

  constructor(options: KeyedLimitOptions) {
    if (!Number.isInteger(options.maxKeys) || options.maxKeys < 1)
      throw new RangeError('maxKeys must be an integer >= 1');
    this.#options = options;
  }

  take(key: string): TakeResult {
    let bucket = this.#buckets.get(key);
    if (bucket) {
      // Re-inserted below: the Map's first key is always the least recently seen.
      this.#buckets.delete(key);
    } else {
      bucket = new TokenBucket(this.#options);
      if (this.#buckets.size >= this.#options.maxKeys) {
        this.#buckets.delete(this.#buckets.keys().next().value as string);
      }
    }
    this.#buckets.set(key, bucket);
    return bucket.take();
  }

  clear(): void {
    this.#buckets.clear();
  }
}
