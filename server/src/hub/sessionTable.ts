import type { EventBus } from '../events/bus.js';
import type { Upstream } from '../upstream/upstream.js';
import { Admission } from './admission.js';
import { LOCAL_CALLER, type Caller, type ClientLimits } from './clientLimits.js';
import type { ServerRegistry } from './registry.js';
import { namesInScope, type Scope } from './scope.js';
import { HubSession, type SessionHost, type SessionKind } from './session.js';

/**
 * The open sessions: opening them under the per-client caps (`Admission`), closing them, and the
 * per-session children they run or borrow, counted against `childrenPerClient` / `childrenTotal`
 * from their spawn until their process has exited.
 */
export class SessionTable {
  readonly sessions = new Map<string, HubSession>();
  /** Every per-session child from its spawn until it has exited, with the session it was spawned for. */
  readonly #ownChildren = new Map<Upstream, HubSession>();
  readonly #admission: Admission;

  constructor(
    private readonly registry: ServerRegistry,
    private readonly bus: EventBus,
    private readonly limits: Readonly<ClientLimits>,
  ) {
    this.#admission = new Admission(
      {
        sessions: () => this.sessions.values(),
        detachedChildren: () => this.#detachedChildren(),
        close: (session, reason) => this.close(session.id, reason),
        warn: (message) => this.bus.log('warn', 'http', message),
      },
      () => this.limits,
    );
  }

  /**
   * Admits one more session of `caller` under `ClientLimits` (closing sessions that must give way, when
   * `mayEvict`), then runs `open`, which must call `SessionTable.open`. Throws `QuotaExceeded` when the session
   * cannot be admitted.
   */
  admit<T>(
    request: { caller: Caller; kind: Exclude<SessionKind, 'stateless'>; scope: Scope; mayEvict: boolean },
    open: () => T,
  ): Promise<T> {
    const { caller, kind, scope, mayEvict } = request;
    return this.#admission.run(
      { client: caller.clientId, kind, children: this.#childDemand(scope), mayEvict },
      open,
    );
  }

  open(
    host: SessionHost,
    id: string,
    scope: Scope,
    endpoint: string,
    options: { caller?: Caller; kind?: SessionKind },
  ): HubSession {
    const caller = options.caller ?? LOCAL_CALLER;
    const kind = options.kind ?? 'stateless';
    const session = new HubSession(host, {
      id,
      scope,
      endpoint,
      owner: caller.grantId,
      client: caller.clientId,
      kind,
      // What the admission counted for this session; `spawnOwn` grows it, within the caps, if servers are added.
      childSlots: kind === 'stateless' ? 0 : this.#childDemand(scope),
    });
    this.sessions.set(id, session);
    return session;
  }

  async close(id: string, reason: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    await session.close();
    this.bus.emit({ type: 'session.closed', sessionId: id, endpoint: session.endpoint, reason });
  }

  /** Revocation takes effect now: every session opened under one of these grants is closed. */
  async closeGrants(grantIds: readonly string[], reason: string): Promise<number> {
    const wanted = new Set(grantIds);
    const doomed = [...this.sessions.values()].filter((s) => s.owner !== null && wanted.has(s.owner));
    await Promise.all([
      ...doomed.map((s) => this.close(s.id, reason)),
      this.registry.pool.stopGrants(grantIds),
    ]);
    return doomed.length;
  }

  /** A per-session child's state changed: it counts until its process is gone; an admin restart brings it back. */
  ownChildState(upstream: Upstream, owner: HubSession): void {
    if (upstream.state === 'stopped' || upstream.state === 'disabled') this.#ownChildren.delete(upstream);
    else this.#ownChildren.set(upstream, owner);
  }

  /** The per-session children a session on `scope` starts: one per per-session server in its scope. */
  #childDemand(scope: Scope): number {
    const names = namesInScope(scope, () => this.registry.serverNames());
    return names.filter((name) => this.registry.isPerSession(name)).length;
  }

  /** Children still running that no open session reserves any more (their session closed, or the server went). */
  *#detachedChildren(): Iterable<string> {
    for (const [upstream, session] of this.#ownChildren) {
      if (this.sessions.get(session.id) !== session || session.own.get(upstream.name) !== upstream) {
        yield session.client;
      }
    }
    // The stateless wire's children belong to a client, never to a session: they count here too.
    yield* this.registry.pool.holders();
  }

  /** The per-session children `client` and Ferry run now (reserved by sessions, or running without one). */
  #childCounts(client: string): { mine: number; all: number } {
    let mine = 0;
    let all = 0;
    for (const s of this.sessions.values()) {
      all += s.childSlots;
      if (s.client === client) mine += s.childSlots;
    }
    for (const holder of this.#detachedChildren()) {
      all++;
      if (holder === client) mine++;
    }
    return { mine, all };
  }

  /** Why one more per-session child of `client` would break a cap; undefined when it fits. */
  overChildCap(client: string): string | undefined {
    const limits = this.limits;
    const { mine, all } = this.#childCounts(client);
    if (mine + 1 <= limits.childrenPerClient && all + 1 <= limits.childrenTotal) return undefined;
    return `this client runs ${mine} per-session server processes (at most ${limits.childrenPerClient}, childrenPerClient) and Ferry ${all} (at most ${limits.childrenTotal}, childrenTotal)`;
  }

  /** Starts `session`'s own child of each per-session server in its scope that it does not run yet. */
  startOwn(session: HubSession): void {
    for (const name of namesInScope(session.scope, () => this.registry.serverNames())) {
      if (session.own.has(name) || !this.registry.isPerSession(name)) continue;
      this.#spawnOwn(session, name);
    }
  }

  /**
   * Starts `session`'s own child of `name` within its reserved slots, or in a new slot if the client and
   * Ferry are under their caps (a per-session server added while the session is open); otherwise the
   * session goes without that server and the log says why.
   */
  #spawnOwn(session: HubSession, name: string): void {
    if (session.own.size >= session.childSlots) {
      const over = this.overChildCap(session.client);
      if (over) {
        this.bus.log(
          'warn',
          `server:${name}`,
          `session ${session.id.slice(0, 8)}… gets no child of "${name}": ${over.replace('this client', 'its client')}`,
        );
        return;
      }
      session.childSlots++;
    }
    const upstream = this.registry.createUpstream(name, session.clientCapabilities, session);
    if (!upstream) return;
    session.own.set(name, upstream);
    this.#ownChildren.set(upstream, session);
    upstream.start();
  }

  /**
   * Lends a stateless request's session the client's own child of each per-session server in its scope,
   * spawning it on first use. Throws `QuotaExceeded` when a new child would break the client's caps.
   */
  async lendPooledChildren(session: HubSession, caller: Caller): Promise<void> {
    for (const name of namesInScope(session.scope, () => this.registry.serverNames())) {
      if (!this.registry.isPerSession(name) || session.own.has(name)) continue;
      const upstream = await this.registry.pool.acquire(caller, name);
      if (session.closed) {
        // Closed while waiting (Ferry stopping, the client revoked): give it straight back.
        this.registry.pool.release(upstream);
        return;
      }
      session.own.set(name, upstream);
      session.borrowed.add(upstream);
    }
  }
}
