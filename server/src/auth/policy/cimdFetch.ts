import { lookup as dnsLookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { CLAUDE_CLIENT_METADATA, CLAUDE_CLIENT_METADATA_URL } from './claudeClient.js';
import { createPinnedAgent } from './pinnedAgent.js';
import { isPublicAddress } from './publicAddress.js';

export { CLAUDE_CLIENT_METADATA, CLAUDE_CLIENT_METADATA_URL } from './claudeClient.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

export interface CimdFetchOptions {
  /** Documents served from memory by exact URL, never fetched. Defaults to Claude's pinned document. */
  pinned?: Readonly<Record<string, object>>;
  /** Resolves a hostname to every address it has; defaults to the system resolver. */
  lookup?: (hostname: string) => Promise<readonly ResolvedAddress[]>;
  /** Whole-request budget, DNS included, in milliseconds. */
  timeoutMs?: number;
  /** The fetch that performs the request; Node's global fetch by default. */
  fetchImpl?: typeof fetch;
}

/** Why Ferry refused to fetch a URL; oidc-provider turns it into `invalid_client`. */
export class CimdFetchError extends Error {
  override name = 'CimdFetchError';
}

export const DEFAULT_PINNED_DOCUMENTS: Readonly<Record<string, object>> = Object.freeze({
  [CLAUDE_CLIENT_METADATA_URL]: CLAUDE_CLIENT_METADATA,
});

/** Whole request, DNS to last byte; oidc-provider's own 2.5 s signal still applies on top. */
export const DEFAULT_CIMD_TIMEOUT_MS = 5000;
/** Backstop only: oidc-provider caps metadata documents at 5 KiB itself, but not every fetch it makes. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
/** How long oidc-provider may cache a pinned document; it re-reads it from memory afterwards anyway. */
const PINNED_CACHE_CONTROL = 'max-age=3600';

/**
 * A `fetch` for oidc-provider's `fetch` option, used for Client ID Metadata Documents. Pinned documents
 * are answered from memory. Anything else must be `https://host/…` on the default port; the host is
 * resolved here, refused if any address is not public (see isPublicAddress), and the connection is made
 * to exactly the checked addresses. Redirects are never followed: a 3xx is returned for the provider to
 * reject.
 */
export function createCimdFetch(options: CimdFetchOptions = {}): typeof fetch {
  const pinned = new Map(Object.entries(options.pinned ?? DEFAULT_PINNED_DOCUMENTS));
  for (const [url, document] of pinned) {
    const clientId: unknown = (document as { client_id?: unknown }).client_id;
    if (clientId !== undefined && clientId !== url) {
      throw new TypeError(`pinned document for ${url} has client_id ${JSON.stringify(clientId)}`);
    }
  }
  const lookup = options.lookup ?? ((hostname: string) => dnsLookup(hostname, { all: true }));
  const timeoutMs = options.timeoutMs ?? DEFAULT_CIMD_TIMEOUT_MS;
  const fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));

  return async (input, init) => {
    if (typeof input !== 'string' && !(input instanceof URL)) {
      throw new CimdFetchError('pass a URL, not a Request');
    }
    const href = typeof input === 'string' ? input : input.href;
    const document = pinned.get(href);
    if (document !== undefined) return pinnedResponse(document);

    const url = checkedUrl(href);
    const signals = [AbortSignal.timeout(timeoutMs), init?.signal].filter((signal) => signal != null);
    const signal = AbortSignal.any(signals);
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const addresses = await publicAddressesOf(hostname, lookup, signal);
    const dispatcher = createPinnedAgent(hostname, addresses, {
      timeoutMs,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
    try {
      return await fetchImpl(href, { ...init, redirect: 'manual', signal, dispatcher });
    } finally {
      // Graceful: undici finishes the response body being read before it lets the sockets go.
      dispatcher.close().catch(() => undefined);
    }
  };
}

function pinnedResponse(document: object): Response {
  return new Response(JSON.stringify(document), {
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': PINNED_CACHE_CONTROL },
  });
}

function checkedUrl(href: string): URL {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    throw new CimdFetchError('not a valid URL');
  }
  if (url.protocol !== 'https:') {
    throw new CimdFetchError(`refusing ${url.protocol} URL: only https is fetched`);
  }
  if (url.username !== '' || url.password !== '') throw new CimdFetchError('refusing a URL with credentials');
  // Any port but 443 would let a client id probe arbitrary services on public hosts from the user's machine.
  if (url.port !== '') {
    throw new CimdFetchError(`refusing port ${url.port}: only the default https port is fetched`);
  }
  return url;
}

async function publicAddressesOf(
  hostname: string,
  lookup: (hostname: string) => Promise<readonly ResolvedAddress[]>,
  signal: AbortSignal,
): Promise<ResolvedAddress[]> {
  const literal = isIPv4(hostname) ? 4 : isIPv6(hostname) ? 6 : 0;
  const addresses =
    literal !== 0 ? [{ address: hostname, family: literal }] : await abortable(lookup(hostname), signal);
  if (!isNonEmptyList(addresses)) throw new CimdFetchError(`${hostname} has no addresses`);
  // One bad address is enough to refuse: the connection could be made to any of them.
  const refused = addresses.find(({ address }) => !isPublicAddress(address));
  if (refused !== undefined) {
    throw new CimdFetchError(`refusing ${hostname}: it resolves to non-public address ${refused.address}`);
  }
  return addresses.map(({ address, family }) => ({ address, family }));
}

// An injected lookup is only a function: check it kept the promise its type makes. Deliberately not a type
// guard, so the typed list is kept rather than widened to any[].
function isNonEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

async function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    // AbortSignal.timeout() and fetch both reject with the signal's reason; keep it identical here.
    onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
