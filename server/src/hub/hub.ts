import type { Result, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { FerryConfig } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import type { ToolGate } from '../policy/gate.js';
import type { Upstream } from '../upstream/upstream.js';
import { Conflict, FerryError } from '../util/errors.js';
import { WINDOW_CLIENT } from './activity.js';
import { CLIENT_LIMITS, type Caller, type ClientLimits } from './clientLimits.js';
import type { HubOptions } from './options.js';
import { ServerRegistry, type ServerStatus } from './registry.js';
import { Router } from './router.js';
import type { HubSession, Scope, SessionKind } from './session.js';
import { SessionTable } from './sessionTable.js';

export type { HubOptions } from './options.js';
export type { ServerStatus } from './registry.js';
export { WINDOW_CLIENT, type CallHandle } from './activity.js';

/**
 * What the rest of Ferry (core, the admin API, the HTTP listeners and wires) sees of the hub. The work is
 * done by its parts: `ServerRegistry` (servers and their children), `SessionTable` (open sessions and
 * their caps), `Router` (who hears what a child sends, in-flight calls, log levels, subscriptions) and
 * the name catalog (`catalog.ts`).
 */
export class Hub {
  readonly version: string;
  readonly gate: ToolGate | undefined;
  readonly limits: Readonly<ClientLimits>;
  readonly #bus: EventBus;
  readonly #registry: ServerRegistry;
  readonly #table: SessionTable;
  readonly #router: Router;

  constructor(options: HubOptions) {
    this.#bus = options.bus;
    this.version = options.version;
    this.gate = options.gate;
    const limits = Object.freeze({ ...CLIENT_LIMITS, ...options.limits });
    this.limits = limits;
    // The registry's children report to the router, which is built on the registry: the closures read
    // the router only once a child exists.
    this.#registry = new ServerRegistry(
      options,
      {
        sessions: () => this.#table.sessions.values(),
        onRequest: (upstream, request, extra, owner) =>
          this.#router.childRequest(upstream, request, extra, owner),
        onNotification: (upstream, notification) => this.#router.childNotification(upstream, notification),
        onState: (upstream, owner) => this.#router.childState(upstream, owner),
        overChildCap: (client) => this.#table.overChildCap(client),
        changed: () => this.#router.changed(),
        pooled: () => this.#router.lists.bump(),
      },
      () => limits.pooledChildIdleMs,
    );
    this.#table = new SessionTable(this.#registry, this.#bus, limits);
    this.#router = new Router({
      bus: this.#bus,
      version: this.version,
      gate: this.gate,
      registry: this.#registry,
      table: this.#table,
    });
  }

  serverNames(): string[] {
    return this.#registry.serverNames();
  }

  sharedUpstream(name: string): Upstream | undefined {
    return this.#registry.sharedUpstream(name);
  }

  hasServer(name: string): boolean {
    return this.#registry.hasServer(name);
  }

  isPerSession(name: string): boolean {
    return this.#registry.isPerSession(name);
  }

  get sessions(): ReadonlyMap<string, HubSession> {
    return this.#table.sessions;
  }

  /** Brings the running servers in line with a config: starts, stops and restarts only what changed. */
  applyConfig(config: FerryConfig): Promise<void> {
    return this.#registry.applyConfig(config);
  }

  removeServer(name: string): Promise<void> {
    return this.#registry.removeServer(name);
  }

  restartServer(name: string): Promise<void> {
    return this.#registry.restartServer(name);
  }

  /** Tool policy or a pin changed: every session's lists are rebuilt and announced. */
  listsChanged(): void {
    this.#router.changed();
  }

  /**
   * The tools of every configured server as Ferry knows them now: the shared child's catalog, or for a
   * per-session server the catalog of one of its running children.
   */
  toolCatalogs(): { server: string; tools: readonly Tool[] }[] {
    return this.#registry.toolCatalogs();
  }

  /**
   * A tool call made from Ferry's own window (the tools list's test form, Activity's replay), on the
   * server's shared child, recorded in Activity as coming from "Ferry window".
   */
  async callFromWindow(server: string, tool: string, args: Record<string, unknown>): Promise<Result> {
    const upstream = this.sharedUpstream(server);
    if (!upstream)
      throw new Conflict(`"${server}" has no shared process to call (disabled, or one per session)`);
    const params = { name: tool, arguments: args };
    const call = this.#router.activity.record(
      { sessionId: 'ferry-window', client: WINDOW_CLIENT },
      server,
      'tools/call',
      tool,
      params,
    );
    try {
      const result = await upstream.request('tools/call', params);
      call.end(result.isError === true ? 'tool-error' : 'ok', result);
      return result;
    } catch (error) {
      call.end('error', undefined, (error as Error).message);
      // The child refused or could not answer the call (a JSON-RPC error, not ready, crashed, timed out):
      // the window shows its reason as a conflict with the server's state, not as a fault of Ferry's.
      throw error instanceof FerryError ? error : new Conflict((error as Error).message, { cause: error });
    }
  }

  /** A session's log level changed (the stateless wire's `_meta`): its shared children follow. */
  applyLogLevels(upstreams: Upstream[]): void {
    this.#router.applyLogLevels(upstreams);
  }

  /**
   * Admits one more session of `caller` under `ClientLimits` (closing sessions that must give way, when
   * `mayEvict`), then runs `open`, which must call `openSession`. Throws `QuotaExceeded` when the session
   * cannot be admitted.
   */
  admit<T>(
    request: { caller: Caller; kind: Exclude<SessionKind, 'stateless'>; scope: Scope; mayEvict: boolean },
    open: () => T,
  ): Promise<T> {
    return this.#table.admit(request, open);
  }

  openSession(
    id: string,
    scope: Scope,
    endpoint: string,
    options: { caller?: Caller; kind?: SessionKind } = {},
  ): HubSession {
    return this.#table.open(this.#router, id, scope, endpoint, options);
  }

  /**
   * Lends a stateless request's session the client's own child of each per-session server in its scope,
   * spawning it on first use. Throws `QuotaExceeded` when a new child would break the client's caps.
   */
  lendPooledChildren(session: HubSession, caller: Caller): Promise<void> {
    return this.#table.lendPooledChildren(session, caller);
  }

  /** Revocation takes effect now: every session opened under one of these grants is closed. */
  closeSessionsOfGrants(grantIds: readonly string[], reason: string): Promise<number> {
    return this.#table.closeGrants(grantIds, reason);
  }

  async closeSession(id: string, reason: string): Promise<void> {
    await this.#table.close(id, reason);
  }

  statuses(): ServerStatus[] {
    return this.#registry.statuses();
  }

  /** Resolves when every shared server has left starting/restarting (ready, crashed or stopped). */
  whenSettled(): Promise<void> {
    return this.#registry.whenSettled();
  }

  async stop(): Promise<void> {
    await this.#registry.stop(() =>
      Promise.allSettled(
        [...this.#table.sessions.keys()].map((id) => this.closeSession(id, 'Ferry is shutting down')),
      ),
    );
  }
}
