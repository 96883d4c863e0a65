/**
 * Every bound the HTTP listeners put on a client's request, in one place. The public listener is reached
 * from the internet (through the tunnel), so each of these caps what one anonymous client can hold.
 * Responses are never bounded here: a tool call may stream its SSE answer for minutes.
 */
export interface ListenerBounds {
  /**
   * Longest gap between two chunks of a request body. Claude's backend, the SDKs and cloudflared send a
   * JSON-RPC or OAuth body in one burst; a 10 s silence mid-body is a stalled or hostile client.
   */
  bodyIdleMs: number;
  /**
   * Longest time to read one request body. The largest body Ferry takes (`maxBodyBytes`, 4 MiB by default)
   * arrives in 30 s at ~1.1 Mbit/s; Claude's bodies are a few KiB and arrive in milliseconds.
   */
  bodyTotalMs: number;
  /**
   * Bytes read (and thrown away) past a body limit before answering 413, so a client still sending its
   * body can read the answer instead of seeing its connection reset. Beyond this the socket is closed.
   */
  drainBytes: number;
  /** Longest time spent reading those extra bytes (a trickled oversize body is closed, not drained). */
  drainMs: number;
  /**
   * Longest time for a request's headers to arrive (Node's `headersTimeout`); a socket that never
   * completes them gets 408 and is closed. Headers are one small write from every real client.
   */
  headersMs: number;
  /**
   * Sockets open on the public listener at once. At the cap, the socket idle longest (no request in
   * flight) is closed to make room; with none idle, the new socket is closed. Keeps an attacker from
   * exhausting file descriptors while in-flight requests (Claude's streams) are never cut for it.
   */
  maxSockets: number;
  /**
   * Requests in flight at once that have not shown a valid bearer token: OAuth, metadata, the waiting
   * page, refusals. Claude's MCP requests carry a token and are not counted; one request past the cap
   * gets 503 with Retry-After. Claude's OAuth traffic is a handful of sequential requests per connect.
   */
  maxAnonymousRequests: number;
  /** Retry-After of that 503: slots free as soon as a request ends, at most `bodyTotalMs` later. */
  retryAfterSeconds: number;
}

export const DEFAULT_LISTENER_BOUNDS: Readonly<ListenerBounds> = Object.freeze({
  bodyIdleMs: 10_000,
  bodyTotalMs: 30_000,
  drainBytes: 16 * 1024 * 1024,
  drainMs: 10_000,
  headersMs: 10_000,
  maxSockets: 512,
  maxAnonymousRequests: 64,
  retryAfterSeconds: 5,
});

/** The bounds with `overrides` (tests shorten the times and lower the caps). */
export function listenerBounds(overrides: Partial<ListenerBounds> = {}): ListenerBounds {
  return { ...DEFAULT_LISTENER_BOUNDS, ...overrides };
}
