import { randomUUID } from 'node:crypto';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  LATEST_PROTOCOL_VERSION,
  ResultSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  type ClientCapabilities,
  type Implementation,
  type LoggingLevel,
  type Notification,
  type Request,
  type RequestId,
  type Result,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallOutcome } from '../events/types.js';
import type { GateCall, ToolGate } from '../policy/gate.js';
import type { Upstream } from '../upstream/upstream.js';
import { FERRY_META, MODERN_ERRORS, SERVED_PROTOCOL_VERSIONS } from '../wire/protocol.js';
import { TASKS_EXTENSION } from '../wire/tasksExtension.js';
import type { ActivityLog, CallOrigin } from './activity.js';
import { SessionCatalog, type ServerDescription } from './catalog.js';
import { SessionPeer } from './peer.js';
import { namesInScope, type Scope } from './scope.js';
import { createdTaskId, TASK_LIMITS, withTaskId, type TaskMap } from './tasks.js';
import { invalidParams, methodNotFound, toWireError, WireError } from './wireError.js';

export type { Scope } from './scope.js';

/**
 * How a session reaches its client: a Streamable HTTP session, a legacy `GET /sse` stream, or the throwaway
 * session of one stateless request (not counted against any cap: it lives as long as its request).
 */
export type SessionKind = 'streamable' | 'legacy' | 'stateless';

/**
 * The handful of things a session asks of the hub (implemented by its routing part, `Router`): the
 * children its scope reaches, in-flight tracking for the requests children send back, Activity, log
 * levels, subscriptions, tasks, and its own lifecycle. A session sees nothing else of the hub.
 */
export interface SessionHost {
  readonly version: string;
  readonly gate: ToolGate | undefined;
  readonly tasks: TaskMap;
  /** The hub-wide catalog generation a session's name index must match (`ListChanges`). */
  readonly generation: number;
  /** The enabled servers. */
  serverNames(): string[];
  /** A server's shared child (none for per-session and disabled servers). */
  sharedUpstream(name: string): Upstream | undefined;
  /** Spawns `session`'s own children of the per-session servers in its scope, within the child caps. */
  startOwn(session: HubSession): void;
  /** A child the stateless wire's pool lent this session goes back to the pool. */
  returnPooledChild(upstream: Upstream): void;
  /** A call of `session` is in flight on `upstream` (the child's requests go to it) until the returned release. */
  trackInflight(upstream: Upstream, session: HubSession, requestId: RequestId): () => void;
  /** Activity: the session's calls, forwarded (to `server`) or refused before any child saw them (server ''). */
  readonly activity: ActivityLog;
  /** A session's log level changed: the shared children in its scope log at the most verbose level asked. */
  applyLogLevels(upstreams: Upstream[]): void;
  /** Whether a session other than `except` still wants `uri`'s updates from `upstream`. */
  isSubscribedElsewhere(upstream: Upstream, uri: string, except: HubSession): boolean;
  /** The client finished `initialize`: Activity shows the session. */
  sessionInitialized(session: HubSession): void;
  closeSession(id: string, reason: string): Promise<void>;
}

/** Who opened a session, fixed for its life. */
export interface SessionOpening {
  id: string;
  scope: Scope;
  endpoint: string;
  /** The OAuth grant that opened this session (null without OAuth): only it may use the session. */
  owner: string | null;
  /** The client the session counts against (`ClientLimits`): the OAuth client id, or the one local client. */
  client: string;
  kind: SessionKind;
  /** Per-session children reserved at admission. */
  childSlots: number;
}

/** What a client says of itself: at `initialize`, or in each request's `_meta` on the stateless wire. */
export interface SessionIdentity {
  protocolVersion: string;
  clientCapabilities: ClientCapabilities;
  clientInfo: Implementation | undefined;
  logLevel: LoggingLevel | undefined;
}

type Extra = RequestHandlerExtra<Request, Notification>;
type Params = Record<string, unknown> & { _meta?: Record<string, unknown> };

/** How long a child's request to the client (sampling, elicitation, roots) may wait for its answer. */
const CLIENT_REQUEST_TIMEOUT_MS = 300_000;

/**
 * How long an answer that describes the servers (initialize, server/discover) waits for those still
 * starting: fully on `/mcp/<server>`, briefly on `/mcp` where a slow server follows with list_changed.
 */
const DESCRIBE_SETTLE_MS = { server: 30_000, all: 10_000 } as const;

/**
 * Resources one session may follow at once (as many as one 2026 listen stream may name): on `/mcp/<server>`
 * any URI is accepted and passed on, so without a bound one session could make a child watch unbounded lists.
 */
const RESOURCE_SUBSCRIPTIONS_PER_SESSION = 100;

/** How long a list waits for servers still starting: longer when the session's own children are among them. */
const LIST_SETTLE_MS = { own: 30_000, shared: 5_000 } as const;

/** One MCP session of a remote client, on `/mcp` (every server) or `/mcp/<server>` (one, original names). */
export class HubSession {
  readonly peer = new SessionPeer();
  readonly subscriptions = new Set<string>();
  /** Children this session owns (servers in `per-session` mode). */
  readonly own = new Map<string, Upstream>();
  /** Those of `own` lent by the stateless wire's per-client pool: given back, never stopped, at close. */
  readonly borrowed = new Set<Upstream>();
  readonly id: string;
  readonly scope: Scope;
  readonly endpoint: string;
  readonly owner: string | null;
  readonly client: string;
  readonly kind: SessionKind;
  /** Per-session children reserved for this session at admission (grown, within the caps, if servers are added). */
  childSlots: number;
  #identity: SessionIdentity = {
    protocolVersion: LATEST_PROTOCOL_VERSION,
    clientCapabilities: {},
    clientInfo: undefined,
    logLevel: undefined,
  };
  #lastActivity = Date.now();
  readonly #host: SessionHost;
  readonly #catalog: SessionCatalog;
  #closed = false;
  #inflight = 0;
  /** Requests of the client being handled (any method, forwarded or not). */
  #handling = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(host: SessionHost, opening: SessionOpening) {
    this.#host = host;
    this.id = opening.id;
    this.scope = opening.scope;
    this.endpoint = opening.endpoint;
    this.owner = opening.owner;
    this.client = opening.client;
    this.kind = opening.kind;
    this.childSlots = opening.childSlots;
    this.#catalog = new SessionCatalog(this, () => host.generation, host.gate);
    this.#registerHandlers();
  }

  get protocolVersion(): string {
    return this.#identity.protocolVersion;
  }

  get clientCapabilities(): ClientCapabilities {
    return this.#identity.clientCapabilities;
  }

  get clientInfo(): Implementation | undefined {
    return this.#identity.clientInfo;
  }

  get logLevel(): LoggingLevel | undefined {
    return this.#identity.logLevel;
  }

  /** What the client says of itself (the stateless wire's `_meta`); what it leaves out stays as it was. */
  identify(identity: Partial<SessionIdentity>): void {
    this.#identity = { ...this.#identity, ...identity };
  }

  get lastActivity(): number {
    return this.#lastActivity;
  }

  /** The client used the session (a request or a stream): the idle sweep leaves it alone for a while. */
  touch(now = Date.now()): void {
    this.#lastActivity = now;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** True while a request is being handled: such a session is never closed to make room for another. */
  get busy(): boolean {
    return this.#handling > 0 || this.#inflight > 0;
  }

  async connect(transport: Transport): Promise<void> {
    const onclose = transport.onclose;
    await this.peer.connect(transport);
    this.peer.onclose = () => {
      onclose?.();
      void this.#host.closeSession(this.id, 'transport closed');
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const owned = [...this.own.values()].filter((upstream) => !this.borrowed.has(upstream));
    for (const upstream of this.borrowed) this.#host.returnPooledChild(upstream);
    this.borrowed.clear();
    await Promise.allSettled(owned.map((upstream) => upstream.stop()));
    this.own.clear();
    await this.peer.close().catch(() => undefined);
  }

  /** Sends a notification that belongs to no particular request (GET stream). */
  notify(notification: Notification): void {
    if (this.#closed) return;
    this.peer.notification(notification).catch(() => undefined);
  }

  /**
   * Set on a session of the stateless 2026-07-28 wire: a child's request to the client is turned into an
   * input-required result there (the client answers on its retry) instead of being sent down a stream.
   */
  inputHandler:
    | ((request: Request, signal: AbortSignal, childMeta?: Record<string, unknown>) => Promise<Result>)
    | undefined;
  /** True while this (stateless) session's call is parked waiting for its client's input. */
  awaitingInput = false;

  /** A child's request to its client, sent on the stream of the call that caused it. */
  requestClient(
    request: Request,
    relatedRequestId: RequestId | undefined,
    signal: AbortSignal,
    childMeta?: Record<string, unknown>,
  ): Promise<Result> {
    if (this.inputHandler) return this.inputHandler(request, signal, childMeta);
    if (request.method === 'sampling/createMessage' && !this.clientCapabilities.sampling) {
      return Promise.reject(
        new WireError(ErrorCode.InvalidRequest, 'the connected client does not support sampling'),
      );
    }
    if (request.method === 'elicitation/create' && !this.clientCapabilities.elicitation) {
      return Promise.reject(
        new WireError(ErrorCode.InvalidRequest, 'the connected client does not support elicitation'),
      );
    }
    return this.peer.request(request, ResultSchema, {
      relatedRequestId,
      signal,
      timeout: CLIENT_REQUEST_TIMEOUT_MS,
    });
  }

  /**
   * Subscribes the children holding these resource URIs (a `subscriptions/listen` stream of the
   * stateless wire); the hub then routes their updates to this session like a stateful subscriber's.
   */
  async subscribeChildren(uris: string[]): Promise<void> {
    for (const uri of uris) {
      let upstream: Upstream | undefined;
      try {
        [upstream] = this.#catalog.resourceCandidates(uri);
      } catch {
        continue;
      }
      if (!upstream?.catalog?.capabilities.resources?.subscribe) continue;
      // Best effort, as a stateful child's refusal is: the stream still gets what the child does send.
      if (upstream.isModern) {
        try {
          upstream.watchResource(uri, true);
        } catch {
          continue;
        }
      } else await upstream.request('resources/subscribe', { uri }).catch(() => undefined);
    }
  }

  /** What `initialize` and `server/discover` say about the servers in scope. */
  describe(): ServerDescription {
    return this.#catalog.describe(this.#host.version);
  }

  /** Resolves once no forwarded request of this session is running (a dropped connection does not cancel). */
  whenIdle(): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Marks the catalog stale; the next list request rebuilds it. */
  invalidate(): void {
    this.#catalog.invalidate();
  }

  upstreamsInScope(): Upstream[] {
    const out: Upstream[] = [];
    for (const name of namesInScope(this.scope, () => this.#host.serverNames())) {
      const upstream = this.own.get(name) ?? this.#host.sharedUpstream(name);
      if (upstream) out.push(upstream);
    }
    return out;
  }

  includes(upstream: Upstream): boolean {
    if (this.own.get(upstream.name) === upstream) return true;
    if (this.#host.sharedUpstream(upstream.name) !== upstream) return false;
    return this.scope.kind === 'all' || this.scope.server === upstream.name;
  }

  /** Spawns this session's own children (per-session servers), mirroring the remote client's capabilities. */
  startOwnUpstreams(): void {
    // A session closed meanwhile (evicted, revoked) must not leave children nobody stops; a stateless
    // request's session borrows the client's pooled children instead (`Hub.lendPooledChildren`).
    if (this.#closed || this.kind === 'stateless') return;
    this.#host.startOwn(this);
  }

  /** Waits (bounded) for servers in scope that are starting or restarting; true if there were any. */
  async settleStarting(ms: number): Promise<boolean> {
    const pending = this.upstreamsInScope().filter((u) => u.state === 'starting' || u.state === 'restarting');
    if (pending.length === 0) return false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(pending.map((u) => u.whenSettled())),
      new Promise((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
    return true;
  }

  async #forward(
    upstream: Upstream,
    method: string,
    params: Params,
    extra: Extra,
    target?: string,
  ): Promise<Result> {
    this.touch();
    const meta = params._meta;
    const progressToken = meta?.progressToken;
    let forwarded = params;
    if (meta && 'progressToken' in meta) {
      // The SDK client sets its own token upstream; the remote's token is restored on the way back.
      const { progressToken: _omit, ...rest } = meta;
      forwarded = { ...params, _meta: rest };
    }
    const onprogress =
      progressToken === undefined
        ? undefined
        : (progress: object) =>
            void extra
              .sendNotification({ method: 'notifications/progress', params: { ...progress, progressToken } })
              .catch(() => undefined);
    const release = this.#host.trackInflight(upstream, this, extra.requestId);
    this.#inflight++;
    const call =
      target === undefined
        ? undefined
        : this.#host.activity.record(this.#origin(), upstream.name, method, target, params);
    try {
      const result = await upstream.request(method, forwarded, {
        signal: extra.signal,
        onprogress,
        // What a modern (2026-07-28) child reads from each request; a stateful child was told at initialize.
        clientCapabilities: childCapabilities(this.clientCapabilities),
        logLevel: this.logLevel,
        // A modern child's input_required goes to this session's client like a stateful child's request.
        onInput: (key, request) =>
          this.requestClient(request, extra.requestId, extra.signal, { [FERRY_META.inputKey]: key }),
      });
      call?.end(result.isError === true ? 'tool-error' : 'ok', result);
      return result;
    } catch (error) {
      const wire = toWireError(error);
      const outcome: CallOutcome = extra.signal.aborted ? 'cancelled' : 'error';
      call?.end(outcome, undefined, wire.message);
      throw wire;
    } finally {
      release();
      if (--this.#inflight === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  /** A call of a named tool or prompt, sent to its child under the child's own name. */
  #forwardNamed(
    target: { upstream: Upstream; name: string },
    method: string,
    params: Params,
    extra: Extra,
  ): Promise<Result> {
    return this.#forward(target.upstream, method, { ...params, name: target.name }, extra, target.name);
  }

  /** Who makes this session's calls, as Activity shows it. */
  #origin(): CallOrigin {
    return { sessionId: this.id, client: this.clientInfo?.name, protocol: this.protocolVersion };
  }

  async #firstSuccessful(
    candidates: Upstream[],
    method: string,
    params: Params,
    extra: Extra,
  ): Promise<Result> {
    let lastError: unknown;
    for (const upstream of candidates) {
      try {
        return await this.#forward(
          upstream,
          method,
          params,
          extra,
          method === 'resources/read' ? String(params.uri) : undefined,
        );
      } catch (error) {
        lastError = error;
      }
    }
    throw toWireError(lastError);
  }

  #registerHandlers(): void {
    const peer = this.peer;
    /*
     * The session's methods live in its own table, reached through the peer's one fallback handler, not
     * `setRequestHandler`: the SDK reads a schema's shape for every registration and parses every request
     * against it, and a stateless request opens a session (and registers all of these) each time. The
     * HTTP layer has already checked each message against the SDK's JSON-RPC schema.
     */
    const handlers = new Map<string, (params: Params, extra: Extra) => Result | Promise<Result>>();
    const on = (method: string, handler: (params: Params, extra: Extra) => Result | Promise<Result>) =>
      void handlers.set(method, handler);

    on('initialize', async (params) => {
      const requested = params.protocolVersion;
      this.identify({
        clientInfo: params.clientInfo as Implementation | undefined,
        clientCapabilities: (params.capabilities as ClientCapabilities | undefined) ?? {},
        protocolVersion:
          typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
            ? requested
            : LATEST_PROTOCOL_VERSION,
      });
      this.startOwnUpstreams();
      this.#host.sessionInitialized(this);
      // The answer describes the servers (capabilities, instructions), so it waits, bounded, for those
      // still starting (`DESCRIBE_SETTLE_MS`).
      await this.settleStarting(DESCRIBE_SETTLE_MS[this.scope.kind]);
      return { protocolVersion: this.protocolVersion, ...this.describe() };
    });

    // The 2026 stateless revision's discovery call: same facts as initialize, no session state touched.
    on('server/discover', async () => {
      // Like initialize, the answer describes the servers: it waits (bounded) for those still starting.
      await this.settleStarting(DESCRIBE_SETTLE_MS[this.scope.kind]);
      const { capabilities, serverInfo, instructions } = this.describe();
      return {
        supportedVersions: [...SERVED_PROTOCOL_VERSIONS],
        capabilities,
        serverInfo,
        ...(instructions ? { instructions } : {}),
        _meta: { 'io.modelcontextprotocol/serverInfo': serverInfo },
      };
    });

    on('tools/list', async () => {
      await this.#settleOwn();
      return { tools: this.#catalog.now().toolList };
    });
    on('tools/call', async (params, extra) => {
      const target = await this.#catalog.resolve('tools', params.name).catch((error: unknown) => {
        // Refused before any child saw it: Activity still shows the attempt, and why.
        this.#host.activity
          .record(this.#origin(), '', 'tools/call', String(params.name), params)
          .end('refused', undefined, (error as Error).message);
        throw error;
      });
      // A 2026 client that negotiated the tasks extension gets a task from a tool that can run as one.
      // The value says whether it did; a client of that wire never asks for a task itself (SEP-2663).
      const { [FERRY_META.taskIfSupported]: wantsTask, ...meta } = params._meta ?? {};
      if (wantsTask !== undefined) {
        const { task: _legacyHint, ...rest } = params;
        params = { ...rest, _meta: meta };
        const tool = target.upstream.catalog?.tools.find((t) => t.name === target.name);
        const support = tool?.execution?.taskSupport;
        if (wantsTask === true && (support === 'optional' || support === 'required')) {
          params = { ...params, task: {} };
        } else if (support === 'required') {
          throw new WireError(
            MODERN_ERRORS.missingClientCapability,
            `Missing required client capability: ${target.name} runs only as a task (extension ${TASKS_EXTENSION})`,
            { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
          );
        }
      }
      const forward = async () =>
        this.#adoptTask(
          target.upstream,
          params,
          await this.#forwardNamed(target, 'tools/call', params, extra),
        );
      const gate = this.#host.gate;
      if (!gate) return forward();
      const startedAt = performance.now();
      const call: GateCall = {
        server: target.upstream.name,
        name: target.name,
        tool:
          (target.item as Tool | undefined) ??
          (await this.#catalog.toolDefinition(target.upstream, target.name)),
        exposedName: String(params.name),
        clientId: this.client,
        clientName: this.clientInfo?.name,
        args: params.arguments,
        signal: extra.signal,
      };
      const admission = await gate.admit(call);
      if (!admission.ok) {
        gate.record(call, admission.decision, 'refused', startedAt, admission.message);
        // A tool error, not a protocol error: the model reads it and can tell the user what to do.
        return { content: [{ type: 'text', text: admission.message }], isError: true };
      }
      try {
        const result = await forward();
        gate.record(call, admission.decision, result.isError === true ? 'tool-error' : 'ok', startedAt);
        return result;
      } catch (error) {
        const outcome = extra.signal.aborted ? 'cancelled' : 'error';
        gate.record(call, admission.decision, outcome, startedAt, (error as Error).message);
        throw error;
      }
    });
    on('prompts/list', async () => {
      await this.#settleOwn();
      return { prompts: this.#catalog.now().promptList };
    });
    on('prompts/get', async (params, extra) => {
      const target = await this.#catalog.resolve('prompts', params.name);
      return this.#forwardNamed(target, 'prompts/get', params, extra);
    });
    on('resources/list', async () => {
      await this.#settleOwn();
      return { resources: this.#catalog.now().resourceList };
    });
    on('resources/templates/list', async () => {
      await this.#settleOwn();
      return { resourceTemplates: this.#catalog.now().templates.map((t) => t.item) };
    });
    on('resources/read', (params, extra) =>
      this.#firstSuccessful(this.#catalog.resourceCandidates(params.uri), 'resources/read', params, extra),
    );
    on('resources/subscribe', async (params, extra) => {
      const uri = params.uri as string;
      const [upstream] = this.#catalog.resourceCandidates(uri);
      if (!upstream) throw invalidParams(`Resource not found: ${uri}`);
      if (!this.subscriptions.has(uri) && this.subscriptions.size >= RESOURCE_SUBSCRIPTIONS_PER_SESSION) {
        throw invalidParams(
          `at most ${RESOURCE_SUBSCRIPTIONS_PER_SESSION} resource subscriptions per session; unsubscribe from some first`,
        );
      }
      // 2026-07-28 removed resources/subscribe: a modern child names the resource on its listen stream.
      if (upstream.isModern) {
        upstream.watchResource(uri, true);
        this.subscriptions.add(uri);
        return {};
      }
      const result = await this.#forward(upstream, 'resources/subscribe', params, extra);
      this.subscriptions.add(uri);
      return result;
    });
    on('resources/unsubscribe', async (params, extra) => {
      const uri = params.uri as string;
      this.subscriptions.delete(uri);
      const [upstream] = this.#catalog.resourceCandidates(uri);
      // A shared child stays subscribed while any other session still wants the updates.
      if (!upstream || this.#host.isSubscribedElsewhere(upstream, uri, this)) return {};
      if (upstream.isModern) {
        upstream.watchResource(uri, false);
        return {};
      }
      return this.#forward(upstream, 'resources/unsubscribe', params, extra);
    });
    on('completion/complete', async (params, extra) => {
      const ref = (params.ref ?? {}) as Record<string, unknown>;
      if (ref.type === 'ref/prompt') {
        const target = await this.#catalog.resolve('prompts', ref.name);
        return this.#forward(
          target.upstream,
          'completion/complete',
          { ...params, ref: { ...ref, name: target.name } },
          extra,
        );
      }
      if (ref.type === 'ref/resource') {
        return this.#firstSuccessful(
          this.#catalog.resourceCandidates(ref.uri),
          'completion/complete',
          params,
          extra,
        );
      }
      throw invalidParams('completion/complete needs ref.type "ref/prompt" or "ref/resource"');
    });
    // Tasks (2025-11-25): every id the client sees is Ferry's, and only the client that created a task
    // reaches it, on the child that runs it.
    for (const method of ['tasks/get', 'tasks/result', 'tasks/cancel']) {
      on(method, async (params, extra) => {
        const record = this.#host.tasks.find(params.taskId, this.client);
        if (!record || !this.includes(record.upstream)) {
          throw invalidParams(`Task not found: ${String(params.taskId)}`);
        }
        const result = await this.#forward(
          record.upstream,
          method,
          { ...params, taskId: record.childId },
          extra,
        );
        return withTaskId(result, record.childId, record.id);
      });
    }
    on('tasks/list', async (_params, extra) => {
      const tasks: Record<string, unknown>[] = [];
      for (const upstream of this.upstreamsInScope()) {
        if (!upstream.isReady || !upstream.catalog?.capabilities.tasks?.list) continue;
        let cursor: string | undefined;
        for (let page = 0; page < TASK_LIMITS.listPages; page++) {
          const result = await this.#forward(upstream, 'tasks/list', cursor ? { cursor } : {}, extra);
          for (const task of Array.isArray(result.tasks) ? (result.tasks as Record<string, unknown>[]) : []) {
            const record = this.#host.tasks.byChild(upstream, task.taskId);
            // A child lists every client's tasks: only this client's, by Ferry's id, are shown.
            if (record && this.#host.tasks.find(record.id, this.client)) {
              tasks.push(withTaskId(task, record.childId, record.id));
            }
          }
          cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
          if (!cursor) break;
        }
      }
      return { tasks };
    });
    on('logging/setLevel', (params) => {
      const level = params.level;
      if (typeof level !== 'string') throw invalidParams('logging/setLevel needs a "level"');
      this.identify({ logLevel: level as LoggingLevel });
      this.#host.applyLogLevels(this.upstreamsInScope());
      return {};
    });

    peer.fallbackRequestHandler = async (request, extra) => {
      const handler = handlers.get(request.method);
      if (handler) {
        this.#handling++;
        try {
          return await handler(paramsOf(request), extra);
        } finally {
          this.#handling--;
        }
      }
      // One server, original names: anything Ferry does not know (tasks, extensions) goes through as is.
      const upstream = this.#catalog.single();
      if (!upstream) throw methodNotFound(request.method);
      return this.#forward(upstream, request.method, request.params ?? {}, extra);
    };

    // Notifications likewise: Ferry's own two, then anything else to the one server of `/mcp/<server>`.
    peer.fallbackNotificationHandler = async (notification) => {
      if (notification.method === 'notifications/initialized') return;
      if (notification.method === 'notifications/roots/list_changed') {
        await Promise.allSettled([...this.own.values()].map((u) => u.notify(notification)));
        return;
      }
      await this.#catalog.single()?.notify(notification);
    };
  }

  /**
   * A task method of the 2026 tasks extension, on the child that runs the task: its `tasks/get` (with
   * `tasks/result` once terminal, to inline the outcome) or `tasks/cancel`. Only the client that created
   * the task reaches it; any other id is not found.
   */
  async modernTask(
    method: 'tasks/get' | 'tasks/cancel' | 'tasks/update',
    taskId: unknown,
    inputResponses?: unknown,
  ): Promise<{
    task: Result;
    result?: Result;
    error?: { code: number; message: string; data?: unknown };
    inputRequests?: Record<string, unknown>;
  }> {
    const record = this.#host.tasks.find(taskId, this.client);
    if (!record || !this.includes(record.upstream)) throw invalidParams(`Task not found: ${String(taskId)}`);
    if (method === 'tasks/update') {
      record.input?.answer(inputResponses);
      return { task: { taskId: record.id } };
    }
    const params = { taskId: record.childId };
    if (method === 'tasks/cancel') {
      try {
        return { task: await record.upstream.request(method, params) };
      } catch (error) {
        // A child refuses to cancel a task that already ended; the extension acknowledges that cancel too.
        const now = await record.upstream.request('tasks/get', params).catch(() => undefined);
        if (now && isTerminalStatus(now.status)) return { task: now };
        throw toWireError(error);
      }
    }
    try {
      const task = withTaskId(await record.upstream.request(method, params), record.childId, record.id);
      if (method === 'tasks/get' && record.input && !isTerminalStatus(task.status)) {
        // Input the client can answer is what Ferry holds: the child's own status may run ahead of its requests.
        if (record.input.size > 0) {
          return { task: { ...task, status: 'input_required' }, inputRequests: record.input.requests() };
        }
        if (task.status === 'input_required') return { task: { ...task, status: 'working' } };
      }
      if (!isTerminalStatus(task.status)) return { task };
      try {
        return { task, result: await record.upstream.request('tasks/result', params) };
      } catch (error) {
        const wire = toWireError(error);
        return { task, error: { code: wire.code, message: wire.message } };
      }
    } catch (error) {
      throw toWireError(error);
    }
  }

  /** A tool call the child ran as a task: the client is given Ferry's id for it, bound to this client. */
  #adoptTask(upstream: Upstream, params: Params, result: Result): Result {
    const created =
      typeof params.task === 'object' && params.task !== null ? createdTaskId(result) : undefined;
    if (!created) return result;
    const id = this.#host.tasks.register(
      upstream,
      created.childId,
      { client: this.client, sessionId: this.id, stateless: this.kind === 'stateless' },
      created.ttl,
    );
    return withTaskId(result, created.childId, id);
  }

  /**
   * A list asked for while servers are still starting (right after Ferry or a session started) waits a
   * little for them, so the first answer is complete; a slower server follows with list_changed.
   */
  async #settleOwn(): Promise<void> {
    await this.settleStarting(this.own.size > 0 ? LIST_SETTLE_MS.own : LIST_SETTLE_MS.shared);
  }
}

/** A request's params as the handlers read them: an object, or none. */
function paramsOf(request: Request): Params {
  const params: unknown = request.params;
  if (params === undefined) return {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw invalidParams(`${request.method} takes its params as an object`);
  }
  return params as Params;
}

/** A child sees the remote client's own capabilities, minus what Ferry cannot carry (client-side tasks). */
export function childCapabilities(remote: ClientCapabilities): ClientCapabilities {
  const { tasks: _tasks, ...rest } = remote as ClientCapabilities & { tasks?: unknown };
  return rest;
}

function isTerminalStatus(status: unknown): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

export function newSessionId(): string {
  return randomUUID();
}
