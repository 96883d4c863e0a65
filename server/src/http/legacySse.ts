import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Hub } from '../hub/hub.js';
import type { BodyBounds } from './body.js';
import type { Scope } from '../hub/session.js';
import { HttpError, parseMessages, readJsonRpcBody, sendHttpError } from './jsonRpcHttp.js';
import { writeSseKeepAlive } from './sseStream.js';

export interface LegacySseOptions {
  hub: Hub;
  maxBodyBytes: () => number;
  bodyBounds: BodyBounds;
  keepAliveMs: () => number;
}

/**
 * The 2024-11-05 HTTP+SSE transport (`GET /sse` + `POST /messages?sessionId=`) for older clients,
 * on the SDK's SSEServerTransport; Ferry adds body limits, batch support and keep-alives.
 */
export class LegacySseEndpoint {
  readonly #transports = new Map<string, SSEServerTransport>();

  constructor(private readonly options: LegacySseOptions) {}

  async openStream(
    res: ServerResponse,
    scope: Scope,
    messagesPath: string,
    owner: string | null,
  ): Promise<void> {
    const transport = new SSEServerTransport(messagesPath, res);
    const id = transport.sessionId;
    this.#transports.set(id, transport);
    const endpoint = scope.kind === 'all' ? '/sse' : `/sse/${scope.server}`;
    const session = this.options.hub.openSession(id, scope, endpoint);
    session.owner = owner;
    const timer = setInterval(() => writeSseKeepAlive(res), this.options.keepAliveMs());
    res.on('close', () => {
      clearInterval(timer);
      this.#transports.delete(id);
      void this.options.hub.closeSession(id, 'SSE stream closed');
    });
    await session.connect(transport);
  }

  /** `authorize` checks the request's token for the session's endpoint (undefined: refused, 401 sent). */
  async postMessage(
    req: IncomingMessage,
    res: ServerResponse,
    sessionId: string | null,
    authorize: (server?: string) => Promise<string | null | undefined>,
  ): Promise<void> {
    try {
      const transport = sessionId ? this.#transports.get(sessionId) : undefined;
      const session = sessionId ? this.options.hub.sessions.get(sessionId) : undefined;
      if (!transport || !session) {
        req.resume();
        throw new HttpError(404, ErrorCode.InvalidRequest, 'Session not found: open GET /sse first');
      }
      const owner = await authorize(session.scope.kind === 'server' ? session.scope.server : undefined);
      if (owner === undefined) return void req.resume();
      if (owner !== session.owner) {
        req.resume();
        throw new HttpError(404, ErrorCode.InvalidRequest, 'Session not found');
      }
      const contentType = (req.headers['content-type'] ?? '').toLowerCase();
      if (contentType && !contentType.startsWith('application/json')) {
        req.resume();
        throw new HttpError(415, ErrorCode.InvalidRequest, 'Content-Type must be application/json');
      }
      const { messages } = parseMessages(
        await readJsonRpcBody(req, this.options.maxBodyBytes(), this.options.bodyBounds),
      );
      res.writeHead(202, { 'Content-Type': 'text/plain' });
      res.end('Accepted');
      for (const message of messages) {
        await transport.handleMessage(message, { requestInfo: { headers: req.headers } });
      }
    } catch (error) {
      if (error instanceof HttpError) return sendHttpError(res, error);
      sendHttpError(res, new HttpError(400, ErrorCode.InvalidRequest, (error as Error).message));
    }
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#transports.values()].map((t) => t.close()));
  }
}
