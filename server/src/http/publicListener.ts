import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import express, { type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import type { SettingsView } from '../config/live.js';
import type { EventBus } from '../events/bus.js';
import type { Auth } from '../auth/index.js';
import { LOCAL_CALLER, type Caller } from '../hub/clientLimits.js';
import type { Hub } from '../hub/hub.js';
import { watchBody } from '../util/body.js';
import { listenerBounds, type ListenerBounds } from './bounds.js';
import { ConnectionBudget } from './connectionBudget.js';
import { createExpressServer } from './expressServer.js';
import { HttpError, sendHttpError, type EndpointOptions } from './jsonRpcHttp.js';
import type { LegacySseEndpoint } from './legacySse.js';
import { McpEndpoint } from './mcpEndpoint.js';
import type { SecretStore } from '../secrets/types.js';
import { RequestStateSealer } from '../wire/requestState.js';
import { StatelessWire } from '../wire/statelessWire.js';
import { revisionOf } from '../wire/marker.js';
import { OriginPolicy } from './originPolicy.js';
import { serverHostTarget } from './serverHostRoute.js';
import type { ServerHosts } from './serverHosts.js';
import { PAUSED_MESSAGE, PAUSED_RETRY_AFTER_SECONDS } from '../exposure/pause.js';

export interface PublicListenerOptions {
  /** Where the key sealing MCP 2026-07-28 request state is kept (the OAuth keys' store). */
  secrets?: () => Promise<SecretStore>;
  hub: Hub;
  bus: EventBus;
  host: string;
  port: number;
  /** The externally visible origin; read per request because the tunnel can change it. */
  publicUrl: () => URL | undefined;
  /**
   * The settings in force, read per request: allowed Hosts and browser Origins besides Ferry's own, the body
   * cap, the SSE keep-alive and the idle-session timeout.
   */
  settings: SettingsView<
    'allowedHosts' | 'allowedOrigins' | 'maxBodyBytes' | 'keepAliveSeconds' | 'sessionIdleMinutes'
  >;
  /** A server's own hostname reaches Ferry like the main one (Host routing picks the server). */
  serverHosts?: Pick<ServerHosts, 'list'>;
  /** The OAuth server in front of every MCP route; absent only in loopback-only `--no-auth` mode. */
  auth?: Auth;
  /** Overrides of the body, socket and anonymous-request bounds (tests shorten them). */
  bounds?: Partial<ListenerBounds>;
  /** While true (the user paused exposure) every request is refused with 503; read per request. */
  paused?: () => boolean;
}

/** Exposes the MCP endpoint's session handling for status and tests. */
export interface PublicListener {
  readonly url: URL;
  readonly mcp: McpEndpoint;
  /** Ends every open MCP session and stream (both wires, and the 2024 SSE one) cleanly; the listener stays. */
  closeStreams(reason: string): Promise<void>;
  close(): Promise<void>;
}

/*
 * Routes are the regular expressions Ferry always matched: express's string paths would match any case, and
 * with a decoded `:server` would also route `/mcp/ab%63` to "abc". Their captures hold no `%`, so express's
 * parameter decoding leaves them as they are. `MCP_PATH` is `/mcp` (every server) and `/mcp/<server>`, each
 * with an optional trailing slash.
 */
const MCP_PATH = /^\/mcp(?:\/([a-zA-Z0-9_-]{1,48}))?\/?$/;
const LEGACY_PATH = /^\/sse$/;
const MESSAGES_PATH = /^\/messages$/;
const LEGACY_SERVER_PATH = /^\/sse\/([a-zA-Z0-9_-]{1,48})\/?$/;
/** Routes that check the bearer token before reading any body: a request with one is not anonymous. */
const GUARDED_PATH = /^\/(?:mcp|sse)(?:\/[a-zA-Z0-9_-]{1,48})?\/?$|^\/messages$/;

/**
 * The only listener the internet reaches (through the tunnel): the MCP endpoints and OAuth.
 * Nothing administrative is routed here.
 */
export async function startPublicListener(options: PublicListenerOptions): Promise<PublicListener> {
  const { auth, settings } = options;
  const maxBodyBytes = () => settings.ferry.maxBodyBytes;
  const keepAliveMs = () => settings.ferry.keepAliveSeconds * 1000;
  const bounds = listenerBounds(options.bounds);
  const budget = new ConnectionBudget(bounds);
  let sealer: Promise<RequestStateSealer> | undefined;
  const modern = new StatelessWire({
    hub: options.hub,
    bus: options.bus,
    keepAliveMs,
    // The key that seals input-required state lives with the other secrets; made on first use.
    sealer: () =>
      (sealer ??= (options.secrets ? options.secrets() : Promise.resolve(undefined)).then(
        (store) => RequestStateSealer.open(store),
        () => RequestStateSealer.open(undefined),
      )),
  });
  const endpoint: EndpointOptions = {
    hub: options.hub,
    bus: options.bus,
    maxBodyBytes,
    bodyBounds: bounds,
    keepAliveMs,
  };
  const mcp = new McpEndpoint({ ...endpoint, modern });
  /**
   * Every MCP route needs a token for its exact resource URL. The grant is bound to the session; the
   * client id is what the per-client caps count (without OAuth, loopback only, there is one client).
   */
  const guard = async (
    req: IncomingMessage,
    res: ServerResponse,
    server?: string,
    resource?: string,
  ): Promise<Caller | undefined> => {
    if (!auth) {
      budget.trust(req);
      return LOCAL_CALLER;
    }
    const granted = await auth.authorize(req, res, resource ?? auth.resources.mcp(server));
    if (!granted) return undefined;
    budget.trust(req);
    // Every token Ferry issues names its client; a grant stands in for one that would not.
    return { grantId: granted.grantId, clientId: granted.clientId ?? `grant:${granted.grantId}` };
  };
  // Few clients still speak the 2024 HTTP+SSE transport: its code (and the SDK's) loads on first use.
  let legacyEndpoint: Promise<LegacySseEndpoint> | undefined;
  const legacy = () =>
    (legacyEndpoint ??= import('./legacySse.js').then(
      ({ LegacySseEndpoint }) => new LegacySseEndpoint(endpoint),
    ));
  // Known only once listening; the policy reads it per request.
  const local: { url?: URL } = {};
  const allowedHosts = () => [...settings.ferry.allowedHosts, ...(options.serverHosts?.list() ?? [])];
  const policy = new OriginPolicy(() => options.publicUrl() ?? (local.url as URL), allowedHosts, {
    // Without OAuth only loopback may talk to Ferry: a tunnel's Host header is refused outright.
    loopbackOnly: !auth,
    localUrl: () => local.url,
    allowedOrigins: () => settings.ferry.allowedOrigins,
  });

  let busy = false;
  /** Per request: the `http.request` event and the socket budget. */
  const observe = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    budget.track(req, res);
    res.once('finish', () => {
      options.bus.emit({
        type: 'http.request',
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0] ?? '/',
        status: res.statusCode,
        userAgent: String(req.headers['user-agent'] ?? ''),
        authorized: req.headers.authorization !== undefined,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...protocolOf(req, res),
      });
    });
  };
  /** Before anything is read or counted: a paused Ferry answers at once and forwards nothing. */
  const refusedWhilePaused = (req: IncomingMessage, res: ServerResponse, guarded: boolean): boolean => {
    if (!options.paused?.()) return false;
    req.resume();
    sendUnavailable(res, guarded, PAUSED_MESSAGE, PAUSED_RETRY_AFTER_SECONDS);
    return true;
  };
  /** Requests that show no bearer token (or are not on a guarded route) share `maxAnonymousRequests`. */
  const refusedAnonymous = (req: IncomingMessage, res: ServerResponse, guarded: boolean): boolean => {
    const bearer = /^Bearer\s/i.test(req.headers.authorization ?? '');
    if (bearer && guarded) return false;
    if (budget.takeAnonymous(req)) {
      busy = false;
      return false;
    }
    // Once per episode: a flood would otherwise flood the log too.
    if (!busy)
      options.bus.log(
        'warn',
        'http',
        `refusing requests without an access token: ${bounds.maxAnonymousRequests} already in flight`,
      );
    busy = true;
    sendUnavailable(
      res,
      guarded,
      'too many requests without an access token; retry later',
      bounds.retryAfterSeconds,
    );
    return true;
  };
  /*
   * Host and Origin by hand: the MCP SDK's `hostHeaderValidation` takes a fixed list, but the public host
   * moves with the tunnel and is read per request, and `cors` (not a dependency of Ferry's own) refuses
   * nothing. A refusal is the JSON-RPC error every MCP client already reads from this listener.
   */
  const refusedHostOrOrigin = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!policy.hostAllowed(req)) {
      req.resume();
      options.bus.log(
        'warn',
        'http',
        `refused request with Host "${req.headers.host ?? ''}" (DNS rebinding defence)`,
      );
      sendHttpError(res, new HttpError(403, ErrorCode.InvalidRequest, 'Host not allowed'));
      return true;
    }
    if (!policy.originAllowed(req)) {
      req.resume();
      options.bus.log('warn', 'http', `refused request from Origin "${req.headers.origin ?? ''}"`);
      sendHttpError(res, new HttpError(403, ErrorCode.InvalidRequest, 'Origin not allowed'));
      return true;
    }
    if (req.headers.origin) applyCors(req, res);
    return false;
  };
  /**
   * What every request meets first, in this order: it is observed and its body bounded (whoever reads it),
   * then refused if Ferry is paused, past the anonymous cap, or from a Host or Origin it does not serve. One
   * middleware rather than five: each express layer costs the MCP path a route match (issue #17's bench).
   */
  const admission: RequestHandler = (req, res, next) => {
    observe(req, res);
    watchBody(req, res, bounds);
    const guarded = GUARDED_PATH.test(req.path);
    if (refusedWhilePaused(req, res, guarded) || refusedAnonymous(req, res, guarded)) return;
    if (refusedHostOrOrigin(req, res)) return;
    next();
  };
  /**
   * After OAuth, as one layer: a preflight nothing before answered (OAuth answers its own) is allowed, with
   * the CORS headers `admission` set; a server's own hostname serves that server alone, at exactly /mcp,
   * never the aggregate.
   */
  const preflightOrServerHost: RequestHandler = async (req, res, next) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204);
      return void res.end();
    }
    const hostServer = auth?.resources.hostServer(req.headers.host);
    if (!auth || hostServer === undefined) return next();
    const target = serverHostTarget(req.path, hostServer, options.hub.hasServer(hostServer));
    if (target.kind === 'error') {
      req.resume();
      return sendHttpError(res, target.error);
    }
    const owner = await guard(req, res, hostServer, auth.resources.hostMcp(hostServer));
    if (owner === undefined) return void req.resume();
    return mcp.handle(req, res, { kind: 'server', server: hostServer }, owner);
  };
  /** A path naming a server Ferry does not have: 404, its body (if any) drained. */
  const refusedUnknown = (req: IncomingMessage, res: ServerResponse, server: string, message: string) => {
    if (options.hub.hasServer(server)) return false;
    req.resume();
    sendHttpError(res, new HttpError(404, ErrorCode.InvalidRequest, message));
    return true;
  };
  /**
   * Both MCP routes in one (the path's server, if any, must exist; checked before the token, as it always
   * was), right after `admission`: OAuth routes none of these paths on Ferry's own host, so a tool call
   * crosses two express layers. A preflight, and every request to a server's own hostname, go on to the
   * layers after OAuth.
   */
  const mcpRoute: RequestHandler = async (req, res, next) => {
    if (req.method === 'OPTIONS' || auth?.resources.hostServer(req.headers.host) !== undefined)
      return next('route');
    const server = req.params[0];
    if (server !== undefined && refusedUnknown(req, res, server, `no server named "${server}" in Ferry`))
      return;
    const caller = await guard(req, res, server);
    if (caller === undefined) return void req.resume();
    return mcp.handle(req, res, server === undefined ? { kind: 'all' } : { kind: 'server', server }, caller);
  };
  /**
   * Only `method` goes on along this route; any other falls through to the next route (and so to 404).
   * express's `get` would also take HEAD, which never opened a legacy stream.
   */
  const only =
    (method: string): RequestHandler =>
    (req, _res, next) =>
      next(req.method === method ? undefined : 'route');
  /** The legacy route's server must exist (checked before the token, as it always was). */
  const known: RequestHandler = (req, res, next) => {
    const server = serverParam(req.params);
    if (!refusedUnknown(req, res, server, `no server named "${server}"`)) next();
  };
  /** The bearer check for the route's resource; the caller goes to `res.locals` for the handler. */
  const guarded =
    (forServer: boolean): RequestHandler =>
    async (req, res, next) => {
      const caller = await guard(req, res, forServer ? serverParam(req.params) : undefined);
      if (caller === undefined) return void req.resume();
      res.locals.caller = caller;
      next();
    };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(admission);
  app.all(MCP_PATH, mcpRoute);
  // OAuth, metadata and the consent page: the auth part routes its own paths and passes on the rest.
  if (auth)
    app.use(async (req, res, next) => {
      if (!(await auth.handle(req, res, new URL(req.url, 'http://local')))) next();
    });
  app.use(preflightOrServerHost);
  app.all(LEGACY_PATH, only('GET'), guarded(false), async (_req, res) =>
    (await legacy()).openStream(res, { kind: 'all' }, '/messages', callerOf(res)),
  );
  app.all(LEGACY_SERVER_PATH, only('GET'), known, guarded(true), async (req, res) =>
    (await legacy()).openStream(
      res,
      { kind: 'server', server: serverParam(req.params) },
      '/messages',
      callerOf(res),
    ),
  );
  app.all(MESSAGES_PATH, only('POST'), async (req, res) => {
    const sessionId = typeof req.query.sessionId === 'string' ? req.query.sessionId : null;
    return (await legacy()).postMessage(req, res, sessionId, (server) => guard(req, res, server));
  });
  app.use((req, res) => {
    req.resume();
    sendHttpError(res, new HttpError(404, ErrorCode.InvalidRequest, 'Not found'));
  });
  const failed: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    options.bus.log('error', 'http', `request failed: ${String(error)}`);
    sendHttpError(res, new HttpError(500, ErrorCode.InternalError, 'internal error'));
  };
  app.use(failed);

  const server: Server = createExpressServer(app, { connectionsCheckingInterval: HEADERS_CHECK_MS });
  // Long tool calls stream for minutes; Node's default 5-minute request timeout must not cut them.
  // Slow request bodies are bounded per body instead (`watchBody`, `readBody`).
  server.requestTimeout = 0;
  server.headersTimeout = bounds.headersMs;
  server.keepAliveTimeout = 65_000;
  budget.attach(server);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const localUrl = new URL(`http://${host}:${address.port}`);
  local.url = localUrl;
  const sweeper = setInterval(() => mcp.sweep(settings.ferry.sessionIdleMinutes * 60_000), 60_000);
  sweeper.unref();

  const closeStreams = async (reason: string): Promise<void> => {
    await Promise.allSettled([mcp.closeAll(reason), legacyEndpoint?.then((endpoint) => endpoint.closeAll())]);
  };
  return {
    url: localUrl,
    mcp,
    closeStreams,
    async close() {
      clearInterval(sweeper);
      await closeStreams('Ferry is shutting down');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** How often Node looks for requests whose headers are overdue (its default, 30 s, would double `headersMs`). */
const HEADERS_CHECK_MS = 1_000;

/** The server name a route's regular expression captured. */
function serverParam(params: Record<string, string | string[]>): string {
  return String(params[0]);
}

/** The caller `guarded` put on the response. */
function callerOf(res: Response): Caller {
  return res.locals.caller as Caller;
}

/**
 * 503 (past the anonymous cap, or paused by the user), as a JSON-RPC error on MCP routes and an OAuth error
 * elsewhere, so each kind of client reads it as its own protocol's "try later".
 */
function sendUnavailable(
  res: ServerResponse,
  mcpRoute: boolean,
  message: string,
  retryAfterSeconds: number,
): void {
  const headers = { 'Retry-After': String(retryAfterSeconds) };
  if (mcpRoute) return sendHttpError(res, new HttpError(503, ErrorCode.InternalError, message, headers));
  const body = JSON.stringify({ error: 'temporarily_unavailable', error_description: message });
  res.writeHead(503, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

function applyCors(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', req.headers.origin as string);
  res.setHeader('Vary', 'Origin');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, HEAD, OPTIONS');
  res.setHeader(
    'Access-Control-Allow-Headers',
    'Content-Type, Accept, Authorization, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID',
  );
  res.setHeader('Access-Control-Expose-Headers', 'Mcp-Session-Id, WWW-Authenticate');
}

/** The revision a response was answered in: as the wire decided it, else as the client's header said. */
function protocolOf(req: IncomingMessage, res: ServerResponse): { protocol?: string } {
  const decided = revisionOf(res);
  if (decided) return { protocol: decided };
  const header = req.headers['mcp-protocol-version'];
  return typeof header === 'string' && /^[\x21-\x7e]{1,32}$/.test(header) ? { protocol: header } : {};
}
