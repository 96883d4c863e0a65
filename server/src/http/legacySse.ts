import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { QuotaExceeded } from '../hub/admission.js';
import type { Caller } from '../hub/clientLimits.js';
import type { Scope } from '../hub/session.js';
import {
  HttpError,
  quotaRefusal,
  readMessages,
  requireJsonBody,
  sendHttpError,
  type EndpointOptions,
} from './jsonRpcHttp.js';
import { writeSseKeepAlive } from './sseStream.js';

/**
 * The 2024-11-05 HTTP+SSE transport (`GET /sse` + `POST /messages?sessionId=`) for older clients,
 * on the SDK's SSEServerTransport; Ferry adds body limits, batch support, keep-alives, and the per-client
 * cap on streams (a stream over the cap is refused before it starts).
 */
export class LegacySseEndpoint {
  readonly #transports = new Map<string, SSEServerTransport>();

  constructor(private readonly options: EndpointOptions) {}

  async openStream(res: ServerResponse, scope: Scope, messagesPath: string, caller: Caller): Promise<void> {
    const hub = this.options.hub;
    let gone = false;
    res.once('close', () => (gone = true));
    const endpoint = scope.kind === 'all' ? '/sse' : `/sse/${scope.server}`;
    let opened: { transport: SSEServerTransport; id: string };
    try {
      opened = await hub.admit({ caller, kind: 'legacy', scope, mayEvict: true }, () => {
        const transport = new SSEServerTransport(messagesPath, res);
        hub.openSession(transport.sessionId, scope, endpoint, { caller, kind: 'legacy' });
        return { transport, id: transport.sessionId };
      });
    } catch (error) {
      if (!(error instanceof QuotaExceeded)) throw error;
      this.options.bus.log('warn', 'http', `refused a legacy SSE stream: ${error.message}`);
      return sendHttpError(res, quotaRefusal(error));
    }
    const { transport, id } = opened;
    const session = hub.sessions.get(id);
    if (gone || !session) {
      // The client left while its stream waited for room: nothing will ever close this session otherwise.
      await hub.closeSession(id, 'SSE stream closed');
      return;
    }
    this.#transports.set(id, transport);
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
    authorize: (server?: string) => Promise<Caller | undefined>,
  ): Promise<void> {
    try {
      const transport = sessionId ? this.#transports.get(sessionId) : undefined;
      const session = sessionId ? this.options.hub.sessions.get(sessionId) : undefined;
      if (!transport || !session) {
        req.resume();
        throw new HttpError(404, ErrorCode.InvalidRequest, 'Session not found: open GET /sse first');
      }
      const caller = await authorize(session.scope.kind === 'server' ? session.scope.server : undefined);
      if (caller === undefined) return void req.resume();
      if (caller.grantId !== session.owner) {
        req.resume();
        throw new HttpError(404, ErrorCode.InvalidRequest, 'Session not found');
      }
      requireJsonBody(req);
      const { messages } = await readMessages(req, this.options);
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
