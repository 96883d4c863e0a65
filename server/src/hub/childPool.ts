import type { Upstream } from '../upstream/upstream.js';
import { QuotaExceeded } from './admission.js';
import type { Caller } from './clientLimits.js';

/** What the pool needs from the hub: spawning a child, the caps, the idle timeout. */
export interface ChildPoolHost {
  /** Creates and starts a child of `server` kept for `client` (undefined if the server is gone). */
  spawn(server: string, client: string): Upstream | undefined;
  /** Why one more per-session child of `client` would break `childrenPerClient` / `childrenTotal`; undefined if it fits. */
  overCap(client: string): string | undefined;
  /** How long a child nobody is using stays (`ClientLimits.pooledChildIdleMs`). */
  idleMs(): number;
  /** A child started or went: the hub's lists and counts change. */
  changed(): void;
  log(server: string, message: string): void;
}

interface Pooled {
  upstream: Upstream;
  client: string;
  server: string;
  /** Every grant that used this child: revoking any of them stops it. */
  grants: Set<string>;
  /** Stateless requests using the child right now; the idle timer runs only at zero. */
  users: number;
  idle: NodeJS.Timeout | undefined;
}

/**
 * The children of `per-session` servers on the stateless 2026-07-28 wire. That wire has no session to
 * own a child, and a child per request would spawn and kill a process for every call; so each OAuth
 * client (the caller identity every token names) gets one child per such server, kept across its
 * requests and stopped when it has been unused for `pooledChildIdleMs`, when a grant that used it is
 * revoked, when its server is removed or changed, and when Ferry stops. Each pooled child counts against
 * the same `childrenPerClient` / `childrenTotal` caps as a stateful session's children, from its spawn
 * until its process has exited.
 */
export class ChildPool {
  readonly #host: ChildPoolHost;
  readonly #live = new Map<string, Pooled>();
  /** Children being stopped, with their client and their stop: they count until their process has exited. */
  readonly #exiting = new Map<Upstream, { client: string; done: Promise<void> }>();

  constructor(host: ChildPoolHost) {
    this.#host = host;
  }

  /**
   * The child of `server` for this caller, spawned on first use; the caller must `release` it once its
   * request is over. Throws `QuotaExceeded` (429) when a new child would break the client's caps.
   */
  async acquire(caller: Caller, server: string): Promise<Upstream> {
    const key = `${caller.clientId}\n${server}`;
    let pooled = this.#live.get(key);
    if (!pooled && this.#host.overCap(caller.clientId)) {
      // The client's own children that are exiting (idle just now) free their slots within the kill grace:
      // a request that comes back at that moment waits for them instead of being refused.
      await Promise.all(
        [...this.#exiting.values()].filter((e) => e.client === caller.clientId).map((e) => e.done),
      );
      pooled = this.#live.get(key);
    }
    if (!pooled) {
      const why = this.#host.overCap(caller.clientId);
      if (why) throw new QuotaExceeded(429, `Too many server processes: ${why}`);
      const upstream = this.#host.spawn(server, caller.clientId);
      if (!upstream) throw new QuotaExceeded(503, `server "${server}" is not configured any more`);
      pooled = { upstream, client: caller.clientId, server, grants: new Set(), users: 0, idle: undefined };
      this.#live.set(key, pooled);
      this.#host.changed();
    }
    if (caller.grantId) pooled.grants.add(caller.grantId);
    pooled.users++;
    clearTimeout(pooled.idle);
    pooled.idle = undefined;
    return pooled.upstream;
  }

  /** A request using `upstream` is over; when none is left, the idle timer starts. */
  release(upstream: Upstream): void {
    const pooled = this.#find(upstream);
    if (!pooled || --pooled.users > 0) return;
    pooled.idle = setTimeout(() => {
      if (pooled.users === 0) void this.#stop(pooled, 'idle');
    }, this.#host.idleMs());
    pooled.idle.unref();
  }

  /** The client of each pooled child still running (live or exiting), once per child: what the caps count. */
  *holders(): Iterable<string> {
    for (const pooled of this.#live.values()) yield pooled.client;
    for (const exiting of this.#exiting.values()) yield exiting.client;
  }

  /** Children of `server` still running (live or exiting): what the window counts. */
  count(server: string): number {
    return this.children(server).length + [...this.#exiting.keys()].filter((u) => u.name === server).length;
  }

  /** Live children of `server`. */
  children(server: string): Upstream[] {
    return [...this.#live.values()].filter((p) => p.server === server).map((p) => p.upstream);
  }

  stopServer(server: string): Promise<void> {
    return this.#stopWhere((p) => p.server === server, 'server removed');
  }

  stopGrants(grantIds: readonly string[]): Promise<void> {
    return this.#stopWhere((p) => grantIds.some((g) => p.grants.has(g)), 'client revoked');
  }

  stopAll(): Promise<void> {
    return this.#stopWhere(() => true, 'Ferry is shutting down');
  }

  async restartServer(server: string): Promise<void> {
    await Promise.all(this.children(server).map((u) => u.restart()));
  }

  #find(upstream: Upstream): Pooled | undefined {
    for (const pooled of this.#live.values()) if (pooled.upstream === upstream) return pooled;
    return undefined;
  }

  async #stopWhere(match: (pooled: Pooled) => boolean, reason: string): Promise<void> {
    await Promise.all([...this.#live.values()].filter(match).map((p) => this.#stop(p, reason)));
  }

  async #stop(pooled: Pooled, reason: string): Promise<void> {
    const key = `${pooled.client}\n${pooled.server}`;
    if (this.#live.get(key) !== pooled) return;
    clearTimeout(pooled.idle);
    this.#live.delete(key);
    this.#host.log(
      pooled.server,
      `stopping the stateless wire's child of client ${pooled.client}: ${reason}`,
    );
    const done = pooled.upstream
      .stop()
      .catch(() => undefined)
      .finally(() => {
        this.#exiting.delete(pooled.upstream);
        this.#host.changed();
      });
    this.#exiting.set(pooled.upstream, { client: pooled.client, done });
    await done;
  }
}
