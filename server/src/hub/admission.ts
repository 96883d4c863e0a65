import type { ClientLimits } from './clientLimits.js';
import type { HubSession, SessionKind } from './session.js';

/** What a refused session is told: an HTTP status (429: this client's own doing, 503: Ferry is full) and why. */
export class QuotaExceeded extends Error {
  constructor(
    readonly status: 429 | 503,
    message: string,
  ) {
    super(message);
    this.name = 'QuotaExceeded';
  }
}

/** The session about to be opened: who opens it, on which transport, and how many per-session children it needs. */
export interface AdmissionRequest {
  client: string;
  kind: Exclude<SessionKind, 'stateless'>;
  children: number;
  /**
   * Whether other sessions may be closed to make room. Not for a GET stream reopened on an unknown session
   * id: a client's reconnecting streams would otherwise close its other sessions, whose streams reconnect
   * and close others in turn, without end.
   */
  mayEvict: boolean;
}

/** What the admission reads and does in the hub. */
export interface AdmissionHost {
  /** Every open session (closing ones are gone from it). */
  sessions(): Iterable<HubSession>;
  /** The client of each per-session child still running although no open session reserves it (exiting). */
  detachedChildren(): Iterable<string>;
  close(session: HubSession, reason: string): Promise<void>;
  warn(message: string): void;
}

/** A session that must give way for the request to fit, or (no victim) the refusal when none can. */
interface Eviction {
  victim: HubSession | undefined;
  status: 429 | 503;
  why: string;
}

/**
 * Decides whether one more session may open, closing sessions that must give way first. The last check and
 * the opening happen in one synchronous step, and every eviction is awaited (its children have exited)
 * before counting again, so no interleaving of parallel requests pushes a count past its cap. Admissions
 * of one client wait for each other (two would otherwise close two sessions to make room for one);
 * those of different clients do not, so a client whose evictions are slow delays only itself.
 */
export class Admission {
  readonly #queues = new Map<string, Promise<void>>();

  constructor(
    private readonly host: AdmissionHost,
    private readonly limits: () => ClientLimits,
  ) {}

  /** Makes room for `request`, then runs `open`, which must register the session before returning. */
  run<T>(request: AdmissionRequest, open: () => T): Promise<T> {
    const { client } = request;
    const result = (this.#queues.get(client) ?? Promise.resolve()).then(async () => {
      await this.#makeRoom(request);
      return open();
    });
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#queues.set(client, tail);
    void tail.then(() => {
      if (this.#queues.get(client) === tail) this.#queues.delete(client);
    });
    return result;
  }

  async #makeRoom(request: AdmissionRequest): Promise<void> {
    let previous: HubSession | undefined;
    for (;;) {
      const eviction = this.#nextEviction(request);
      if (!eviction) return;
      const { victim, status, why } = eviction;
      if (!victim || !request.mayEvict) {
        throw new QuotaExceeded(status, `${status === 429 ? 'Too many sessions' : 'Ferry is full'}: ${why}`);
      }
      // Closing removes a session from the open set at once; the same victim twice means it could not be closed.
      if (victim === previous) throw new QuotaExceeded(503, 'Ferry is full: a session could not be closed');
      previous = victim;
      const reason = `${why}; the least recently used idle session of ${victim.client === request.client ? 'this client' : 'the client over its fair share'} was closed`;
      this.host.warn(`closed session ${victim.id.slice(0, 8)}…: ${reason}`);
      await this.host.close(victim, reason);
    }
  }

  /** The next session to close for `request` to fit, undefined when it fits; throws when it cannot. */
  #nextEviction(request: AdmissionRequest): Eviction | undefined {
    const limits = this.limits();
    const { client, kind } = request;
    const sessions = [...this.host.sessions()];
    const ofKind = sessions.filter((s) => s.kind === kind);
    const label = kind === 'streamable' ? 'sessions' : 'legacy SSE streams';
    const perClient = kind === 'streamable' ? limits.sessionsPerClient : limits.legacyStreamsPerClient;
    const total = kind === 'streamable' ? limits.sessionsTotal : limits.legacyStreamsTotal;
    const perClientName = kind === 'streamable' ? 'sessionsPerClient' : 'legacyStreamsPerClient';
    const totalName = kind === 'streamable' ? 'sessionsTotal' : 'legacyStreamsTotal';
    const counts = countBy(ofKind, () => 1);
    const mine = counts.get(client) ?? 0;

    if (mine >= perClient) {
      return this.#ownOrRefuse(
        ofKind,
        client,
        `this client already holds ${mine} ${label}, at most ${perClient} (${perClientName})`,
      );
    }
    if (ofKind.length >= total) {
      const offender = overFairShare(counts, client, 1, total);
      if (offender === client) {
        return this.#ownOrRefuse(
          ofKind,
          client,
          `Ferry holds ${ofKind.length} ${label}, at most ${total} (${totalName}), and this client holds more than its fair share`,
        );
      }
      return this.#other(
        ofKind,
        offender,
        `Ferry holds ${ofKind.length} ${label}, at most ${total} (${totalName})`,
      );
    }

    const demand = request.children;
    if (demand === 0) return undefined;
    if (demand > limits.childrenPerClient || demand > limits.childrenTotal) {
      // Closing sessions could never make room: refuse before closing any.
      throw new QuotaExceeded(
        429,
        `Too many sessions: this session would need ${demand} per-session server processes, at most ${Math.min(limits.childrenPerClient, limits.childrenTotal)} (childrenPerClient, childrenTotal)`,
      );
    }
    const children = countBy(sessions, (s) => s.childSlots);
    for (const detached of this.host.detachedChildren()) {
      children.set(detached, (children.get(detached) ?? 0) + 1);
    }
    const withChildren = sessions.filter((s) => s.childSlots > 0);
    const myChildren = children.get(client) ?? 0;
    if (myChildren + demand > limits.childrenPerClient) {
      return this.#ownOrRefuse(
        withChildren,
        client,
        `this client already runs ${myChildren} per-session server processes and this session needs ${demand} more, at most ${limits.childrenPerClient} (childrenPerClient)`,
      );
    }
    const allChildren = sum(children.values());
    if (allChildren + demand > limits.childrenTotal) {
      const offender = overFairShare(children, client, demand, limits.childrenTotal);
      const why = `Ferry runs ${allChildren} per-session server processes, at most ${limits.childrenTotal} (childrenTotal)`;
      if (offender === client) {
        return this.#ownOrRefuse(
          withChildren,
          client,
          `${why}, and this client runs more than its fair share`,
        );
      }
      return this.#other(withChildren, offender, why);
    }
    return undefined;
  }

  /**
   * The client is over a cap: its own least recently used idle Streamable HTTP session gives way. A legacy
   * stream is never closed for its own client (the stream is the session), and a session handling a
   * request is never closed: with nothing to close, the request is refused (429).
   */
  #ownOrRefuse(candidates: HubSession[], client: string, why: string): Eviction {
    const victim = leastRecentlyUsed(
      candidates.filter((s) => s.client === client && s.kind === 'streamable'),
    );
    return { victim, status: 429, why };
  }

  /** Ferry is full and `offender` holds more than its share: its least recently used idle session gives way. */
  #other(candidates: HubSession[], offender: string | undefined, why: string): Eviction {
    const victim = offender ? leastRecentlyUsed(candidates.filter((s) => s.client === offender)) : undefined;
    return { victim, status: 503, why };
  }
}

/**
 * The client that must give way when a cap of `total` is reached: the requester if it would hold more than its
 * fair share (the cap divided by the clients holding some), else the client holding the most.
 */
function overFairShare(
  counts: Map<string, number>,
  requester: string,
  demand: number,
  total: number,
): string | undefined {
  const holders = new Set([...counts.entries()].filter(([, n]) => n > 0).map(([c]) => c));
  holders.add(requester);
  const fairShare = Math.max(1, Math.floor(total / holders.size));
  if ((counts.get(requester) ?? 0) + demand > fairShare) return requester;
  let most: string | undefined;
  for (const [client, n] of counts) {
    if (client !== requester && n > (most === undefined ? 0 : (counts.get(most) ?? 0))) most = client;
  }
  return most;
}

function countBy(sessions: Iterable<HubSession>, weight: (s: HubSession) => number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const session of sessions) {
    const w = weight(session);
    if (w > 0) counts.set(session.client, (counts.get(session.client) ?? 0) + w);
  }
  return counts;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** The idle session (no request being handled) that was active longest ago. */
function leastRecentlyUsed(candidates: HubSession[]): HubSession | undefined {
  let oldest: HubSession | undefined;
  for (const session of candidates) {
    if (session.busy || session.closed) continue;
    if (!oldest || session.lastActivity < oldest.lastActivity) oldest = session;
  }
  return oldest;
}
