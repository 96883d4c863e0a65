import { randomUUID } from 'node:crypto';
import {
  ErrorCode,
  type ClientCapabilities,
  type JSONRPCRequest,
  type LoggingLevel,
  type Notification,
  type RequestId,
  type Result,
} from '@modelcontextprotocol/sdk/types.js';
import { isDeepStrictEqual } from 'node:util';
import type { SettingsView } from '../config/live.js';
import type { FerryConfig, ServerOptions, ServerSpec } from '../config/schema.js';
import { childOptions, serverOptions } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import { fullPayload, preview } from '../events/redact.js';
import { secretRefs } from '../secrets/resolve.js';
import type { CallOutcome, UpstreamState } from '../events/types.js';
import { Upstream, type UpstreamHooks, type UpstreamRequestExtra } from '../upstream/upstream.js';
import { Admission } from './admission.js';
import { ChildPool } from './childPool.js';
import { TaskMap, withTaskId } from './tasks.js';
import { CLIENT_LIMITS, LOCAL_CALLER, type Caller, type ClientLimits } from './clientLimits.js';
import { childCapabilities, HubSession, type Scope, type SessionKind } from './session.js';
import { WireError } from './wireError.js';
import { severity } from '../events/logLevels.js';
import type { ToolGate } from '../policy/gate.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { Conflict, FerryError, NotFound } from '../util/errors.js';

/** Capabilities Ferry claims toward a shared child: requests are routed to the session whose call caused them. */
const SHARED_CLIENT_CAPABILITIES: ClientCapabilities = { sampling: {}, elicitation: { form: {}, url: {} } };

export interface HubOptions {
  bus: EventBus;
  version: string;
  /** `ferry.restart` and the message cap, read when a child is created, so config edits apply to the next start. */
  settings: SettingsView<'restart' | 'maxMessageBytes'>;
  resolveEnv: (env: Record<string, string>, server: string) => Promise<Record<string, string>>;
  initTimeoutMs?: number;
  /** How long a child gets to answer `server/discover` (tests shorten or lengthen it). */
  discoverTimeoutMs?: number;
  /** Overrides of `CLIENT_LIMITS` (tests exercise the caps at small sizes). */
  limits?: Partial<ClientLimits>;
  /** Per-tool control (policy, pins, approvals, audit). Without it every tool is listed and callable. */
  gate?: ToolGate;
}

interface ServerEntry {
  name: string;
  spec: ServerSpec;
  options: ServerOptions;
  /** The one child every session uses; absent for disabled and per-session servers. */
  shared: Upstream | undefined;
}

interface Inflight {
  session: HubSession;
  requestId: RequestId;
}

export interface ServerStatus {
  name: string;
  state: UpstreamState;
  reason: string | undefined;
  /** When the shared child entered its state (epoch ms); undefined without a shared child. */
  since: number | undefined;
  pid: number | undefined;
  sessionMode: ServerOptions['sessionMode'];
  command: string;
  args: string[];
  /** Names only: values can be secrets (or `${secret:…}` references) and stay out of every status. */
  envNames: string[];
  /** The env names whose values live in the secret store (`${secret:…}`), so the window can say so. */
  secretEnvNames: string[];
  cwd: string | undefined;
  tools: number;
  resources: number;
  prompts: number;
  serverInfo: { name: string; version: string } | undefined;
  /** The MCP revision the shared child speaks ("2026-07-28" for a modern, stateless child). */
  protocolVersion: string | undefined;
  stderrTail: string[];
  children: number;
}

/** How calls made from Ferry's own window are named in Activity. */
export const WINDOW_CLIENT = 'Ferry window';

export interface CallHandle {
  end(outcome: CallOutcome, result?: Result, error?: string): void;
}

/**
 * Owns the children and the sessions: forwards each session's requests to the right child and routes
 * what children send (notifications, sampling/elicitation/roots requests) back to the right sessions.
 */
export class Hub {
  readonly version: string;
  readonly gate: ToolGate | undefined;
  readonly #bus: EventBus;
  readonly #options: HubOptions;
  readonly #entries = new Map<string, ServerEntry>();
  /** Set by stop(): the entries stay for status views, and the next config starts every server afresh. */
  #stopped = false;
  readonly #sessions = new Map<string, HubSession>();
  readonly #inflight = new Map<Upstream, Map<number, Inflight>>();
  #inflightSeq = 0;
  /** Every per-session child from its spawn until it has exited, with the session it was spawned for. */
  readonly #ownChildren = new Map<Upstream, HubSession>();
  readonly limits: Readonly<ClientLimits>;
  readonly #admission: Admission;
  /** Children of per-session servers kept per client for the stateless wire (which has no sessions). */
  readonly #pool: ChildPool;
  /** Tasks children created for clients, under ids of Ferry's own (see `TaskMap`). */
  readonly tasks = new TaskMap();
  /** Bumped whenever any catalog or readiness changes; sessions rebuild their name indexes lazily. */
  generation = 0;

  constructor(options: HubOptions) {
    this.#options = options;
    this.#bus = options.bus;
    this.version = options.version;
    this.gate = options.gate;
    this.limits = Object.freeze({ ...CLIENT_LIMITS, ...options.limits });
    this.#admission = new Admission(
      {
        sessions: () => this.#sessions.values(),
        detachedChildren: () => this.#detachedChildren(),
        close: (session, reason) => this.closeSession(session.id, reason),
        warn: (message) => this.#bus.log('warn', 'http', message),
      },
      () => this.limits,
    );
    this.#pool = new ChildPool({
      spawn: (server, client) => {
        const upstream = this.createUpstream(server, SHARED_CLIENT_CAPABILITIES, undefined, client);
        upstream?.start();
        return upstream;
      },
      overCap: (client) => this.#overChildCap(client),
      idleMs: () => this.limits.pooledChildIdleMs,
      changed: () => void this.generation++,
      log: (server, message) => this.#bus.log('info', `server:${server}`, message),
    });
  }

  serverNames(): string[] {
    return [...this.#entries.values()].filter((e) => !e.spec.disabled).map((e) => e.name);
  }

  sharedUpstream(name: string): Upstream | undefined {
    return this.#entries.get(name)?.shared;
  }

  hasServer(name: string): boolean {
    return this.#entries.has(name);
  }

  isPerSession(name: string): boolean {
    const entry = this.#entries.get(name);
    return entry !== undefined && !entry.spec.disabled && entry.options.sessionMode === 'per-session';
  }

  get sessions(): ReadonlyMap<string, HubSession> {
    return this.#sessions;
  }

  /** Brings the running servers in line with a config: starts, stops and restarts only what changed. */
  async applyConfig(config: FerryConfig): Promise<void> {
    if (this.#stopped) {
      this.#stopped = false;
      this.#entries.clear();
    }
    const wanted = new Map(Object.entries(config.mcpServers));
    const work: Promise<void>[] = [];
    for (const name of this.#entries.keys()) {
      if (!wanted.has(name)) work.push(this.removeServer(name));
    }
    for (const [name, spec] of wanted) {
      const options = serverOptions(config, name);
      const entry = this.#entries.get(name);
      if (!entry) this.#addEntry(name, spec, options);
      else if (
        !isDeepStrictEqual(entry.spec, spec) ||
        !isDeepStrictEqual(childOptions(entry.options), childOptions(options))
      ) {
        work.push(this.#replaceEntry(entry, spec, options));
      } else {
        // Tool policy is read from the config on every call: it never needs the child restarted.
        entry.options = options;
      }
    }
    await Promise.all(work);
  }

  async removeServer(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (!entry) return;
    this.#entries.delete(name);
    await this.#stopEntry(entry, 'stopped');
    this.#changed();
  }

  async restartServer(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (!entry) throw new NotFound(`no server named "${name}"`);
    if (entry.spec.disabled) throw new Conflict(`server "${name}" is disabled; enable it first`);
    if (entry.shared) await entry.shared.restart();
    for (const session of this.#sessions.values()) {
      const own = session.own.get(name);
      if (own && !session.borrowed.has(own)) await own.restart();
    }
    await this.#pool.restartServer(name);
  }

  #addEntry(name: string, spec: ServerSpec, options: ServerOptions): void {
    const entry: ServerEntry = { name, spec, options, shared: undefined };
    this.#entries.set(name, entry);
    this.#startEntry(entry);
  }

  async #replaceEntry(entry: ServerEntry, spec: ServerSpec, options: ServerOptions): Promise<void> {
    await this.#stopEntry(entry, spec.disabled ? 'disabled' : 'stopped');
    entry.spec = spec;
    entry.options = options;
    this.#startEntry(entry);
    this.#changed();
  }

  #startEntry(entry: ServerEntry): void {
    if (entry.spec.disabled) {
      this.#bus.emit({ type: 'server.status', server: entry.name, state: 'disabled' });
      return;
    }
    if (entry.options.sessionMode === 'per-session') {
      this.#bus.emit({
        type: 'server.status',
        server: entry.name,
        state: 'ready',
        reason: 'one child per session',
      });
      for (const session of this.#sessions.values()) session.startOwnUpstreams();
      return;
    }
    entry.shared = this.createUpstream(entry.name, SHARED_CLIENT_CAPABILITIES, undefined);
    entry.shared?.start();
  }

  async #stopEntry(entry: ServerEntry, finalState: 'stopped' | 'disabled'): Promise<void> {
    const work: Promise<void>[] = [];
    if (entry.shared) work.push(entry.shared.stop(finalState));
    entry.shared = undefined;
    work.push(this.#pool.stopServer(entry.name));
    for (const session of this.#sessions.values()) {
      const own = session.own.get(entry.name);
      if (own && session.borrowed.has(own)) {
        // The pool stops it; the session only lets go.
        session.own.delete(entry.name);
        session.borrowed.delete(own);
      } else if (own) {
        session.own.delete(entry.name);
        // The slot stays counted (as detached) until the process has exited.
        session.childSlots = Math.max(0, session.childSlots - 1);
        work.push(own.stop());
      }
    }
    await Promise.all(work);
    this.#bus.emit({ type: 'server.status', server: entry.name, state: finalState });
  }

  /**
   * A child of `name`: the shared one (no owner), one session's own (`owner`), or one the stateless wire
   * keeps for a client (`pooledFor`, the client id).
   */
  createUpstream(
    name: string,
    capabilities: ClientCapabilities,
    owner: HubSession | undefined,
    pooledFor?: string,
  ): Upstream | undefined {
    const entry = this.#entries.get(name);
    if (!entry) return undefined;
    const hooks: UpstreamHooks = {
      onRequest: (upstream, request, extra) => this.#routeChildRequest(upstream, request, extra, owner),
      onNotification: (upstream, notification) => this.#routeChildNotification(upstream, notification),
      onState: (upstream) => this.#onUpstreamState(upstream, owner, pooledFor),
      onStderr: (upstream, line) => this.#bus.log('info', `server:${upstream.name}`, line),
      onProtocolError: (upstream, message) => this.#bus.log('warn', `server:${upstream.name}`, message),
    };
    return new Upstream({
      name,
      spec: entry.spec,
      options: entry.options,
      policy: this.#options.settings.ferry.restart,
      clientCapabilities: owner ? childCapabilities(capabilities) : capabilities,
      clientInfo: { name: 'ferry', version: this.version },
      hooks,
      resolveEnv: this.#options.resolveEnv,
      initTimeoutMs: this.#options.initTimeoutMs,
      ...(this.#options.discoverTimeoutMs ? { discoverTimeoutMs: this.#options.discoverTimeoutMs } : {}),
      maxMessageBytes: this.#options.settings.ferry.maxMessageBytes,
    });
  }

  #onUpstreamState(upstream: Upstream, owner: HubSession | undefined, pooledFor: string | undefined): void {
    if (owner) {
      // A per-session child counts until its process is gone; an admin restart brings it back.
      if (upstream.state === 'stopped' || upstream.state === 'disabled') this.#ownChildren.delete(upstream);
      else this.#ownChildren.set(upstream, owner);
    }
    if (!owner && pooledFor === undefined) {
      this.#bus.emit({
        type: 'server.status',
        server: upstream.name,
        state: upstream.state,
        ...(upstream.reason ? { reason: upstream.reason } : {}),
        ...(upstream.pid ? { pid: upstream.pid } : {}),
      });
    } else if (upstream.state === 'crashed') {
      this.#bus.log(
        'error',
        `server:${upstream.name}`,
        `child of ${owner ? `session ${owner.id}` : `client ${pooledFor}`} crashed: ${upstream.reason}`,
      );
    }
    if (upstream.state === 'ready' && upstream.catalog)
      this.gate?.observe(upstream.name, upstream.catalog.tools);
    // A child's tasks live in its process: after an exit no id of it can be reached any more.
    if (upstream.state !== 'ready' && upstream.state !== 'starting') this.tasks.forget(upstream);
    if (upstream.state === 'ready' || upstream.state === 'restarting' || upstream.state === 'crashed') {
      this.#changed(upstream);
    }
    if (upstream.state === 'ready') this.applyLogLevels([upstream]);
  }

  /** Tool policy or a pin changed: every session's lists are rebuilt and announced. */
  listsChanged(): void {
    this.#changed();
  }

  /**
   * The tools of every configured server as Ferry knows them now: the shared child's catalog, or for a
   * per-session server the catalog of one of its running children.
   */
  toolCatalogs(): { server: string; tools: readonly Tool[] }[] {
    const out: { server: string; tools: readonly Tool[] }[] = [];
    for (const entry of this.#entries.values()) {
      let catalog = entry.shared?.catalog ?? this.#pool.children(entry.name).find((u) => u.catalog)?.catalog;
      if (!catalog) {
        for (const session of this.#sessions.values()) {
          catalog = session.own.get(entry.name)?.catalog;
          if (catalog) break;
        }
      }
      if (catalog) out.push({ server: entry.name, tools: catalog.tools });
    }
    return out;
  }

  /** Catalogs or readiness changed: every affected session hears list_changed for each list. */
  #changed(upstream?: Upstream): void {
    this.generation++;
    for (const session of this.#sessions.values()) {
      if (upstream && !session.includes(upstream)) continue;
      session.invalidate();
      for (const list of ['tools', 'prompts', 'resources']) {
        session.notify({ method: `notifications/${list}/list_changed` });
      }
    }
  }

  #routeChildNotification(upstream: Upstream, notification: Notification): void {
    const method = notification.method;
    if (method.endsWith('/list_changed')) {
      if (method === 'notifications/tools/list_changed' && upstream.catalog)
        this.gate?.observe(upstream.name, upstream.catalog.tools);
      this.generation++;
      for (const session of this.#sessions.values()) {
        if (!session.includes(upstream)) continue;
        session.invalidate();
        session.notify(notification);
      }
      return;
    }
    if (method === 'notifications/message') {
      const params = (notification.params ?? {}) as { level?: LoggingLevel; data?: unknown; logger?: string };
      const level = params.level ?? 'info';
      this.#bus.log(
        severity(level) >= severity('error')
          ? 'error'
          : severity(level) >= severity('warning')
            ? 'warn'
            : 'info',
        `server:${upstream.name}`,
        typeof params.data === 'string' ? params.data : preview(params.data, 2000),
      );
      const shared = this.sharedUpstream(upstream.name) === upstream;
      for (const session of this.#sessions.values()) {
        if (!session.includes(upstream)) continue;
        // A shared child's log goes only to the sessions that asked for logs (logging/setLevel), at their
        // level or above: one client's activity must not show up in another client's session. A
        // per-session child's log has only its own session to go to.
        if (!session.logLevel && shared) continue;
        if (session.logLevel && severity(level) < severity(session.logLevel)) continue;
        session.notify(notification);
      }
      return;
    }
    if (method === 'notifications/resources/updated') {
      const uri = (notification.params as { uri?: string } | undefined)?.uri;
      for (const session of this.#sessions.values()) {
        if (session.includes(upstream) && uri !== undefined && session.subscriptions.has(uri)) {
          session.notify(notification);
        }
      }
      return;
    }
    if (method === 'notifications/tasks/status') {
      // Only the session that created the task hears of it, under the id that session was given.
      const params = (notification.params ?? {}) as Record<string, unknown>;
      const record = this.tasks.byChild(upstream, params.taskId);
      const session = record && this.#sessions.get(record.sessionId);
      if (record && session && session.includes(upstream)) {
        session.notify({ method, params: withTaskId(params, record.childId, record.id) });
      }
      return;
    }
    // Anything else (extensions) only makes sense where the child is seen as itself.
    for (const session of this.#sessions.values()) {
      if (session.scope.kind === 'server' && session.includes(upstream)) session.notify(notification);
    }
  }

  /**
   * A child asks its client something (sampling, elicitation, roots). Over stdio nothing says which of
   * our calls caused it, so it goes to the one session with calls in flight on that child; with calls of
   * several sessions in flight Ferry refuses rather than risk showing one session's prompt to another.
   */
  async #routeChildRequest(
    upstream: Upstream,
    request: JSONRPCRequest,
    extra: UpstreamRequestExtra,
    owner: HubSession | undefined,
  ): Promise<Result> {
    const inflight = [...(this.#inflight.get(upstream)?.values() ?? [])];
    let session = owner;
    let related: RequestId | undefined = inflight.filter((i) => i.session === owner).at(-1)?.requestId;
    if (!session) {
      let sessions = new Set(inflight.map((i) => i.session));
      // A call parked for its client's input on the stateless wire has already said what it needs: a new
      // request from the child is for another call. When every other call in flight belongs to the same
      // client, routing to the one that is not parked can at worst reach that client's own call.
      const active = [...sessions].filter((s) => !s.awaitingInput);
      if (
        sessions.size > 1 &&
        active.length === 1 &&
        [...sessions].every((s) => s.client === active[0]?.client)
      ) {
        sessions = new Set(active);
        inflight.splice(0, inflight.length, ...inflight.filter((i) => i.session === active[0]));
      }
      if (sessions.size > 1) {
        throw new WireError(
          ErrorCode.InvalidRequest,
          `${request.method} from "${upstream.name}" is ambiguous: calls of ${sessions.size} sessions are in flight on this shared server. Set ferry.servers.${upstream.name}.sessionMode to "per-session".`,
        );
      }
      const only = inflight.at(-1);
      session = only?.session;
      related = only?.requestId;
    }
    if (!session || session.closed) {
      if (request.method === 'roots/list') return { roots: [] };
      throw new WireError(
        ErrorCode.InvalidRequest,
        `${request.method} from "${upstream.name}" has no client to go to: no call of a connected session is in flight`,
      );
    }
    const { _meta: meta, ...params } = (request.params ?? {}) as Record<string, unknown>;
    return session.requestClient(
      { method: request.method, params },
      related,
      extra.signal,
      typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined,
    );
  }

  trackInflight(upstream: Upstream, session: HubSession, requestId: RequestId): () => void {
    let map = this.#inflight.get(upstream);
    if (!map) {
      map = new Map<number, Inflight>();
      this.#inflight.set(upstream, map);
    }
    const key = ++this.#inflightSeq;
    map.set(key, { session, requestId });
    return () => {
      map.delete(key);
      if (map.size === 0) this.#inflight.delete(upstream);
    };
  }

  callStarted(
    session: HubSession,
    upstream: Upstream,
    method: string,
    target: string,
    params: Record<string, unknown>,
  ): CallHandle {
    return this.#recordCall(
      { sessionId: session.id, client: session.clientInfo?.name, protocol: session.protocolVersion },
      upstream.name,
      method,
      target,
      params,
    );
  }

  /** A call Ferry answered itself before any child saw it (unknown tool): Activity shows it as refused. */
  callRefused(
    session: HubSession,
    method: string,
    target: string,
    params: Record<string, unknown>,
    why: string,
  ): void {
    this.#recordCall(
      { sessionId: session.id, client: session.clientInfo?.name, protocol: session.protocolVersion },
      '',
      method,
      target,
      params,
    ).end('refused', undefined, why);
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
    const call = this.#recordCall(
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

  #recordCall(
    by: { sessionId: string; client: string | undefined; protocol?: string },
    server: string,
    method: string,
    target: string,
    params: Record<string, unknown>,
  ): CallHandle {
    const callId = randomUUID();
    const started = performance.now();
    const payload = method === 'tools/call' ? params.arguments : params;
    const args = { argsPreview: preview(payload), args: fullPayload(payload) };
    const base = {
      callId,
      sessionId: by.sessionId,
      server,
      method,
      target,
      ...(by.client ? { client: by.client } : {}),
      ...(by.protocol ? { protocol: by.protocol } : {}),
    };
    this.#bus.emit({ type: 'call.start', ...base, ...args });
    return {
      end: (outcome, result, error) => {
        this.#bus.emit({
          type: 'call.end',
          ...base,
          ...args,
          durationMs: Math.round((performance.now() - started) * 1000) / 1000,
          outcome,
          ...(error ? { error } : {}),
          ...(result
            ? { resultPreview: preview(result.content ?? result), result: fullPayload(result) }
            : {}),
        });
      },
    };
  }

  isSubscribedElsewhere(upstream: Upstream, uri: string, except: HubSession): boolean {
    for (const session of this.#sessions.values()) {
      if (session !== except && session.includes(upstream) && session.subscriptions.has(uri)) return true;
    }
    return false;
  }

  /** A shared child logs at the most verbose level any of its sessions asked for; sessions filter the rest. */
  applyLogLevels(upstreams: Upstream[]): void {
    for (const upstream of upstreams) {
      if (!upstream.isReady || !upstream.catalog?.capabilities.logging) continue;
      // 2026-07-28 removed logging/setLevel: a modern child gets the level on each request instead.
      if (upstream.isModern) continue;
      let level: LoggingLevel | undefined;
      for (const session of this.#sessions.values()) {
        if (!session.includes(upstream) || !session.logLevel) continue;
        if (!level || severity(session.logLevel) < severity(level)) level = session.logLevel;
      }
      if (level) {
        upstream.request('logging/setLevel', { level }).catch((error: unknown) => {
          this.#bus.log('warn', `server:${upstream.name}`, `logging/setLevel failed: ${String(error)}`);
        });
      }
    }
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
    const { caller, kind, scope, mayEvict } = request;
    return this.#admission.run(
      { client: caller.clientId, kind, children: this.#childDemand(scope), mayEvict },
      open,
    );
  }

  openSession(
    id: string,
    scope: Scope,
    endpoint: string,
    options: { caller?: Caller; kind?: SessionKind } = {},
  ): HubSession {
    const session = new HubSession(this, id, scope, endpoint);
    const caller = options.caller ?? LOCAL_CALLER;
    session.owner = caller.grantId;
    session.client = caller.clientId;
    session.kind = options.kind ?? 'stateless';
    // What the admission counted for this session; `spawnOwn` grows it, within the caps, if servers are added.
    session.childSlots = session.kind === 'stateless' ? 0 : this.#childDemand(scope);
    this.#sessions.set(id, session);
    return session;
  }

  /** The per-session children a session on `scope` starts: one per per-session server in its scope. */
  #childDemand(scope: Scope): number {
    const names = scope.kind === 'all' ? this.serverNames() : [scope.server];
    return names.filter((name) => this.isPerSession(name)).length;
  }

  /** Children still running that no open session reserves any more (their session closed, or the server went). */
  *#detachedChildren(): Iterable<string> {
    for (const [upstream, session] of this.#ownChildren) {
      if (this.#sessions.get(session.id) !== session || session.own.get(upstream.name) !== upstream) {
        yield session.client;
      }
    }
    // The stateless wire's children belong to a client, never to a session: they count here too.
    yield* this.#pool.holders();
  }

  /** The per-session children `client` and Ferry run now (reserved by sessions, or running without one). */
  #childCounts(client: string): { mine: number; all: number } {
    let mine = 0;
    let all = 0;
    for (const s of this.#sessions.values()) {
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
  #overChildCap(client: string): string | undefined {
    const limits = this.limits;
    const { mine, all } = this.#childCounts(client);
    if (mine + 1 <= limits.childrenPerClient && all + 1 <= limits.childrenTotal) return undefined;
    return `this client runs ${mine} per-session server processes (at most ${limits.childrenPerClient}, childrenPerClient) and Ferry ${all} (at most ${limits.childrenTotal}, childrenTotal)`;
  }

  /**
   * Lends a stateless request's session the client's own child of each per-session server in its scope,
   * spawning it on first use. Throws `QuotaExceeded` when a new child would break the client's caps.
   */
  async lendPooledChildren(session: HubSession, caller: Caller): Promise<void> {
    const names = session.scope.kind === 'all' ? this.serverNames() : [session.scope.server];
    for (const name of names) {
      if (!this.isPerSession(name) || session.own.has(name)) continue;
      const upstream = await this.#pool.acquire(caller, name);
      if (session.closed) {
        // Closed while waiting (Ferry stopping, the client revoked): give it straight back.
        this.#pool.release(upstream);
        return;
      }
      session.own.set(name, upstream);
      session.borrowed.add(upstream);
    }
  }

  /** A stateless request's session is over: the children it borrowed start their idle time. */
  returnPooledChild(upstream: Upstream): void {
    this.#pool.release(upstream);
  }

  /**
   * Starts `session`'s own child of `name` within its reserved slots, or in a new slot if the client and
   * Ferry are under their caps (a per-session server added while the session is open); otherwise the
   * session goes without that server and the log says why.
   */
  spawnOwn(session: HubSession, name: string): void {
    if (session.own.size >= session.childSlots) {
      const over = this.#overChildCap(session.client);
      if (over) {
        this.#bus.log(
          'warn',
          `server:${name}`,
          `session ${session.id.slice(0, 8)}… gets no child of "${name}": ${over.replace('this client', 'its client')}`,
        );
        return;
      }
      session.childSlots++;
    }
    const upstream = this.createUpstream(name, session.clientCapabilities, session);
    if (!upstream) return;
    session.own.set(name, upstream);
    this.#ownChildren.set(upstream, session);
    upstream.start();
  }

  /** Revocation takes effect now: every session opened under one of these grants is closed. */
  async closeSessionsOfGrants(grantIds: readonly string[], reason: string): Promise<number> {
    const wanted = new Set(grantIds);
    const doomed = [...this.#sessions.values()].filter((s) => s.owner !== null && wanted.has(s.owner));
    await Promise.all([
      ...doomed.map((s) => this.closeSession(s.id, reason)),
      this.#pool.stopGrants(grantIds),
    ]);
    return doomed.length;
  }

  sessionInitialized(session: HubSession): void {
    this.#bus.emit({
      type: 'session.opened',
      sessionId: session.id,
      endpoint: session.endpoint,
      ...(session.clientInfo?.name ? { clientName: session.clientInfo.name } : {}),
    });
  }

  async closeSession(id: string, reason: string): Promise<void> {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    await session.close();
    this.#bus.emit({ type: 'session.closed', sessionId: id, endpoint: session.endpoint, reason });
  }

  statuses(): ServerStatus[] {
    return [...this.#entries.values()].map((entry) => {
      const upstream = entry.shared;
      const children =
        [...this.#sessions.values()].filter((s) => {
          const own = s.own.get(entry.name);
          return own !== undefined && !s.borrowed.has(own);
        }).length + this.#pool.count(entry.name);
      const catalog = upstream?.catalog;
      return {
        name: entry.name,
        state: entry.spec.disabled
          ? 'disabled'
          : (upstream?.state ?? (entry.options.sessionMode === 'per-session' ? 'ready' : 'stopped')),
        reason: upstream?.reason,
        since: upstream?.stateSince,
        pid: upstream?.pid,
        sessionMode: entry.options.sessionMode,
        command: entry.spec.command,
        args: entry.spec.args ?? [],
        envNames: Object.keys(entry.spec.env ?? {}),
        secretEnvNames: secretRefs(entry.spec.env).map((ref) => ref.envVar),
        cwd: entry.spec.cwd,
        tools: catalog?.tools.length ?? 0,
        resources: catalog?.resources.length ?? 0,
        prompts: catalog?.prompts.length ?? 0,
        serverInfo: catalog
          ? { name: catalog.serverInfo.name, version: catalog.serverInfo.version }
          : undefined,
        protocolVersion: catalog?.protocolVersion,
        stderrTail: upstream?.stderr.tail.toArray(20) ?? [],
        children,
      };
    });
  }

  /** Resolves when every shared server has left starting/restarting (ready, crashed or stopped). */
  async whenSettled(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((e) => e.shared?.whenSettled() ?? Promise.resolve()));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled(
      [...this.#sessions.keys()].map((id) => this.closeSession(id, 'Ferry is shutting down')),
    );
    await this.#pool.stopAll();
    await Promise.allSettled(
      [...this.#entries.values()].map((entry) => entry.shared?.stop() ?? Promise.resolve()),
    );
  }
}
