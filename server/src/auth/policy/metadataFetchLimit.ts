import { KeyedRateLimit, TokenBucket } from './rateLimit.js';

/**
 * Bounds on fetching Client ID Metadata Documents (a `client_id` that is an https URL). Each fetch is a
 * request from the user's machine to a host the requester names, so a requester gets a small allowance
 * of its own and all of them together a larger one. A pinned document (Claude's) is served from memory
 * and never counts: no flood of bogus client ids can lock Claude out.
 */
export const METADATA_FETCH_LIMITS = Object.freeze({
  /** Per document host: a real client's document is fetched once and then cached by the provider. */
  perHost: { capacity: 5, refillPerSecond: 1 / 30 },
  /** All hosts together (the old single bucket): one fetch every 3 s after a burst of 20. */
  overall: { capacity: 20, refillPerSecond: 1 / 3 },
  /** Hosts tracked at once. */
  maxHosts: 1_000,
});

export class MetadataFetchLimit {
  readonly #pinned: ReadonlySet<string>;
  readonly #perHost: KeyedRateLimit;
  readonly #overall: TokenBucket;

  constructor(pinned: Iterable<string>, now?: () => number) {
    this.#pinned = new Set(pinned);
    const clock = now ? { now } : {};
    this.#perHost = new KeyedRateLimit({
      ...METADATA_FETCH_LIMITS.perHost,
      maxKeys: METADATA_FETCH_LIMITS.maxHosts,
      ...clock,
    });
    this.#overall = new TokenBucket({ ...METADATA_FETCH_LIMITS.overall, ...clock });
  }

  /** Whether the document `clientId` names may be fetched now; a refusal spends nothing of the overall bucket. */
  allow(clientId: string): boolean {
    if (this.#pinned.has(clientId)) return true;
    if (!this.#perHost.take(requesterOf(clientId)).ok) return false;
    return this.#overall.take().ok;
  }
}

/** The document's host: who asks to be a client. Anything unparsable shares one key (it fails anyway). */
function requesterOf(clientId: string): string {
  try {
    return new URL(clientId).host.toLowerCase();
  } catch {
    return '(invalid)';
  }
}
