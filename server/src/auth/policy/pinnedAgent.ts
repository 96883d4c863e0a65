import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';

/** What `fetch` accepts as `init.dispatcher` (an undici Dispatcher). */
export type Dispatcher = NonNullable<RequestInit['dispatcher']>;

export interface PinnedTarget {
  hostname: string;
  addresses: readonly LookupAddress[];
}

export interface PinnedAgentOptions {
  /** Connect, headers and idle-body timeout, in milliseconds. */
  timeoutMs: number;
  /** Largest response body undici will accept before failing the request. */
  maxResponseBytes: number;
}

interface AgentOptions {
  connect: { lookup: LookupFunction; timeout: number };
  headersTimeout: number;
  bodyTimeout: number;
  maxResponseSize: number;
}
type AgentConstructor = new (options: AgentOptions) => Dispatcher;

const targets = new WeakMap<Dispatcher, PinnedTarget>();

/**
 * A fetch dispatcher that connects to `addresses` (checked by the caller) whenever asked for `hostname`,
 * without consulting DNS again, so the name cannot rebind between the check and the connection. The URL
 * is left alone, so `Host` and TLS SNI/certificate checks still use `hostname`. Close it after use.
 */
export function createPinnedAgent(
  hostname: string,
  addresses: readonly LookupAddress[],
  { timeoutMs, maxResponseBytes }: PinnedAgentOptions,
): Dispatcher {
  const Agent = nodeFetchAgent();
  const dispatcher = new Agent({
    connect: { lookup: pinnedLookup(hostname, addresses), timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    maxResponseSize: maxResponseBytes,
  });
  targets.set(dispatcher, { hostname, addresses: [...addresses] });
  return dispatcher;
}

/** Where a dispatcher from {@link createPinnedAgent} connects; for diagnostics and tests. */
export function pinnedTargetOf(dispatcher: unknown): PinnedTarget | undefined {
  return typeof dispatcher === 'object' && dispatcher !== null
    ? targets.get(dispatcher as Dispatcher)
    : undefined;
}

/** A `net.connect` lookup that answers only for `hostname`, and only with `addresses`. */
export function pinnedLookup(hostname: string, addresses: readonly LookupAddress[]): LookupFunction {
  return (requested, options, callback) => {
    const family = familyOf(options.family);
    const usable = addresses.filter((entry) => family === undefined || entry.family === family);
    const first = usable[0];
    if (requested !== hostname || first === undefined) {
      const error: NodeJS.ErrnoException = new Error(
        `connection pinned to ${hostname}: no checked address for ${requested}`,
      );
      error.code = 'ENOTFOUND';
      callback(error, '', undefined);
      return;
    }
    // Node asks for every address (`all`) when it races IPv4 and IPv6 (autoSelectFamily).
    if (options.all === true) {
      callback(
        null,
        usable.map((entry) => ({ address: entry.address, family: entry.family })),
      );
      return;
    }
    callback(null, first.address, first.family);
  };
}

function familyOf(requested: LookupOptions['family']): 4 | 6 | undefined {
  if (requested === 4 || requested === 'IPv4') return 4;
  if (requested === 6 || requested === 'IPv6') return 6;
  return undefined;
}

/**
 * The Agent class of the undici that Node's own `fetch` runs on. The npm `undici` package is a different
 * version whose dispatchers Node's fetch does not promise to accept, and adding it would be a dependency;
 * Node exports no Agent, but installs one as the global dispatcher when its fetch is first loaded
 * (touching `Response` loads it). oidc-provider relies on the same slot for its own SSRF check.
 */
function nodeFetchAgent(): AgentConstructor {
  if (typeof Response !== 'function') throw new Error('this Node.js has no fetch');
  const slots = globalThis as unknown as Record<symbol, unknown>;
  const globalDispatcher =
    slots[Symbol.for('undici.globalDispatcher.2')] ?? slots[Symbol.for('undici.globalDispatcher.1')];
  const ctor: unknown =
    typeof globalDispatcher === 'object' && globalDispatcher !== null
      ? globalDispatcher.constructor
      : undefined;
  // A proxy or mock global dispatcher would not honour the pinned lookup: fail closed rather than fetch.
  if (typeof ctor !== 'function' || ctor.name !== 'Agent') {
    throw new Error('cannot pin DNS for fetch: the global fetch dispatcher is not an undici Agent');
  }
  return ctor as AgentConstructor;
}
