import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { EventBus } from '../events/bus.js';
import type { Auth } from '../auth/index.js';
import { LOCAL_CALLER, type Caller } from '../hub/clientLimits.js';
import type { Hub } from '../hub/hub.js';
import { HttpError, sendHttpError } from './jsonRpcHttp.js';
import type { LegacySseEndpoint } from './legacySse.js';
import { McpEndpoint } from './mcpEndpoint.js';
import { OriginPolicy } from './originPolicy.js';

export interface PublicListenerOptions {
  hub: Hub;
  bus: EventBus;
  host: string;
  port: number;
  /** The externally visible origin; read per request because the tunnel can change it. */
  publicUrl: () => URL | undefined;
  allowedHosts: () => string[];
  maxBodyBytes: () => number;
  keepAliveMs: () => number;
  sessionIdleMs: () => number;
  /** The OAuth server in front of every MCP route; absent only in loopback-only `--no-auth` mode. */
  auth?: Auth;
}

/** Exposes the MCP endpoint's session handling for status and tests. */
export interface PublicListener {
  readonly url: URL;
  readonly mcp: McpEndpoint;
  close(): Promise<void>;
}

const SERVER_PATH = /^\/mcp\/([a-zA-Z0-9_-]{1,48})\/?$/;
const LEGACY_SERVER_PATH = /^\/sse\/([a-zA-Z0-9_-]{1,48})\/?$/;

/**
 * The only listener the internet reaches (through the tunnel): MCP endpoints and, later, OAuth.
 * Nothing administrative is routed here.
 */
export async function startPublicListener(options: PublicListenerOptions): Promise<PublicListener> {
  const { auth } = options;
  const mcp = new McpEndpoint({
    hub: options.hub,
    bus: options.bus,
    maxBodyBytes: options.maxBodyBytes,
    keepAliveMs: options.keepAliveMs,
  });
  /**
   * Every MCP route needs a token for its exact resource URL. The grant is bound to the session; the
   * client id is what the per-client caps count (without OAuth, loopback only, there is one client).
   */
  const guard = async (
    req: IncomingMessage,
    res: ServerResponse,
    server?: string,
  ): Promise<Caller | undefined> => {
    if (!auth) return LOCAL_CALLER;
    const granted = await auth.authorize(req, res, auth.resources.mcp(server));
    if (!granted) return undefined;
    // Every token Ferry issues names its client; a grant stands in for one that would not.
    return { grantId: granted.grantId, clientId: granted.clientId ?? `grant:${granted.grantId}` };
  };
  // Few clients still speak the 2024 HTTP+SSE transport: its code (and the SDK's) loads on first use.
  let legacyEndpoint: Promise<LegacySseEndpoint> | undefined;
  const legacy = () =>
    (legacyEndpoint ??= import('./legacySse.js').then(
      ({ LegacySseEndpoint }) =>
        new LegacySseEndpoint({
          hub: options.hub,
          bus: options.bus,
          maxBodyBytes: options.maxBodyBytes,
          keepAliveMs: options.keepAliveMs,
        }),
    ));
  // Known only once listening; the policy reads it per request.
  const local: { url?: URL } = {};
  const policy = new OriginPolicy(
    () => options.publicUrl() ?? (local.url as URL),
    options.allowedHosts,
    // Without OAuth only loopback may talk to Ferry: a tunnel's Host header is refused outright.
    { loopbackOnly: !auth },
  );

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!policy.hostAllowed(req)) {
      req.resume();
      options.bus.log(
        'warn',
        'http',
        `refused request with Host "${req.headers.host ?? ''}" (DNS rebinding defence)`,
      );
      return sendHttpError(res, new HttpError(403, ErrorCode.InvalidRequest, 'Host not allowed'));
    }
    if (!policy.originAllowed(req)) {
      req.resume();
      options.bus.log('warn', 'http', `refused request from Origin "${req.headers.origin ?? ''}"`);
      return sendHttpError(res, new HttpError(403, ErrorCode.InvalidRequest, 'Origin not allowed'));
    }
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname;
    if (req.headers.origin) applyCors(req, res);
    if (auth && (await auth.handle(req, res, url))) return;
    if (req.method === 'OPTIONS') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (path === '/mcp' || path === '/mcp/') {
      const caller = await guard(req, res);
      if (caller === undefined) return void req.resume();
      return mcp.handle(req, res, { kind: 'all' }, caller);
    }
    const single = SERVER_PATH.exec(path);
    if (single) {
      const server = single[1] as string;
      if (!options.hub.hasServer(server)) {
        req.resume();
        return sendHttpError(
          res,
          new HttpError(404, ErrorCode.InvalidRequest, `no server named "${server}" in Ferry`),
        );
      }
      const caller = await guard(req, res, server);
      if (caller === undefined) return void req.resume();
      return mcp.handle(req, res, { kind: 'server', server }, caller);
    }
    if (path === '/sse' && req.method === 'GET') {
      const caller = await guard(req, res);
      if (caller === undefined) return;
      return (await legacy()).openStream(res, { kind: 'all' }, '/messages', caller);
    }
    const legacySingle = LEGACY_SERVER_PATH.exec(path);
    if (legacySingle && req.method === 'GET') {
      const server = legacySingle[1] as string;
      if (!options.hub.hasServer(server)) {
        return sendHttpError(
          res,
          new HttpError(404, ErrorCode.InvalidRequest, `no server named "${server}"`),
        );
      }
      const caller = await guard(req, res, server);
      if (caller === undefined) return;
      return (await legacy()).openStream(res, { kind: 'server', server }, '/messages', caller);
    }
    if (path === '/messages' && req.method === 'POST') {
      return (await legacy()).postMessage(req, res, url.searchParams.get('sessionId'), (server) =>
        guard(req, res, server),
      );
    }
    req.resume();
    sendHttpError(res, new HttpError(404, ErrorCode.InvalidRequest, 'Not found'));
  };

  const server: Server = createServer((req, res) => {
    const started = performance.now();
    res.once('finish', () => {
      options.bus.emit({
        type: 'http.request',
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0] ?? '/',
        status: res.statusCode,
        userAgent: String(req.headers['user-agent'] ?? ''),
        authorized: req.headers.authorization !== undefined,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      });
    });
    route(req, res).catch((error: unknown) => {
      options.bus.log('error', 'http', `request failed: ${String(error)}`);
      sendHttpError(res, new HttpError(500, ErrorCode.InternalError, 'internal error'));
    });
  });
  // Long tool calls stream for minutes; Node's default 5-minute request timeout must not cut them.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 65_000;

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
  const sweeper = setInterval(() => mcp.sweep(options.sessionIdleMs()), 60_000);
  sweeper.unref();

  return {
    url: localUrl,
    mcp,
    async close() {
      clearInterval(sweeper);
      await Promise.allSettled([mcp.closeAll(), legacyEndpoint?.then((endpoint) => endpoint.closeAll())]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
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
