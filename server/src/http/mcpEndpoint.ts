import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { QuotaExceeded } from '../hub/admission.js';
import type { Caller } from '../hub/clientLimits.js';
import { newSessionId, type HubSession, type Scope } from '../hub/session.js';
import {
  acceptedTypes,
  badRequest,
  HttpError,
  isRequest,
  quotaRefusal,
  readMessages,
  requireJsonBody,
  sendHttpError,
  type EndpointOptions,
} from './jsonRpcHttp.js';
import { SessionTransport } from './sessionTransport.js';
import { StatelessWire } from '../wire/statelessWire.js';
import { markRevision } from '../wire/marker.js';

export interface McpEndpointOptions extends EndpointOptions {
  /** The stateless MCP 2026-07-28 wire, served on the same URL (absent: sessionless requests get a throwaway session). */
  modern?: StatelessWire;
}

const ALLOW = 'GET, POST, DELETE, HEAD, OPTIONS';

interface LiveSession {
  session: HubSession;
  transport: SessionTransport;
}

/**
 * The Streamable HTTP endpoint `/mcp` and `/mcp/<server>`. Strict where the spec protects the user and
 * lenient where real clients (Claude first) are known to deviate: `Accept: *\/*`, a missing session id
 * on notifications, and session ids Ferry no longer knows (after a restart), which are re-created.
 * Every new session, re-created ones included, is admitted by the hub under the per-client caps.
 */
export class McpEndpoint {
  readonly #live = new Map<string, LiveSession>();
  /** Re-creations under way: parallel requests with one unknown id wait for the same session. */
  readonly #recreating = new Map<string, Promise<LiveSession>>();
  readonly #options: McpEndpointOptions;

  constructor(options: McpEndpointOptions) {
    this.#options = options;
  }

  get sessionCount(): number {
    return this.#live.size;
  }

  async handle(req: IncomingMessage, res: ServerResponse, scope: Scope, caller: Caller): Promise<void> {
    try {
      if (scope.kind === 'server' && !this.#options.hub.hasServer(scope.server)) {
        throw new HttpError(404, ErrorCode.InvalidRequest, `no server named "${scope.server}" in Ferry`);
      }
      switch (req.method) {
        case 'POST':
          return await this.#post(req, res, scope, caller);
        case 'GET':
          return await this.#get(req, res, scope, caller);
        case 'DELETE':
          return await this.#delete(req, res, caller);
        case 'HEAD':
          res.writeHead(204, { Allow: ALLOW, 'MCP-Protocol-Version': LATEST_PROTOCOL_VERSION });
          res.end();
          return;
        default:
          throw new HttpError(405, ErrorCode.InvalidRequest, `method ${req.method} not allowed`, {
            Allow: ALLOW,
          });
      }
    } catch (error) {
      if (error instanceof HttpError) return sendHttpError(res, error);
      if (error instanceof QuotaExceeded) {
        this.#options.bus.log('warn', 'http', `refused a session: ${error.message}`);
        return sendHttpError(res, quotaRefusal(error));
      }
      this.#options.bus.log(
        'error',
        'http',
        `MCP endpoint failed: ${(error as Error).stack ?? String(error)}`,
      );
      sendHttpError(res, new HttpError(500, ErrorCode.InternalError, 'internal error'));
    }
  }

  async #post(req: IncomingMessage, res: ServerResponse, scope: Scope, caller: Caller): Promise<void> {
    requireJsonBody(req);
    const accepts = acceptedTypes(req);
    if (!accepts.json && !accepts.sse) {
      req.resume();
      throw new HttpError(
        406,
        ErrorCode.InvalidRequest,
        'Accept must allow application/json or text/event-stream',
      );
    }
    const { messages, batch } = await readMessages(req, this.#options);
    // A client that takes only SSE still gets its answer; one that takes only JSON never gets a stream.
    const canSse = accepts.sse;
    // MCP 2026-07-28: no session at all; each request says who it is in its own `_meta`.
    const sessionId = headerValue(req, 'mcp-session-id');
    if (!sessionId && this.#options.modern && StatelessWire.claims(req, messages)) {
      return this.#options.modern.handle(req, res, messages, batch, scope, caller, canSse || !accepts.json);
    }
    const initialize = messages.find((m) => isRequest(m) && m.method === 'initialize');
    if (initialize) {
      if (messages.length > 1) throw badRequest('Invalid Request: initialize must be sent on its own');
      const live = await this.#admit(newSessionId(), scope, caller, true);
      return live.transport.handlePost(req, res, messages, batch, canSse || !accepts.json);
    }
    if (sessionId) {
      const live = await this.#findOrRecreate(sessionId, scope, caller, true);
      if (!sameScope(live.session.scope, scope)) {
        throw new HttpError(404, ErrorCode.InvalidRequest, 'Session not found on this endpoint');
      }
      live.session.touch();
      markRevision(res, live.session.protocolVersion);
      return live.transport.handlePost(req, res, messages, batch, canSse || !accepts.json);
    }
    if (!messages.some(isRequest)) {
      // Claude sends notifications/initialized without the session id: accept it, there is nothing to do.
      res.writeHead(202);
      res.end();
      return;
    }
    // A request with no session: served by a throwaway session (stateless clients, 2026 revision).
    const live = this.#open(newSessionId(), scope, caller, 'stateless');
    try {
      await live.transport.handlePost(req, res, messages, batch, canSse || !accepts.json);
      // The client may have gone (a tunnel restart): that is no cancellation, so its calls finish first.
      await live.session.whenIdle();
    } finally {
      await this.#close(live.session.id, 'stateless request done');
    }
  }

  async #get(req: IncomingMessage, res: ServerResponse, scope: Scope, caller: Caller): Promise<void> {
    const accepts = acceptedTypes(req);
    if (!accepts.sse) {
      throw new HttpError(
        406,
        ErrorCode.InvalidRequest,
        'Accept must allow text/event-stream for the GET stream',
      );
    }
    const sessionId = headerValue(req, 'mcp-session-id');
    if (!sessionId) {
      throw new HttpError(405, ErrorCode.InvalidRequest, 'GET needs an Mcp-Session-Id: initialize first', {
        Allow: 'POST, DELETE, HEAD, OPTIONS',
      });
    }
    // A stream reopened on an unknown id is no activity to close another session for (see AdmissionRequest).
    const live = await this.#findOrRecreate(sessionId, scope, caller, false);
    if (!sameScope(live.session.scope, scope)) {
      throw new HttpError(404, ErrorCode.InvalidRequest, 'Session not found on this endpoint');
    }
    live.session.touch();
    live.transport.handleGet(res);
  }

  async #delete(req: IncomingMessage, res: ServerResponse, caller: Caller): Promise<void> {
    const sessionId = headerValue(req, 'mcp-session-id');
    if (!sessionId) throw badRequest('DELETE needs an Mcp-Session-Id header');
    const live = this.#live.get(sessionId);
    if (!live || live.session.owner !== caller.grantId)
      throw new HttpError(404, ErrorCode.InvalidRequest, 'Session not found');
    await this.#close(sessionId, 'client ended the session');
    res.writeHead(200, { 'Mcp-Session-Id': sessionId });
    res.end();
  }

  /**
   * A session id Ferry does not know, from a client that already initialized (Ferry restarted, or the
   * session expired). Claude never re-initializes after a 404, so the session is rebuilt under the same id.
   */
  async #findOrRecreate(
    sessionId: string,
    scope: Scope,
    caller: Caller,
    mayEvict: boolean,
  ): Promise<LiveSession> {
    const live = this.#live.get(sessionId) ?? (await this.#recreating.get(sessionId));
    if (live) {
      // A session belongs to the grant that opened it: another client's token cannot ride on it.
      if (live.session.owner !== caller.grantId)
        throw new HttpError(404, ErrorCode.InvalidRequest, 'Session not found');
      return live;
    }
    if (!/^[\x21-\x7e]{1,128}$/.test(sessionId)) throw badRequest('Mcp-Session-Id must be visible ASCII');
    // An id taken by a legacy stream (or a closing session) is no unknown id: re-creating it would replace that session.
    if (this.#options.hub.sessions.has(sessionId))
      throw new HttpError(404, ErrorCode.InvalidRequest, 'Session not found');
    const recreating = this.#recreate(sessionId, scope, caller, mayEvict);
    this.#recreating.set(sessionId, recreating);
    try {
      return await recreating;
    } finally {
      this.#recreating.delete(sessionId);
    }
  }

  /** Re-created ids count against the same caps as new sessions: inventing ids gains a client nothing. */
  async #recreate(sessionId: string, scope: Scope, caller: Caller, mayEvict: boolean): Promise<LiveSession> {
    const live = await this.#admit(sessionId, scope, caller, mayEvict);
    live.session.startOwnUpstreams();
    this.#options.bus.log(
      'info',
      'http',
      `re-created unknown session ${sessionId.slice(0, 8)}… transparently`,
    );
    return live;
  }

  #admit(sessionId: string, scope: Scope, caller: Caller, mayEvict: boolean): Promise<LiveSession> {
    return this.#options.hub.admit({ caller, kind: 'streamable', scope, mayEvict }, () =>
      this.#open(sessionId, scope, caller, 'streamable'),
    );
  }

  #open(sessionId: string, scope: Scope, caller: Caller, kind: 'streamable' | 'stateless'): LiveSession {
    const hub = this.#options.hub;
    const endpoint = scope.kind === 'all' ? '/mcp' : `/mcp/${scope.server}`;
    const session = hub.openSession(sessionId, scope, endpoint, { caller, kind });
    const transport = new SessionTransport({ sessionId, keepAliveMs: this.#options.keepAliveMs() });
    const live = { session, transport };
    if (kind === 'streamable') this.#live.set(sessionId, live);
    transport.onclose = () => {
      if (this.#live.get(sessionId) === live) this.#live.delete(sessionId);
    };
    void session.connect(transport);
    return live;
  }

  async #close(sessionId: string, reason: string): Promise<void> {
    this.#live.delete(sessionId);
    await this.#options.hub.closeSession(sessionId, reason);
  }

  /** Closes sessions idle longer than `idleMs` with no open stream or request. */
  sweep(idleMs: number, now = Date.now()): void {
    for (const live of this.#live.values()) {
      if (!live.transport.busy && now - live.session.lastActivity > idleMs) {
        void this.#close(live.session.id, 'idle');
      }
    }
  }

  async closeAll(reason = 'Ferry is shutting down'): Promise<void> {
    await Promise.allSettled([
      ...[...this.#live.keys()].map((id) => this.#close(id, reason)),
      this.#options.modern?.closeAll(),
    ]);
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sameScope(a: Scope, b: Scope): boolean {
  return a.kind === b.kind && (a.kind === 'all' || (b.kind === 'server' && a.server === b.server));
}
