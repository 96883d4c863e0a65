import { timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import type { EventBus } from '../events/bus.js';
import type { Stamped } from '../events/types.js';
import { BodyError } from '../util/body.js';
import { bodyBackstop, boundedBody } from '../http/bodyMiddleware.js';
import { listenerBounds, type ListenerBounds } from '../http/bounds.js';
import { createExpressServer } from '../http/expressServer.js';
import { SSE_HEADERS, writeSseKeepAlive } from '../http/sseStream.js';
import type { AdminApi } from './api.js';
import { AdminDownload } from './download.js';
import { AdminError, adminErrorOf } from './errors.js';
import { BODY_METHODS, createAdminRouter } from './router.js';
import { defaultUiDir, serveUi } from './staticUi.js';

export interface AdminListenerOptions {
  api: AdminApi;
  bus: EventBus;
  host: string;
  port: number;
  token: string;
  /** The built window served at `/` (default: renderer/dist next to the compiled server). */
  uiDir?: string;
  /** Overrides of the body bounds (tests shorten them). */
  bounds?: Partial<ListenerBounds>;
}

export interface AdminListener {
  readonly url: URL;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Largest admin request body: a server definition or settings, a few KiB; 1 MiB leaves ample room. */
const ADMIN_BODY_LIMIT = 1024 * 1024;

/**
 * The headless admin surface: loopback only, a per-launch bearer token, and Host/Origin pinned to its own
 * origin so a web page cannot reach it through DNS rebinding. Never mounted on the public listener.
 * An express app whose `/api` routes all go through the admin router's one dispatch function (the same one
 * Electron's IPC calls), so an operation added to `operations.ts` is served here without touching this file.
 */
export async function startAdminListener(options: AdminListenerOptions): Promise<AdminListener> {
  const dispatch = createAdminRouter(options.api);
  const bounds = listenerBounds(options.bounds);
  const uiDir = options.uiDir ?? defaultUiDir();
  const local = { origin: '' };
  const expected = Buffer.from(`Bearer ${options.token}`);

  const app = express();
  app.disable('x-powered-by');
  // Admin answers are live state sent with `no-store`: no ETag, so no 304 from a stale validator.
  app.set('etag', false);
  app.use(bodyBackstop(bounds));
  app.use(loopbackHostOnly, ownOriginOnly(local));
  // The window's files hold no data, so they need no token; everything else does.
  app.use(async (req, res, next) => {
    if (req.method !== 'GET' || req.path.startsWith('/api/')) return next();
    if (await serveUi(uiDir, req.path, res)) return;
    throw new AdminError('not_found', `nothing at ${req.path}`);
  });
  app.use((req, _res, next) => {
    const presented = Buffer.from(req.headers.authorization ?? '');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      throw new AdminError('unauthorized', 'missing or wrong admin token (see runtime.json)');
    }
    next();
  });
  // Explicitly GET: express's `get` would also open the stream for a HEAD.
  app.all('/api/events', (req, res, next) =>
    req.method === 'GET' ? streamEvents(req, res, options.bus) : next(),
  );
  app.use('/api', boundedBody(ADMIN_BODY_LIMIT, bounds, BODY_METHODS), async (req, res) => {
    // Mounted at /api, so `req.url` is the path relative to the API root, query included. express types
    // `req.body` as any; `boundedBody` put a Buffer there (or nothing).
    const result = await dispatch(req.method, req.url, parseJson(req.body as Buffer | undefined));
    if (result instanceof AdminDownload) return sendDownload(res, result);
    sendJson(res, 200, result);
  });
  app.use((req) => {
    throw new AdminError('not_found', `nothing at ${req.path}`);
  });
  app.use(adminErrors(options.bus));

  const server = createExpressServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostText = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  local.origin = `http://${hostText}:${address.port}`;
  return {
    url: new URL(local.origin),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/*
 * Host and Origin are checked by hand: the MCP SDK's `hostHeaderValidation` allows the same loopback names
 * but answers with a JSON-RPC error body, and `cors` only decides which CORS headers to send, it refuses
 * nothing. The admin surface answers every refusal in its own `{ error: { code, message } }` shape.
 */
const loopbackHostOnly: RequestHandler = (req, _res, next) => {
  const host = (req.headers.host ?? '').toLowerCase();
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  if (!LOOPBACK.has(hostname)) throw new AdminError('forbidden', 'Host not allowed');
  next();
};

function ownOriginOnly(local: { origin: string }): RequestHandler {
  return (req, _res, next) => {
    if (req.headers.origin !== undefined && req.headers.origin !== local.origin) {
      throw new AdminError('forbidden', 'Origin not allowed');
    }
    next();
  };
}

/** The body read by `boundedBody` as JSON: an empty body is no body. */
function parseJson(raw: Buffer | undefined): unknown {
  if (raw === undefined || raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AdminError('invalid_input', 'body is not valid JSON');
  }
}

/** Every failure as the admin error shape; a body that could not be read maps by its kind. */
function adminErrors(bus: EventBus): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    req.resume();
    const admin =
      error instanceof AdminError
        ? error
        : error instanceof BodyError
          ? new AdminError(
              error.kind === 'timeout'
                ? 'timeout'
                : error.kind === 'too_large'
                  ? 'too_large'
                  : 'invalid_input',
              error.message,
            )
          : adminErrorOf(error);
    if (admin.code === 'internal') bus.log('error', 'admin', String((error as Error).stack ?? error));
    // After a body Ferry did not read to its end, the connection is not reused.
    const close = admin.code === 'too_large' || admin.code === 'timeout';
    sendJson(res, admin.status, { error: admin.toJSON() }, close ? { Connection: 'close' } : {});
  };
}

function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify(value ?? null);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}

/**
 * Streams a file line by line, waiting for the socket to drain (a large export never piles up in memory),
 * and stops reading it when the client goes away. An error midway can no longer change the status: the
 * connection is cut, so the download is visibly incomplete rather than silently short.
 */
async function sendDownload(res: ServerResponse, download: AdminDownload): Promise<void> {
  res.writeHead(200, {
    'Content-Type': `${download.contentType}; charset=utf-8`,
    'Content-Disposition': `attachment; filename="${download.filename.replace(/[^\w.-]/g, '_')}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  try {
    for await (const line of download.lines) {
      if (res.destroyed) break;
      if (!res.write(line)) await drained(res);
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    await download.lines.return(undefined);
  }
}

/** Longest wait for a reader to take more of a download before the connection is cut (a stalled reader). */
const DOWNLOAD_DRAIN_MS = 60_000;

/** Resolves when the socket takes more, or it closes; rejects after DOWNLOAD_DRAIN_MS. */
async function drained(res: ServerResponse): Promise<void> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(new Error('the reader stalled')), DOWNLOAD_DRAIN_MS);
  try {
    await Promise.race([
      once(res, 'drain', { signal: stop.signal }),
      once(res, 'close', { signal: stop.signal }),
    ]);
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
}

/** Live events as SSE; `Last-Event-ID` (or `?since=`) replays what a reconnecting client missed. */
function streamEvents(req: Request, res: ServerResponse, bus: EventBus): void {
  const query = typeof req.query.since === 'string' ? req.query.since : undefined;
  const since = Number(req.headers['last-event-id'] ?? query ?? bus.lastSeq);
  res.writeHead(200, SSE_HEADERS);
  const write = (event: Stamped) =>
    res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  for (const event of bus.since(Number.isFinite(since) ? since : bus.lastSeq)) write(event);
  const unsubscribe = bus.subscribe(write);
  const timer = setInterval(() => writeSseKeepAlive(res), 15_000);
  res.on('close', () => {
    clearInterval(timer);
    unsubscribe();
  });
}
