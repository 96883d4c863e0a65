import {
  ErrorCode,
  type JSONRPCRequest,
  type LoggingLevel,
  type Notification,
  type RequestId,
  type Result,
} from '@modelcontextprotocol/sdk/types.js';
import type { EventBus } from '../events/bus.js';
import { severity } from '../events/logLevels.js';
import { preview } from '../events/redact.js';
import type { ToolGate } from '../policy/gate.js';
import type { Upstream, UpstreamRequestExtra } from '../upstream/upstream.js';
import { ActivityLog } from './activity.js';
import { ListChanges } from './catalog.js';
import type { ServerRegistry } from './registry.js';
import type { HubSession, SessionHost } from './session.js';
import type { SessionTable } from './sessionTable.js';
import { RELATED_TASK, TASK_LIMITS, TaskMap, withTaskId } from './tasks.js';
import { FERRY_META, META } from '../wire/protocol.js';
import { WireError } from './wireError.js';

/** How much of a child's structured log message the event log keeps. */
const LOG_PREVIEW_CHARS = 2000;

interface Inflight {
  session: HubSession;
  requestId: RequestId;
}

/**
 * Routing between children and sessions: which session's calls are in flight on which child, where a
 * child's requests (sampling, elicitation, roots) and notifications (lists, logs, resource updates,
 * task status) go, the log level each shared child runs at, and who is subscribed to what. It is the
 * `SessionHost` every session talks to.
 */
export class Router implements SessionHost {
  readonly version: string;
  readonly gate: ToolGate | undefined;
  /** Tasks children created for clients, under ids of Ferry's own (see `TaskMap`). */
  readonly tasks = new TaskMap();
  readonly lists: ListChanges;
  readonly activity: ActivityLog;
  readonly #bus: EventBus;
  readonly #registry: ServerRegistry;
  readonly #table: SessionTable;
  readonly #inflight = new Map<Upstream, Map<number, Inflight>>();
  #inflightSeq = 0;

  constructor(options: {
    bus: EventBus;
    version: string;
    gate: ToolGate | undefined;
    registry: ServerRegistry;
    table: SessionTable;
  }) {
    this.#bus = options.bus;
    this.version = options.version;
    this.gate = options.gate;
    this.#registry = options.registry;
    this.#table = options.table;
    this.lists = new ListChanges(options.gate);
    this.activity = new ActivityLog(options.bus);
  }

  get generation(): number {
    return this.lists.generation;
  }

  #sessions(): Iterable<HubSession> {
    return this.#table.sessions.values();
  }

  serverNames(): string[] {
    return this.#registry.serverNames();
  }

  sharedUpstream(name: string): Upstream | undefined {
    return this.#registry.sharedUpstream(name);
  }

  startOwn(session: HubSession): void {
    this.#table.startOwn(session);
  }

  returnPooledChild(upstream: Upstream): void {
    this.#registry.pool.release(upstream);
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
    await this.#table.close(id, reason);
  }

  /** Catalogs or readiness changed (of `upstream`, or of every server): every affected session hears list_changed. */
  changed(upstream?: Upstream): void {
    this.lists.announce(this.#sessions(), upstream);
  }

  /** A child's state changed: its tasks, its lists, its log level, and (per-session) its cap slot follow. */
  childState(upstream: Upstream, owner: HubSession | undefined): void {
    if (owner) this.#table.ownChildState(upstream, owner);
    if (upstream.state === 'ready' && upstream.catalog)
      this.gate?.observe(upstream.name, upstream.catalog.tools);
    // A child's tasks live in its process: after an exit no id of it can be reached any more.
    if (upstream.state !== 'ready' && upstream.state !== 'starting') this.tasks.forget(upstream);
    if (upstream.state === 'ready' || upstream.state === 'restarting' || upstream.state === 'crashed') {
      this.changed(upstream);
    }
    if (upstream.state === 'ready') this.applyLogLevels([upstream]);
  }

  childNotification(upstream: Upstream, notification: Notification): void {
    const method = notification.method;
    if (method.endsWith('/list_changed')) {
      this.lists.fromChild(this.#sessions(), upstream, notification);
      return;
    }
    if (method === 'notifications/message') {
      this.#childLog(upstream, notification);
      return;
    }
    if (method === 'notifications/resources/updated') {
      const uri = (notification.params as { uri?: string } | undefined)?.uri;
      const update = withoutChildSubscription(notification);
      for (const session of this.#sessions()) {
        if (session.includes(upstream) && uri !== undefined && session.subscriptions.has(uri)) {
          session.notify(update);
        }
      }
      return;
    }
    if (method === 'notifications/tasks/status') {
      // Only the session that created the task hears of it, under the id that session was given.
      const params = (notification.params ?? {}) as Record<string, unknown>;
      const record = this.tasks.byChild(upstream, params.taskId);
      const session = record && this.#table.sessions.get(record.sessionId);
      if (record && session && session.includes(upstream)) {
        session.notify({ method, params: withTaskId(params, record.childId, record.id) });
      }
      return;
    }
    // Anything else (extensions) only makes sense where the child is seen as itself.
    for (const session of this.#sessions()) {
      if (session.scope.kind === 'server' && session.includes(upstream)) session.notify(notification);
    }
  }

  #childLog(upstream: Upstream, notification: Notification): void {
    const params = (notification.params ?? {}) as { level?: LoggingLevel; data?: unknown; logger?: string };
    const level = params.level ?? 'info';
    this.#bus.log(
      severity(level) >= severity('error')
        ? 'error'
        : severity(level) >= severity('warning')
          ? 'warn'
          : 'info',
      `server:${upstream.name}`,
      typeof params.data === 'string' ? params.data : preview(params.data, LOG_PREVIEW_CHARS),
    );
    const shared = this.sharedUpstream(upstream.name) === upstream;
    for (const session of this.#sessions()) {
      if (!session.includes(upstream)) continue;
      // A shared child's log goes only to the sessions that asked for logs (logging/setLevel), at their
      // level or above: one client's activity must not show up in another client's session. A
      // per-session child's log has only its own session to go to.
      if (!session.logLevel && shared) continue;
      if (session.logLevel && severity(level) < severity(session.logLevel)) continue;
      session.notify(notification);
    }
  }

  /**
   * A child asks its client something (sampling, elicitation, roots). Over stdio nothing says which of
   * our calls caused it, so it goes to the one session with calls in flight on that child; with calls of
   * several sessions in flight Ferry refuses rather than risk showing one session's prompt to another.
   */
  async childRequest(
    upstream: Upstream,
    request: JSONRPCRequest,
    extra: UpstreamRequestExtra,
    owner: HubSession | undefined,
  ): Promise<Result> {
    const { _meta: childMeta, ...childParams } = (request.params ?? {}) as Record<string, unknown>;
    const relatedTask = (childMeta as Record<string, { taskId?: unknown } | undefined> | undefined)?.[
      RELATED_TASK
    ];
    const task =
      relatedTask?.taskId === undefined
        ? undefined
        : await this.tasks.whenRegistered(upstream, relatedTask.taskId, TASK_LIMITS.registrationWaitMs);
    if (task?.input) {
      // A stateless client's task: the request waits for the client's tasks/update.
      return task.input.hold(
        { method: request.method, params: childParams },
        (childMeta as Record<string, unknown>)[FERRY_META.inputKey],
        extra.signal,
      );
    }
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

  isSubscribedElsewhere(upstream: Upstream, uri: string, except: HubSession): boolean {
    for (const session of this.#sessions()) {
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
      for (const session of this.#sessions()) {
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
}

/**
 * A modern child tags what its listen stream carries with that stream's id: the id is Ferry's business with
 * the child, never the client's (a 2026 client's own listen stream tags it with its own id).
 */
function withoutChildSubscription(notification: Notification): Notification {
  const params = notification.params;
  if (!params?._meta || !(META.subscriptionId in params._meta)) return notification;
  const { [META.subscriptionId]: _child, ...meta } = params._meta;
  const { _meta: _old, ...rest } = params;
  return { ...notification, params: Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest };
}
