import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ErrorCode,
  type JSONRPCMessage,
  type RequestId,
  type Result,
} from '@modelcontextprotocol/sdk/types.js';
import type { EventBus } from '../events/bus.js';
import type { Caller } from '../hub/clientLimits.js';
import type { Hub } from '../hub/hub.js';
import type { HubSession, Scope } from '../hub/session.js';
import { HttpError, sendHttpError } from '../http/jsonRpcHttp.js';
import { PostExchange } from '../http/sessionTransport.js';
import { ModernCall, type ModernCallHost } from './modernCall.js';
import {
  INPUT_CAPABLE_METHODS,
  META,
  MODERN_ERRORS,
  MODERN_PROTOCOL_VERSION,
  REMOVED_METHODS,
  STATEFUL_VERSIONS,
} from './protocol.js';
import { ModernWireError, readRequestContext, type RequestContext } from './requestContext.js';
import type { RequestBinding, RequestStateSealer } from './requestState.js';
import { ListenStreams } from './listen.js';
import { markRevision } from './marker.js';
import { decorateResult } from './results.js';
import {
  declaresTasks,
  detailedTask,
  EXTENSION_TASK_METHODS,
  REMOVED_TASK_METHODS,
  TASKS_EXTENSION,
} from './tasksExtension.js';

/**
 * Every bound of the stateless wire, in one place. A parked call holds a child's request (and the
 * child's tool call) open while the client gathers input; an open listen stream holds a socket.
 */
export const MODERN_LIMITS = Object.freeze({
  /** How long a parked call waits for the client's retry (also the sealed state's lifetime). */
  parkedTtlSeconds: 5 * 60,
  /** Calls one client may have parked at once: a person answers one or two prompts at a time. */
  parkedPerClient: 16,
  /** Parked calls overall. */
  parkedTotal: 256,
  /** Child requests made within this window are gathered into one input-required answer. */
  gatherMs: 25,
  /** Rounds one call may take: a child that asks forever is cut off. */
  maxRounds: 32,
});

export interface StatelessWireOptions {
  hub: Hub;
  bus: EventBus;
  keepAliveMs: () => number;
  sealer: () => Promise<RequestStateSealer>;
}

/**
 * The MCP 2026-07-28 wire on the same URLs as the stateful one: each POST carries its own `_meta`
 * (protocol version, client capabilities), no `Mcp-Session-Id` is ever issued, and nothing outlives a
 * request except a call parked for the client's input (bounded, sealed, expiring).
 */
export class StatelessWire implements ModernCallHost {
  readonly #options: StatelessWireOptions;
  readonly #parked = new Map<
    string,
    { call: ModernCall; client: string; binding: RequestBinding; timer: NodeJS.Timeout }
  >();
  readonly #calls = new Set<ModernCall>();
  readonly listen: ListenStreams;

  constructor(options: StatelessWireOptions) {
    this.#options = options;
    this.listen = new ListenStreams({ hub: options.hub, keepAliveMs: options.keepAliveMs });
  }

  /**
   * Whether a POST without `Mcp-Session-Id` belongs on this wire: a request whose `_meta` names a
   * protocol version, one sent with the 2026 header, or one of the two methods that exist only here.
   */
  static claims(req: IncomingMessage, messages: JSONRPCMessage[]): boolean {
    // A request whose `_meta` names a protocol version is on this wire whatever its method: a 2026
    // `initialize` is then answered 404, as that revision removed it.
    const claimed = messages.some((m) => {
      if (!('method' in m)) return false;
      const meta = (m.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
      return typeof meta === 'object' && meta !== null && META.protocolVersion in meta;
    });
    if (claimed) return true;
    const header = req.headers['mcp-protocol-version'];
    const legacyInitialize = messages.some((m) => 'method' in m && m.method === 'initialize');
    if (typeof header === 'string' && !STATEFUL_VERSIONS.includes(header)) return !legacyInitialize;
    return messages.some(
      (m) =>
        'method' in m && 'id' in m && (m.method === 'server/discover' || m.method === 'subscriptions/listen'),
    );
  }

  get parkedCount(): number {
    return this.#parked.size;
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    messages: JSONRPCMessage[],
    batch: boolean,
    scope: Scope,
    caller: Caller,
    canSse: boolean,
  ): Promise<void> {
    const first = messages[0];
    if (batch || messages.length !== 1 || !first) {
      return sendHttpError(
        res,
        new HttpError(
          400,
          ErrorCode.InvalidRequest,
          'Invalid Request: batches are not part of MCP 2026-07-28',
          {},
          null,
        ),
      );
    }
    if (!('method' in first)) {
      return sendHttpError(
        res,
        new HttpError(
          400,
          ErrorCode.InvalidRequest,
          'Invalid Request: nothing to answer on the stateless wire',
          {},
          null,
        ),
      );
    }
    if (!('id' in first)) {
      // Notifications (cancellation of a request whose stream the client dropped, say): nothing to keep.
      res.writeHead(202);
      res.end();
      return;
    }
    const { id, method } = first as { id: RequestId; method: string };
    const params = (first.params ?? {}) as Record<string, unknown>;
    let context: RequestContext;
    try {
      context = readRequestContext(req, method, first.params);
    } catch (error) {
      if (!(error instanceof ModernWireError)) throw error;
      return sendHttpError(res, new HttpError(error.status, error.code, error.message, {}, id, error.data));
    }
    markRevision(res, context.protocolVersion);
    if (REMOVED_METHODS.has(method) || REMOVED_TASK_METHODS.has(method)) {
      return sendHttpError(
        res,
        new HttpError(
          404,
          ErrorCode.MethodNotFound,
          `Method not found: ${method} is not part of MCP ${MODERN_PROTOCOL_VERSION}`,
          {},
          id,
        ),
      );
    }
    if (EXTENSION_TASK_METHODS.has(method)) {
      return this.#task(res, id, method, params, scope, caller, context);
    }
    if (method === 'subscriptions/listen') {
      return this.listen.open(req, res, { id, params, context, scope, caller });
    }
    const resumed = INPUT_CAPABLE_METHODS.has(method) && typeof params.requestState === 'string';
    // Opened before anything is written: a client over its child caps is refused with 429 (QuotaExceeded).
    const session = resumed ? undefined : await this.#open(scope, caller, context);
    const exchange = new PostExchange(res, [id], false, canSse, {}, this.#options.keepAliveMs());
    if (!session) {
      await this.#resume(exchange, id, method, params, caller);
      return exchange.finished;
    }
    // Without a state Ferry sealed there is nothing to resume: a fresh call starts, and answers it
    // brought along only answer what its child asks under the same keys (`presupply`).
    const { inputResponses: answers, requestState: _state, ...fresh } = params;
    const binding = bindingOf(method, fresh, caller);
    const call = new ModernCall(session, method, id, context, binding, this, MODERN_LIMITS.gatherMs);
    this.#calls.add(call);
    await session.connect(call);
    call.attach(exchange, id);
    call.presupply(answers);
    call.begin({ method, params: fresh });
    await exchange.finished;
  }

  /**
   * A method of the tasks extension, answered from the child's 2025-11-25 task (through the per-client
   * task map) on a throwaway session. A client that did not negotiate the extension is refused with the
   * spec's missing-capability error, whatever the task id.
   */
  async #task(
    res: ServerResponse,
    id: RequestId,
    method: string,
    params: Record<string, unknown>,
    scope: Scope,
    caller: Caller,
    context: RequestContext,
  ): Promise<void> {
    if (!declaresTasks(context)) {
      return sendHttpError(
        res,
        new HttpError(
          400,
          MODERN_ERRORS.missingClientCapability,
          `Missing required client capability: extension ${TASKS_EXTENSION}`,
          {},
          id,
          { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
        ),
      );
    }
    const session = await this.#open(scope, caller, context);
    try {
      let result: Result;
      if (method === 'tasks/update') {
        // The answers go to the child's requests the task waits on; the new state shows on tasks/get.
        await session.modernTask('tasks/update', params.taskId, params.inputResponses);
        result = { resultType: 'complete' };
      } else if (method === 'tasks/cancel') {
        await session.modernTask('tasks/cancel', params.taskId);
        result = { resultType: 'complete' };
      } else {
        const { task, ...outcome } = await session.modernTask('tasks/get', params.taskId);
        result = detailedTask(task, outcome);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id, result: decorateResult(method, result, session) }));
    } catch (error) {
      const wire = error as { code?: unknown; message?: unknown };
      const code: number = typeof wire.code === 'number' ? wire.code : ErrorCode.InternalError;
      const invalidParams: number = ErrorCode.InvalidParams;
      sendHttpError(
        res,
        new HttpError(code === invalidParams ? 400 : 500, code, String(wire.message), {}, id),
      );
    } finally {
      void this.#options.hub.closeSession(session.id, 'stateless request done');
    }
  }

  async #open(scope: Scope, caller: Caller, context: RequestContext): Promise<HubSession> {
    const hub = this.#options.hub;
    const endpoint = scope.kind === 'all' ? '/mcp' : `/mcp/${scope.server}`;
    const session = hub.openSession(`stateless-${randomUUID()}`, scope, endpoint, {
      caller,
      kind: 'stateless',
    });
    session.identify(context);
    try {
      // Per-session servers: the client's own child, kept across its stateless requests.
      await hub.lendPooledChildren(session, caller);
    } catch (error) {
      void hub.closeSession(session.id, 'refused: over the child caps');
      throw error;
    }
    if (context.logLevel) hub.applyLogLevels(session.upstreamsInScope());
    return session;
  }

  async #resume(
    exchange: PostExchange,
    id: RequestId,
    method: string,
    params: Record<string, unknown>,
    caller: Caller,
  ): Promise<void> {
    const refuse = (message: string) =>
      exchange.fail(id, { code: ErrorCode.InvalidParams, message, status: 400 });
    const binding = bindingOf(method, params, caller);
    const sealer = await this.#options.sealer();
    const opened = await sealer.unseal(params.requestState, binding);
    if (!opened.ok) {
      this.#options.bus.log(
        'warn',
        'mcp',
        `requestState refused (${opened.reason}) for ${method} from ${caller.clientId}`,
      );
      return refuse(
        opened.reason === 'expired'
          ? 'Invalid params: requestState has expired; send the request again without it'
          : 'Invalid params: requestState is not valid for this request',
      );
    }
    const parked = this.#parked.get(opened.claims.parkId);
    if (!parked || parked.client !== caller.clientId || opened.claims.round !== parked.call.round) {
      return refuse(
        'Invalid params: requestState is no longer current (answered, expired or superseded); send the request again without it',
      );
    }
    clearTimeout(parked.timer);
    this.#parked.delete(opened.claims.parkId);
    const answers = params.inputResponses;
    parked.call.attach(exchange, id);
    if (answers && typeof answers === 'object' && !Array.isArray(answers)) {
      parked.call.answer(answers as Record<string, unknown>);
    }
  }

  /** Parks `call` until the client's retry; the sealed state names it. */
  async park(call: ModernCall): Promise<string> {
    const client = call.session.client;
    const mine = [...this.#parked.entries()].filter(([, parked]) => parked.client === client);
    // A person answers one or two prompts at a time: the client's oldest parked call is the likeliest
    // to have been abandoned, so it gives way (its child's requests fail, its call is cancelled).
    if (mine.length >= MODERN_LIMITS.parkedPerClient) {
      const [oldestId, oldest] = mine[0] as [string, { call: ModernCall; timer: NodeJS.Timeout }];
      clearTimeout(oldest.timer);
      this.#parked.delete(oldestId);
      oldest.call.abandon('a newer call of the same client needed the room');
    }
    if (this.#parked.size >= MODERN_LIMITS.parkedTotal) {
      throw Object.assign(new Error('too many calls are waiting for input'), {
        wire: {
          code: ErrorCode.InternalError,
          message: `Too many calls waiting for input (at most ${MODERN_LIMITS.parkedTotal} in all)`,
        },
      });
    }
    if (call.round > MODERN_LIMITS.maxRounds) {
      throw Object.assign(new Error('too many rounds'), {
        wire: {
          code: ErrorCode.InternalError,
          message: `The call asked for input more than ${MODERN_LIMITS.maxRounds} times`,
        },
      });
    }
    const binding = call.binding;
    const sealer = await this.#options.sealer();
    const state = await sealer.seal(
      { parkId: call.id, round: call.round },
      binding,
      MODERN_LIMITS.parkedTtlSeconds,
    );
    const timer = setTimeout(() => {
      if (this.#parked.get(call.id)?.call !== call) return;
      this.#parked.delete(call.id);
      call.abandon('the client did not answer in time');
    }, MODERN_LIMITS.parkedTtlSeconds * 1000).unref();
    this.#parked.set(call.id, { call, client, binding, timer });
    return state;
  }

  finished(call: ModernCall): void {
    this.#calls.delete(call);
    const parked = this.#parked.get(call.id);
    if (parked?.call === call) {
      clearTimeout(parked.timer);
      this.#parked.delete(call.id);
    }
    // After the SDK has finished the request it just answered: closed any earlier, the session would
    // abort that request and the child would be sent a cancellation for a call that already ended.
    setImmediate(() => void this.#options.hub.closeSession(call.session.id, 'stateless request done'));
  }

  async closeAll(): Promise<void> {
    for (const call of [...this.#calls]) call.abandon('Ferry is shutting down');
    await this.listen.closeAll();
  }
}

/** What a sealed state is bound to: the method, the name, the arguments and the client. */
export function bindingOf(method: string, params: Record<string, unknown>, caller: Caller): RequestBinding {
  return {
    method,
    name: typeof params.name === 'string' ? params.name : '',
    arguments: params.arguments ?? null,
    client: caller.clientId,
  };
}
