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
  type Prompt,
  type Request,
  type RequestId,
  type Resource,
  type ResourceTemplate,
  type Result,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { CallOutcome } from '../events/types.js';
import type { Upstream } from '../upstream/upstream.js';
import type { Hub } from './hub.js';
import { LOCAL_CLIENT } from './clientLimits.js';
import { FERRY_META, SERVED_PROTOCOL_VERSIONS } from '../wire/protocol.js';
import { NameIndex } from './naming.js';
import { notificationSchema, requestSchema, SessionPeer } from './peer.js';
import { invalidParams, methodNotFound, toWireError, WireError } from './wireError.js';
import type { GateCall } from '../policy/gate.js';
import { createdTaskId, TASK_LIMITS, withTaskId } from './tasks.js';

export type Scope = { kind: 'all' } | { kind: 'server'; server: string };

/**
 * How a session reaches its client: a Streamable HTTP session, a legacy `GET /sse` stream, or the throwaway
 * session of one stateless request (not counted against any cap: it lives as long as its request).
 */
export type SessionKind = 'streamable' | 'legacy' | 'stateless';

type Extra = RequestHandlerExtra<Request, Notification>;
type Params = Record<string, unknown> & { _meta?: Record<string, unknown> };

interface Catalogs {
  generation: number;
  tools: NameIndex<Tool>;
  prompts: NameIndex<Prompt>;
  toolList: Tool[];
  promptList: Prompt[];
  resources: Map<string, Upstream>;
  resourceList: Resource[];
  templates: { template: UriTemplate; upstream: Upstream; item: ResourceTemplate }[];
}

const AGGREGATE_CAPABILITIES: ServerCapabilities = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
};

/**
 * What `/mcp` offers of tasks when a child in scope runs tool calls as tasks: Ferry lists a client's
 * tasks across children itself, and forwards cancellation to the child that owns the task.
 */
const AGGREGATE_TASKS: NonNullable<ServerCapabilities['tasks']> = {
  list: {},
  cancel: {},
  requests: { tools: { call: {} } },
};

/** One MCP session of a remote client, on `/mcp` (every server) or `/mcp/<server>` (one, original names). */
export class HubSession {
  readonly peer = new SessionPeer();
  readonly subscriptions = new Set<string>();
  /** Children this session owns (servers in `per-session` mode). */
  readonly own = new Map<string, Upstream>();
  /** Those of `own` lent by the stateless wire's per-client pool: given back, never stopped, at close. */
  readonly borrowed = new Set<Upstream>();
  clientInfo: Implementation | undefined;
  clientCapabilities: ClientCapabilities = {};
  protocolVersion = LATEST_PROTOCOL_VERSION;
  logLevel: LoggingLevel | undefined;
  lastActivity = Date.now();
  /** The OAuth grant that opened this session (null without OAuth): only it may use the session. */
  owner: string | null = null;
  /** The client the session counts against (`ClientLimits`): the OAuth client id, or the one local client. */
  client: string = LOCAL_CLIENT;
  kind: SessionKind = 'stateless';
  /** Per-session children reserved for this session at admission (grown, within the caps, if servers are added). */
  childSlots = 0;
  #catalogs: Catalogs | undefined;
  #closed = false;
  #inflight = 0;
  /** Requests of the client being handled (any method, forwarded or not). */
  #handling = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(
    readonly hub: Hub,
    readonly id: string,
    readonly scope: Scope,
    readonly endpoint: string,
  ) {
    this.#registerHandlers();
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
      void this.hub.closeSession(this.id, 'transport closed');
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const owned = [...this.own.values()].filter((upstream) => !this.borrowed.has(upstream));
    for (const upstream of this.borrowed) this.hub.returnPooledChild(upstream);
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
    return this.peer.request(request, ResultSchema, { relatedRequestId, signal, timeout: 300_000 });
  }

  /**
   * Subscribes the children holding these resource URIs (a `subscriptions/listen` stream of the
   * stateless wire); the hub then routes their updates to this session like a stateful subscriber's.
   */
  async subscribeChildren(uris: string[]): Promise<void> {
    for (const uri of uris) {
      let upstream: Upstream | undefined;
      try {
        [upstream] = this.#resourceCandidates(uri);
      } catch {
        continue;
      }
      if (!upstream?.catalog?.capabilities.resources?.subscribe) continue;
      await upstream.request('resources/subscribe', { uri }).catch(() => undefined);
    }
  }

  /** What `initialize` and `server/discover` say about the servers in scope. */
  describe(): { capabilities: ServerCapabilities; serverInfo: Implementation; instructions?: string } {
    const instructions = this.#instructions();
    return {
      capabilities: this.#capabilities(),
      serverInfo: this.#serverInfo(),
      ...(instructions ? { instructions } : {}),
    };
  }

  /** Resolves once no forwarded request of this session is running (a dropped connection does not cancel). */
  whenIdle(): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Marks the catalog stale; the next list request rebuilds it. */
  invalidate(): void {
    this.#catalogs = undefined;
  }

  upstreamsInScope(): Upstream[] {
    const names = this.scope.kind === 'all' ? this.hub.serverNames() : [this.scope.server];
    const out: Upstream[] = [];
    for (const name of names) {
      const upstream = this.own.get(name) ?? this.hub.sharedUpstream(name);
      if (upstream) out.push(upstream);
    }
    return out;
  }

  includes(upstream: Upstream): boolean {
    if (this.own.get(upstream.name) === upstream) return true;
    if (this.hub.sharedUpstream(upstream.name) !== upstream) return false;
    return this.scope.kind === 'all' || this.scope.server === upstream.name;
  }

  /** Spawns this session's own children (per-session servers), mirroring the remote client's capabilities. */
  startOwnUpstreams(): void {
    // A session closed meanwhile (evicted, revoked) must not leave children nobody stops; a stateless
    // request's session borrows the client's pooled children instead (`Hub.lendPooledChildren`).
    if (this.#closed || this.kind === 'stateless') return;
    const names = this.scope.kind === 'all' ? this.hub.serverNames() : [this.scope.server];
    for (const name of names) {
      if (this.own.has(name) || !this.hub.isPerSession(name)) continue;
      this.hub.spawnOwn(this, name);
    }
  }

  #single(): Upstream | undefined {
    return this.scope.kind === 'server' ? this.upstreamsInScope()[0] : undefined;
  }

  #capabilities(): ServerCapabilities {
    if (this.scope.kind === 'all') {
      const tasks = this.upstreamsInScope().some((u) => u.catalog?.capabilities.tasks?.requests?.tools?.call);
      return tasks ? { ...AGGREGATE_CAPABILITIES, tasks: AGGREGATE_TASKS } : AGGREGATE_CAPABILITIES;
    }
    const catalog = this.#single()?.catalog;
    if (!catalog) return AGGREGATE_CAPABILITIES;
    // Ferry re-announces lists after a child restarts, so listChanged holds even when the child lacks it.
    const caps: ServerCapabilities = { ...catalog.capabilities, logging: {} };
    if (caps.tools) caps.tools = { ...caps.tools, listChanged: true };
    if (caps.prompts) caps.prompts = { ...caps.prompts, listChanged: true };
    if (caps.resources) caps.resources = { ...caps.resources, listChanged: true };
    return caps;
  }

  #serverInfo(): Implementation {
    if (this.scope.kind === 'server') {
      return this.#single()?.catalog?.serverInfo ?? { name: this.scope.server, version: '0.0.0' };
    }
    return { name: 'ferry', title: 'Ferry', version: this.hub.version };
  }

  #instructions(): string | undefined {
    if (this.scope.kind === 'server') return this.#single()?.catalog?.instructions;
    const parts = this.upstreamsInScope()
      .filter((u) => u.catalog?.instructions)
      .map(
        (u) => `## ${u.name}\nTools of this server are prefixed "${u.name}__".\n${u.catalog?.instructions}`,
      );
    return parts.length > 0 ? parts.join('\n\n') : undefined;
  }

  #catalogsNow(): Catalogs {
    const generation = this.hub.generation;
    if (this.#catalogs && this.#catalogs.generation === generation) return this.#catalogs;
    const aggregate = this.scope.kind === 'all';
    const catalogs: Catalogs = {
      generation,
      tools: new NameIndex(),
      prompts: new NameIndex(),
      toolList: [],
      promptList: [],
      resources: new Map(),
      resourceList: [],
      templates: [],
    };
    for (const upstream of this.upstreamsInScope()) {
      const catalog = upstream.catalog;
      if (!catalog || !upstream.isReady) continue;
      const gate = this.hub.gate;
      for (const tool of catalog.tools) {
        // A denied or held tool stays in the index, so a call of it is refused by name with a tool error
        // that says why, but it is left out of every list.
        const name = aggregate ? catalogs.tools.add(upstream.name, tool.name, tool) : tool.name;
        if (!aggregate) catalogs.tools.add(upstream.name, tool.name, tool);
        if (!name || (gate && !gate.visible(upstream.name, tool))) continue;
        catalogs.toolList.push(aggregate ? { ...tool, name } : tool);
      }
      for (const prompt of catalog.prompts) {
        const name = aggregate ? catalogs.prompts.add(upstream.name, prompt.name, prompt) : prompt.name;
        if (!aggregate) catalogs.prompts.add(upstream.name, prompt.name, prompt);
        if (name) catalogs.promptList.push(aggregate ? { ...prompt, name } : prompt);
      }
      for (const resource of catalog.resources) {
        if (catalogs.resources.has(resource.uri)) continue;
        catalogs.resources.set(resource.uri, upstream);
        catalogs.resourceList.push(resource);
      }
      for (const item of catalog.resourceTemplates) {
        try {
          catalogs.templates.push({ template: new UriTemplate(item.uriTemplate), upstream, item });
        } catch {
          // A template the SDK cannot parse can still be listed; it just cannot route reads.
          catalogs.templates.push({ template: new UriTemplate('{+never}'), upstream, item });
        }
      }
    }
    this.#catalogs = catalogs;
    return catalogs;
  }

  /**
   * Exposed name -> (child, original name). A name not found while some server is still starting (Ferry
   * just restarted and Claude calls a cached tool at once) is looked up again once those servers settle.
   */
  async #resolve(
    kind: 'tools' | 'prompts',
    name: unknown,
  ): Promise<{ upstream: Upstream; name: string; item?: Tool | Prompt }> {
    const what = kind === 'tools' ? 'tool' : 'prompt';
    if (typeof name !== 'string') throw invalidParams(`a ${what} "name" string is required`);
    if (this.scope.kind === 'server') {
      const upstream = this.#single();
      if (!upstream) throw this.#serverGone();
      return { upstream, name };
    }
    const lookup = () => {
      const target = this.#catalogsNow()[kind].get(name);
      const upstream = target && this.upstreamsInScope().find((u) => u.name === target.server);
      return target && upstream ? { upstream, name: target.original, item: target.item } : undefined;
    };
    const found = lookup() ?? ((await this.#settleStarting(30_000)) ? lookup() : undefined);
    if (!found) throw invalidParams(`Unknown ${what}: ${name}`);
    return found;
  }

  /**
   * The definition a child lists for `name` on `/mcp/<server>` (where names are not looked up in the
   * index). A child still starting is waited for, bounded, so a call right after a restart is judged by
   * the definition the child presents now, not let through undefined.
   */
  async #toolDefinition(upstream: Upstream, name: string): Promise<Tool | undefined> {
    const gate = this.hub.gate;
    const find = () => (upstream.catalog && gate ? gate.findTool(upstream.catalog.tools, name) : undefined);
    if (upstream.state === 'starting' || upstream.state === 'restarting') await this.#settleStarting(30_000);
    return find();
  }

  /** Waits (bounded) for servers in scope that are starting or restarting; true if there were any. */
  async #settleStarting(ms: number): Promise<boolean> {
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

  /** Candidates for a resource URI, most likely first: listed, then template match, then any resource server. */
  #resourceCandidates(uri: unknown): Upstream[] {
    if (typeof uri !== 'string') throw invalidParams('a resource "uri" string is required');
    if (this.scope.kind === 'server') {
      const upstream = this.#single();
      if (!upstream) throw this.#serverGone();
      return [upstream];
    }
    const catalogs = this.#catalogsNow();
    const listed = catalogs.resources.get(uri);
    if (listed) return [listed];
    const matched = catalogs.templates.filter((t) => t.template.match(uri) !== null).map((t) => t.upstream);
    if (matched.length > 0) return [...new Set(matched)];
    const withResources = this.upstreamsInScope().filter(
      (u) => u.isReady && u.catalog?.capabilities.resources,
    );
    if (withResources.length === 0) throw new WireError(-32002, `Resource not found: ${uri}`, { uri });
    return withResources;
  }

  #serverGone(): WireError {
    const name = this.scope.kind === 'server' ? this.scope.server : '?';
    return new WireError(ErrorCode.ConnectionClosed, `server "${name}" is not configured in Ferry any more`);
  }

  async #forward(
    upstream: Upstream,
    method: string,
    params: Params,
    extra: Extra,
    target?: string,
  ): Promise<Result> {
    this.lastActivity = Date.now();
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
    const release = this.hub.trackInflight(upstream, this, extra.requestId);
    this.#inflight++;
    const call =
      target === undefined ? undefined : this.hub.callStarted(this, upstream, method, target, params);
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
    const on = (method: string, handler: (params: Params, extra: Extra) => Result | Promise<Result>) =>
      peer.setRequestHandler(requestSchema(method), async (request, extra) => {
        this.#handling++;
        try {
          return await handler(request.params ?? {}, extra);
        } finally {
          this.#handling--;
        }
      });

    on('initialize', async (params) => {
      this.clientInfo = params.clientInfo as Implementation | undefined;
      this.clientCapabilities = (params.capabilities as ClientCapabilities | undefined) ?? {};
      const requested = params.protocolVersion;
      this.protocolVersion =
        typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
          ? requested
          : LATEST_PROTOCOL_VERSION;
      this.startOwnUpstreams();
      this.hub.sessionInitialized(this);
      // The answer describes the servers (capabilities, instructions), so it waits, bounded, for those
      // still starting: fully on /mcp/<server>, briefly on /mcp where a slow server follows with list_changed.
      await this.#settleStarting(this.scope.kind === 'server' ? 30_000 : 10_000);
      const instructions = this.#instructions();
      return {
        protocolVersion: this.protocolVersion,
        capabilities: this.#capabilities(),
        serverInfo: this.#serverInfo(),
        ...(instructions ? { instructions } : {}),
      };
    });

    // The 2026 stateless revision's discovery call: same facts as initialize, no session state touched.
    on('server/discover', async () => {
      // Like initialize, the answer describes the servers: it waits (bounded) for those still starting.
      await this.#settleStarting(this.scope.kind === 'server' ? 30_000 : 10_000);
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
      return { tools: this.#catalogsNow().toolList };
    });
    on('tools/call', async (params, extra) => {
      const target = await this.#resolve('tools', params.name).catch((error: unknown) => {
        // Refused before any child saw it: Activity still shows the attempt, and why.
        this.hub.callRefused(this, 'tools/call', String(params.name), params, (error as Error).message);
        throw error;
      });
      const forward = async () =>
        this.#adoptTask(
          target.upstream,
          params,
          await this.#forward(
            target.upstream,
            'tools/call',
            { ...params, name: target.name },
            extra,
            target.name,
          ),
        );
      const gate = this.hub.gate;
      if (!gate) return forward();
      const startedAt = performance.now();
      const call: GateCall = {
        server: target.upstream.name,
        name: target.name,
        tool: (target.item as Tool | undefined) ?? (await this.#toolDefinition(target.upstream, target.name)),
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
      return { prompts: this.#catalogsNow().promptList };
    });
    on('prompts/get', async (params, extra) => {
      const target = await this.#resolve('prompts', params.name);
      return this.#forward(
        target.upstream,
        'prompts/get',
        { ...params, name: target.name },
        extra,
        target.name,
      );
    });
    on('resources/list', async () => {
      await this.#settleOwn();
      return { resources: this.#catalogsNow().resourceList };
    });
    on('resources/templates/list', async () => {
      await this.#settleOwn();
      return { resourceTemplates: this.#catalogsNow().templates.map((t) => t.item) };
    });
    on('resources/read', (params, extra) =>
      this.#firstSuccessful(this.#resourceCandidates(params.uri), 'resources/read', params, extra),
    );
    on('resources/subscribe', async (params, extra) => {
      const uri = params.uri as string;
      const [upstream] = this.#resourceCandidates(uri);
      if (!upstream) throw invalidParams(`Resource not found: ${uri}`);
      // 2026-07-28 removed resources/subscribe: a modern child is not asked (it would answer -32601).
      if (upstream.isModern) {
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
      const [upstream] = this.#resourceCandidates(uri);
      // A shared child stays subscribed while any other session still wants the updates.
      if (!upstream || upstream.isModern || this.hub.isSubscribedElsewhere(upstream, uri, this)) return {};
      return this.#forward(upstream, 'resources/unsubscribe', params, extra);
    });
    on('completion/complete', async (params, extra) => {
      const ref = (params.ref ?? {}) as Record<string, unknown>;
      if (ref.type === 'ref/prompt') {
        const target = await this.#resolve('prompts', ref.name);
        return this.#forward(
          target.upstream,
          'completion/complete',
          { ...params, ref: { ...ref, name: target.name } },
          extra,
        );
      }
      if (ref.type === 'ref/resource') {
        return this.#firstSuccessful(this.#resourceCandidates(ref.uri), 'completion/complete', params, extra);
      }
      throw invalidParams('completion/complete needs ref.type "ref/prompt" or "ref/resource"');
    });
    // Tasks (2025-11-25): every id the client sees is Ferry's, and only the client that created a task
    // reaches it, on the child that runs it.
    for (const method of ['tasks/get', 'tasks/result', 'tasks/cancel']) {
      on(method, async (params, extra) => {
        const record = this.hub.tasks.find(params.taskId, this.client);
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
            const record = this.hub.tasks.byChild(upstream, task.taskId);
            // A child lists every client's tasks: only this client's, by Ferry's id, are shown.
            if (record && this.hub.tasks.find(record.id, this.client)) {
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
      this.logLevel = level as LoggingLevel;
      this.hub.applyLogLevels(this.upstreamsInScope());
      return {};
    });

    peer.fallbackRequestHandler = async (request, extra) => {
      // One server, original names: anything Ferry does not know (tasks, extensions) goes through as is.
      const upstream = this.#single();
      if (!upstream) throw methodNotFound(request.method);
      return this.#forward(upstream, request.method, request.params ?? {}, extra);
    };

    peer.setNotificationHandler(notificationSchema('notifications/initialized'), () => undefined);
    peer.setNotificationHandler(
      notificationSchema('notifications/roots/list_changed'),
      async (notification) => {
        await Promise.allSettled([...this.own.values()].map((u) => u.notify(notification)));
      },
    );
    peer.fallbackNotificationHandler = async (notification) => {
      await this.#single()?.notify(notification);
    };
  }

  /** A tool call the child ran as a task: the client is given Ferry's id for it, bound to this client. */
  #adoptTask(upstream: Upstream, params: Params, result: Result): Result {
    const created =
      typeof params.task === 'object' && params.task !== null ? createdTaskId(result) : undefined;
    if (!created) return result;
    const id = this.hub.tasks.register(
      upstream,
      created.childId,
      { client: this.client, sessionId: this.id },
      created.ttl,
    );
    return withTaskId(result, created.childId, id);
  }

  /**
   * A list asked for while servers are still starting (right after Ferry or a session started) waits a
   * little for them, so the first answer is complete; a slower server follows with list_changed.
   */
  async #settleOwn(): Promise<void> {
    await this.#settleStarting(this.own.size > 0 ? 30_000 : 5_000);
  }
}

/** A child sees the remote client's own capabilities, minus what Ferry cannot carry (client-side tasks). */
export function childCapabilities(remote: ClientCapabilities): ClientCapabilities {
  const { tasks: _tasks, ...rest } = remote as ClientCapabilities & { tasks?: unknown };
  return rest;
}

export function newSessionId(): string {
  return randomUUID();
}
