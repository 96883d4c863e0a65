import { randomUUID } from 'node:crypto';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  type JSONRPCMessage,
  type Request,
  type RequestId,
  type Result,
} from '@modelcontextprotocol/sdk/types.js';
import type { HubSession } from '../hub/session.js';
import { isResponse } from '../http/jsonRpcHttp.js';
import type { PostExchange } from '../http/sessionTransport.js';
import type { RequestContext } from './requestContext.js';
import type { RequestBinding } from './requestState.js';
import { decorateResult, errorResponse, modernError } from './results.js';
import { FERRY_META, INPUT_CAPABLE_METHODS, META, MODERN_ERRORS } from './protocol.js';
import { severity } from '../events/logLevels.js';
import { declaresTasks } from './tasksExtension.js';

/** A child's request to the client, waiting for the client's answer on its retry. */
interface PendingInput {
  key: string;
  request: { method: string; params: Record<string, unknown> };
  resolve: (result: Result) => void;
  reject: (error: Error) => void;
}

/** A child-chosen input key: short, and safe to show and to echo. */
const INPUT_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

/** Whether `answer` has the shape of a client's answer to `method` (it goes to the child as its result). */
function wellFormedAnswer(method: string, answer: unknown): boolean {
  if (!answer || typeof answer !== 'object' || Array.isArray(answer)) return false;
  const a = answer as Record<string, unknown>;
  if (method === 'elicitation/create')
    return a.action === 'accept' || a.action === 'decline' || a.action === 'cancel';
  if (method === 'sampling/createMessage') {
    return (
      typeof a.role === 'string' &&
      typeof a.model === 'string' &&
      typeof a.content === 'object' &&
      a.content !== null
    );
  }
  if (method === 'roots/list') return Array.isArray(a.roots);
  return false;
}

const CAPABILITY_OF: Readonly<Record<string, 'sampling' | 'elicitation' | 'roots'>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

export interface ModernCallHost {
  /** Called when the call needs the client: the answer so far goes back as `input_required`. */
  park(call: ModernCall): Promise<string>;
  /** Called once the call is over (answered, failed or abandoned): its session can go. */
  finished(call: ModernCall): void;
}

/**
 * One request of the stateless wire, possibly across several HTTP round trips. Its throwaway hub
 * session lives as long as the call: when a child asks the client something (sampling, elicitation,
 * roots), the child's request is parked here and the HTTP request is answered `input_required`; the
 * client's retry answers the parked requests and the same child call goes on.
 */
export class ModernCall implements Transport {
  readonly id = randomUUID();
  /** Rounds answered `input_required` so far; the sealed state names the round it resumes. */
  round = 0;
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  readonly #pending = new Map<string, PendingInput>();
  #exchange: PostExchange | undefined;
  /** The id of the HTTP request now waiting for this call (the first one, or the latest retry). */
  #answerId: RequestId = 0;
  #final: JSONRPCMessage | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #keys = 0;
  #done = false;
  #presupplied: Record<string, unknown> | undefined;

  constructor(
    readonly session: HubSession,
    readonly method: string,
    /** The id the session's peer knows this call by (the first request's id). */
    readonly peerId: RequestId,
    readonly context: RequestContext,
    /** What the sealed state of this call is bound to. */
    readonly binding: RequestBinding,
    private readonly host: ModernCallHost,
    private readonly gatherMs: number,
  ) {
    session.inputHandler = (request, signal, childMeta) => this.#input(request, signal, childMeta);
  }

  get done(): boolean {
    return this.#done;
  }

  /** Keys of the child requests still waiting for the client. */
  get waitingKeys(): string[] {
    return [...this.#pending.keys()];
  }

  async start(): Promise<void> {}

  /** Hands the call an HTTP request to answer on, with the id that answer must carry. */
  attach(exchange: PostExchange, answerId: RequestId): void {
    this.session.awaitingInput = false;
    this.#exchange = exchange;
    this.#answerId = answerId;
    if (this.#final) {
      const final = this.#final;
      this.#final = undefined;
      this.#deliver(final);
      return;
    }
    if (this.#pending.size > 0) this.#scheduleFlush(0);
  }

  /** Sends the call's first request into the session. */
  begin(request: Request & { id?: RequestId }): void {
    // The request's 2026 `_meta` describes the remote client to Ferry; children speak 2025-11-25. The
    // client's capabilities for this request go on under Ferry's own key, for children that adapt to them.
    const params = { ...(request.params ?? {}) } as Record<string, unknown>;
    const meta = (params._meta && typeof params._meta === 'object' ? params._meta : {}) as Record<
      string,
      unknown
    >;
    params._meta = {
      ...Object.fromEntries(
        Object.entries(meta).filter(
          ([key]) => key !== META.protocolVersion && key !== META.clientInfo && key !== META.logLevel,
        ),
      ),
      [FERRY_META.clientCapabilities]: this.context.clientCapabilities,
      ...(request.method === 'tools/call'
        ? { [FERRY_META.taskIfSupported]: declaresTasks(this.context) }
        : {}),
    };
    this.onmessage?.({ jsonrpc: '2.0', id: this.peerId, method: request.method, params });
  }

  /**
   * Answers a fresh call brings along (`inputResponses` without a state): a child request whose key has
   * a well-formed answer there is answered at once, as if the client had answered that round.
   */
  presupply(responses: unknown): void {
    if (responses && typeof responses === 'object' && !Array.isArray(responses)) {
      this.#presupplied = responses as Record<string, unknown>;
    }
  }

  /** The client's answers: each waiting child request gets its response; unknown keys are ignored. */
  answer(responses: Record<string, unknown>): { answered: number } {
    let answered = 0;
    for (const [key, pending] of [...this.#pending]) {
      const response = responses[key];
      if (
        response === undefined ||
        response === null ||
        typeof response !== 'object' ||
        Array.isArray(response)
      ) {
        continue;
      }
      this.#pending.delete(key);
      pending.resolve(response as Result);
      answered++;
    }
    return { answered };
  }

  /** Ends the call without an answer (expired, Ferry stopping): the child's waiting requests fail, its call is cancelled. */
  abandon(reason: string): void {
    for (const pending of this.#pending.values()) pending.reject(new Error(reason));
    this.#pending.clear();
    this.#finish();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.#done) return Promise.resolve();
    if (isResponse(message) && message.id === this.peerId) {
      if (this.#exchange?.open) this.#deliver(message);
      else this.#final = message;
      return Promise.resolve();
    }
    if ('method' in message && !('id' in message)) {
      // Progress of this call, and the child's log lines when the request asked for a level (the hub
      // filters those by level before they get here); nothing else belongs to one stateless request.
      if (message.method === 'notifications/message') {
        // None unless this request asked for a level, and then only at or above it.
        const raw = (message.params as { level?: unknown } | undefined)?.level;
        const level = typeof raw === 'string' ? raw : 'info';
        const wanted = this.context.logLevel;
        if (wanted && severity(level) >= severity(wanted)) this.#exchange?.related(message);
        return Promise.resolve();
      }
      if (options?.relatedRequestId === this.peerId) this.#exchange?.related(message);
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#finish();
    this.onclose?.();
    return Promise.resolve();
  }

  #deliver(message: JSONRPCMessage): void {
    const exchange = this.#exchange;
    if (!exchange) return;
    this.#exchange = undefined;
    const id = this.#answerId;
    if ('error' in message) {
      const wire = errorResponse(id, message.error);
      // An unknown method is HTTP 404 on this wire (while the answer has not turned into a stream).
      if (wire.error.code === (ErrorCode.MethodNotFound as number))
        exchange.fail(id, { ...wire.error, status: 404 });
      else exchange.respond(wire);
    } else if ('result' in message) {
      exchange.respond({
        jsonrpc: '2.0',
        id,
        result: decorateResult(this.method, message.result, this.session),
      });
    }
    this.#finish();
  }

  #input(request: Request, signal: AbortSignal, childMeta?: Record<string, unknown>): Promise<Result> {
    const capability = CAPABILITY_OF[request.method];
    if (!capability) {
      return Promise.reject(new Error(`${request.method} cannot be forwarded to a stateless client`));
    }
    if (this.#done) return Promise.reject(new Error('the call is over'));
    if (!INPUT_CAPABLE_METHODS.has(this.method)) {
      // Lists and the like never answer input_required: the child's request fails, the list goes on.
      return Promise.reject(new Error(`${request.method} is not available while answering ${this.method}`));
    }
    if (!this.context.clientCapabilities[capability]) {
      // The client cannot answer this: the call fails with the spec's error, and the child's call is cancelled.
      this.#fail(
        modernError(
          MODERN_ERRORS.missingClientCapability,
          `Missing required client capability: ${capability}`,
          {
            requiredCapabilities: { [capability]: {} },
          },
        ),
      );
      return Promise.reject(new Error(`the client did not declare the ${capability} capability`));
    }
    const key = this.#keyFor(capability, childMeta?.[FERRY_META.inputKey]);
    const presupplied = this.#presupplied?.[key];
    if (presupplied !== undefined && wellFormedAnswer(request.method, presupplied)) {
      delete this.#presupplied?.[key];
      return Promise.resolve(presupplied as Result);
    }
    return new Promise<Result>((resolve, reject) => {
      const { _meta: _omit, ...params } = (request.params ?? {}) as Record<string, unknown>;
      this.#pending.set(key, { key, request: { method: request.method, params }, resolve, reject });
      signal.addEventListener('abort', () => {
        if (this.#pending.delete(key)) reject(new Error('cancelled by the server'));
      });
      // Children often ask several things at once: gather them into one answer.
      this.#scheduleFlush(this.gatherMs);
    });
  }

  /** The child's own name for its request when it gives a usable one, else `<capability>-<n>`; unique in the call. */
  #keyFor(capability: string, hint: unknown): string {
    const base = typeof hint === 'string' && INPUT_KEY.test(hint) ? hint : `${capability}-${++this.#keys}`;
    let key = base;
    for (let n = 2; this.#pending.has(key); n++) key = `${base}-${n}`;
    return key;
  }

  #scheduleFlush(delayMs: number): void {
    if (this.#flushTimer) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      void this.#flush();
    }, delayMs);
  }

  /** Answers the waiting HTTP request with `input_required` for every child request still open. */
  async #flush(): Promise<void> {
    const exchange = this.#exchange;
    if (!exchange?.open || this.#pending.size === 0 || this.#done) return;
    this.#exchange = undefined;
    this.round++;
    const inputRequests = Object.fromEntries([...this.#pending.values()].map((p) => [p.key, p.request]));
    let requestState: string;
    try {
      requestState = await this.host.park(this);
    } catch (error) {
      exchange.respond(
        errorResponse(
          this.#answerId,
          (error as { wire?: { code: number; message: string } }).wire ?? {
            code: -32603,
            message: (error as Error).message,
          },
        ),
      );
      this.abandon('could not park the call');
      return;
    }
    this.session.awaitingInput = true;
    exchange.respond({
      jsonrpc: '2.0',
      id: this.#answerId,
      result: { resultType: 'input_required', inputRequests, requestState },
    });
  }

  #fail(error: { code: number; message: string; data?: unknown; status: number }): void {
    const exchange = this.#exchange;
    this.#exchange = undefined;
    if (exchange?.open) exchange.fail(this.#answerId, error);
    for (const pending of this.#pending.values()) pending.reject(new Error(error.message));
    this.#pending.clear();
    this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#flushTimer);
    this.session.inputHandler = undefined;
    this.host.finished(this);
  }
}
