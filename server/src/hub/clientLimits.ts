/**
 * Every bound on what remote clients can hold open in Ferry, per client and overall, in one place.
 * A client is an OAuth client id (every token and grant of one client counts together); in loopback-only
 * `--no-auth` mode every request belongs to the one implicit client `LOCAL_CLIENT`.
 *
 * Per-client caps stop one client from crowding out the others; the overall caps bound memory and
 * processes however many clients there are. When an overall cap is reached, the client holding more than
 * its fair share (the cap divided by the clients holding that resource) is the one that gives way: its
 * own least recently used idle session is closed, or its request is refused. Nothing a client does ever
 * closes another client's session unless that other client is over its fair share of a full Ferry.
 * docs/security.md ("Sessions, streams and children per client") describes the policy and its tests.
 */
export interface ClientLimits {
  /**
   * Streamable HTTP sessions one client may hold. Claude opens one per conversation that uses the
   * connector, and one it never ends stays until idle for `ferry.sessionIdleMinutes`; 100 covers a very
   * busy hour. A client at its cap loses its own least recently used idle session to the new one (Claude
   * re-creates a closed session transparently on its next request); when all of them are handling
   * requests, the new one is refused with 429.
   */
  sessionsPerClient: number;
  /** Streamable HTTP sessions overall: each holds its catalog view and a bounded message queue (memory). */
  sessionsTotal: number;
  /**
   * Legacy `GET /sse` streams one client may hold. Each is an open connection the client keeps; a 2024
   * client needs one per connection. Over the cap a new stream is refused with 429 before it starts;
   * the client's open streams are never closed for it (a stream is the session itself).
   */
  legacyStreamsPerClient: number;
  /** Legacy streams overall (open sockets and sessions). */
  legacyStreamsTotal: number;
  /**
   * Children of per-session servers one client may have running (one per session and per-session server
   * in its scope). Each is a whole process, typically tens of MB. A child counts from its spawn until it
   * has exited, so the number of live processes never exceeds the cap. At the cap the client's own least
   * recently used idle session with children is closed first; otherwise the new session gets 429.
   */
  childrenPerClient: number;
  /** Children of per-session servers overall: the processes remote clients can make this machine run. */
  childrenTotal: number;
  /**
   * How long the stateless 2026-07-28 wire keeps a client's child of a per-session server once no request
   * uses it. That wire has no session to end, so without a bound a client that stopped calling would hold
   * its processes forever; five minutes spans the pauses of a conversation, while a child start costs a
   * second or more on every call after it. The child counts against `childrenPerClient` while it lives.
   */
  pooledChildIdleMs: number;
}

export const CLIENT_LIMITS: Readonly<ClientLimits> = Object.freeze({
  sessionsPerClient: 100,
  sessionsTotal: 1000,
  legacyStreamsPerClient: 10,
  legacyStreamsTotal: 100,
  childrenPerClient: 10,
  childrenTotal: 50,
  pooledChildIdleMs: 5 * 60_000,
});

/**
 * `Retry-After` on a refused session: sessions free up as calls finish and idle ones are closed, so a
 * retry within a minute is likely to find room; sooner would only repeat the refusal.
 */
export const QUOTA_RETRY_AFTER_SECONDS = 30;

/** The one client of loopback-only `--no-auth` mode, where no request carries a client id. */
export const LOCAL_CLIENT = 'local';

/** Who opened a session: the grant it is bound to (null without OAuth) and the client its quotas count against. */
export interface Caller {
  grantId: string | null;
  clientId: string;
}

export const LOCAL_CALLER: Readonly<Caller> = Object.freeze({ grantId: null, clientId: LOCAL_CLIENT });
