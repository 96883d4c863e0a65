import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { HttpError, isRequest, isResponse, sendHttpError } from './jsonRpcHttp.js';
import { SSE_HEADERS, writeSseKeepAlive, writeSseMessage } from './sseStream.js';

export interface SessionTransportOptions {
  sessionId: string;
  keepAliveMs: number;
  /** Messages kept for a GET stream that is not open yet; older ones are dropped first. */
  maxQueued?: number;
}

/**
 * The answer to one POST. It stays undecided while the requests run: a quick result goes back as plain
 * JSON; the first progress/log/sampling message or keep-alive tick of a slow call turns it into an SSE
 * stream, so long tool calls survive proxies that cut idle connections at ~100 s.
 */
export class PostExchange {
  mode: 'pending' | 'json' | 'sse' = 'pending';
  readonly waiting: Set<RequestId>;
  readonly collected: JSONRPCMessage[] = [];
  #timer: NodeJS.Timeout | undefined;
  #done = false;
  readonly finished: Promise<void>;
  #resolveFinished!: () => void;

  constructor(
    readonly res: ServerResponse,
    ids: RequestId[],
    readonly batch: boolean,
    readonly canSse: boolean,
    readonly headers: Record<string, string>,
    keepAliveMs: number,
  ) {
    this.waiting = new Set(ids);
    this.finished = new Promise((resolve) => (this.#resolveFinished = resolve));
    if (canSse) {
      this.#timer = setInterval(() => {
        if (this.mode === 'pending') this.upgrade();
        if (this.mode === 'sse') writeSseKeepAlive(res);
      }, keepAliveMs);
    }
    res.on('close', () => this.#finish());
  }

  get open(): boolean {
    return !this.#done;
  }

  upgrade(): void {
    if (this.mode !== 'pending' || !this.canSse) return;
    this.mode = 'sse';
    this.res.writeHead(200, { ...SSE_HEADERS, ...this.headers });
    this.res.flushHeaders();
    for (const message of this.collected.splice(0)) writeSseMessage(this.res, message);
  }

  /** A message belonging to one of this POST's requests but not its answer (progress, sampling, log). */
  related(message: JSONRPCMessage): boolean {
    if (this.#done || !this.canSse) return false;
    this.upgrade();
    writeSseMessage(this.res, message);
    return true;
  }

  respond(message: JSONRPCMessage & { id: RequestId }): void {
    if (this.#done) return;
    this.waiting.delete(message.id);
    if (this.mode === 'sse') writeSseMessage(this.res, message);
    else this.collected.push(message);
    if (this.waiting.size > 0) return;
    if (this.mode === 'sse') {
      this.res.end();
    } else {
      const payload = this.batch ? this.collected : this.collected[0];
      const body = JSON.stringify(payload);
      this.res.writeHead(200, {
        ...this.headers,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
      this.res.end(body);
    }
    this.#finish();
  }

  /** Ends the exchange with a JSON-RPC error, and its HTTP status while nothing was sent yet. */
  fail(id: RequestId, error: { code: number; message: string; data?: unknown; status: number }): void {
    if (this.#done) return;
    const message: JSONRPCMessage = {
      jsonrpc: '2.0',
      id,
      error: {
        code: error.code,
        message: error.message,
        ...(error.data !== undefined ? { data: error.data } : {}),
      },
    };
    if (this.mode === 'sse') {
      writeSseMessage(this.res, message);
      this.res.end();
    } else {
      const body = JSON.stringify(message);
      this.res.writeHead(error.status, {
        ...this.headers,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
      this.res.end(body);
    }
    this.#finish();
  }

  close(): void {
    if (!this.#done && !this.res.headersSent) this.res.writeHead(204, this.headers);
    this.res.end();
    this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    clearInterval(this.#timer);
    this.#resolveFinished();
  }
}

/** One Streamable HTTP session as an SDK Transport: POST exchanges plus an optional standalone GET stream. */
export class SessionTransport implements Transport {
  readonly sessionId: string;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  readonly #keepAliveMs: number;
  readonly #maxQueued: number;
  readonly #exchanges = new Map<RequestId, PostExchange>();
  #stream: { res: ServerResponse; timer: NodeJS.Timeout } | undefined;
  #queue: JSONRPCMessage[] = [];
  #closed = false;

  constructor(options: SessionTransportOptions) {
    this.sessionId = options.sessionId;
    this.#keepAliveMs = options.keepAliveMs;
    this.#maxQueued = options.maxQueued ?? 200;
  }

  async start(): Promise<void> {}

  get hasStream(): boolean {
    return this.#stream !== undefined;
  }

  get busy(): boolean {
    return this.#exchanges.size > 0 || this.#stream !== undefined;
  }

  /** Handles the JSON-RPC messages of one POST; resolves when its HTTP response is complete. */
  handlePost(
    req: IncomingMessage,
    res: ServerResponse,
    messages: JSONRPCMessage[],
    batch: boolean,
    canSse: boolean,
    extraHeaders: Record<string, string> = {},
  ): Promise<void> {
    const headers = { 'Mcp-Session-Id': this.sessionId, ...extraHeaders };
    const requestIds = messages.filter(isRequest).map((m) => m.id);
    const info: MessageExtraInfo = { requestInfo: { headers: req.headers } };
    if (requestIds.length === 0) {
      // Only notifications and responses: accepted, nothing to answer (spec: 202 with no body).
      res.writeHead(202, headers);
      res.end();
      for (const message of messages) this.onmessage?.(message, info);
      return Promise.resolve();
    }
    const clash = requestIds.find((id) => this.#exchanges.has(id)) ?? duplicateIn(requestIds);
    if (clash !== undefined) {
      // Two live requests with one id cannot both be answered: refuse rather than leave one waiting forever.
      sendHttpError(
        res,
        new HttpError(
          400,
          ErrorCode.InvalidRequest,
          `Invalid Request: id ${JSON.stringify(clash)} is already in flight on this session`,
          headers,
          clash,
        ),
      );
      return Promise.resolve();
    }
    const exchange = new PostExchange(res, requestIds, batch, canSse, headers, this.#keepAliveMs);
    for (const id of requestIds) this.#exchanges.set(id, exchange);
    void exchange.finished.then(() => {
      for (const id of requestIds) if (this.#exchanges.get(id) === exchange) this.#exchanges.delete(id);
    });
    for (const message of messages) this.onmessage?.(message, info);
    return exchange.finished;
  }

  /** Opens the standalone stream for messages that belong to no request; a newer GET replaces an older one. */
  handleGet(res: ServerResponse, extraHeaders: Record<string, string> = {}): void {
    this.#closeStream();
    res.writeHead(200, { ...SSE_HEADERS, 'Mcp-Session-Id': this.sessionId, ...extraHeaders });
    res.flushHeaders();
    const timer = setInterval(() => writeSseKeepAlive(res), this.#keepAliveMs);
    const stream = { res, timer };
    this.#stream = stream;
    res.on('close', () => {
      clearInterval(timer);
      if (this.#stream === stream) this.#stream = undefined;
    });
    for (const message of this.#queue.splice(0)) writeSseMessage(res, message);
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    this.#route(message, options);
    return Promise.resolve();
  }

  #route(message: JSONRPCMessage, options?: TransportSendOptions): void {
    if (this.#closed) return;
    if (isResponse(message)) {
      this.#exchanges.get(message.id)?.respond(message);
      return;
    }
    const related = options?.relatedRequestId;
    if (related !== undefined && this.#exchanges.get(related)?.related(message)) return;
    if (this.#stream) {
      writeSseMessage(this.#stream.res, message);
      return;
    }
    this.#queue.push(message);
    if (this.#queue.length > this.#maxQueued) this.#queue.shift();
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const exchange of new Set(this.#exchanges.values())) exchange.close();
    this.#exchanges.clear();
    this.#closeStream();
    this.onclose?.();
    return Promise.resolve();
  }

  #closeStream(): void {
    if (!this.#stream) return;
    clearInterval(this.#stream.timer);
    this.#stream.res.end();
    this.#stream = undefined;
  }
}

function duplicateIn(ids: RequestId[]): RequestId | undefined {
  const seen = new Set<RequestId>();
  for (const id of ids) {
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}
