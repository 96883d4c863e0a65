import { timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventBus } from '../events/bus.js';
import type { Stamped } from '../events/types.js';
import { BodyError, readBody, watchBody } from '../util/body.js';
import { listenerBounds, type ListenerBounds } from '../http/bounds.js';
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
 */
export async function startAdminListener(options: AdminListenerOptions): Promise<AdminListener> {
  const dispatch = createAdminRouter(options.api);
  const bounds = listenerBounds(options.bounds);
  let origin = '';
  const expected = Buffer.from(`Bearer ${options.token}`);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = (req.headers.host ?? '').toLowerCase();
    const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
    if (!LOOPBACK.has(hostname)) throw new AdminError('forbidden', 'Host not allowed');
    if (req.headers.origin !== undefined && req.headers.origin !== origin) {
      throw new AdminError('forbidden', 'Origin not allowed');
    }
    const url = new URL(req.url ?? '/', origin);
    if (req.method === 'GET' && !url.pathname.startsWith('/api/')) {
      if (await serveUi(options.uiDir ?? defaultUiDir(), url.pathname, res)) return;
      throw new AdminError('not_found', `nothing at ${url.pathname}`);
    }
    const presented = Buffer.from(req.headers.authorization ?? '');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      throw new AdminError('unauthorized', 'missing or wrong admin token (see runtime.json)');
    }
    if (req.method === 'GET' && url.pathname === '/api/events')
      return streamEvents(req, res, options.bus, url);
    if (!url.pathname.startsWith('/api/')) throw new AdminError('not_found', `nothing at ${url.pathname}`);
    const method = req.method ?? 'GET';
    let body: unknown;
    if (BODY_METHODS.has(method)) {
      const raw = await readBody(req, ADMIN_BODY_LIMIT, bounds).catch((error: unknown) => {
        if (!(error instanceof BodyError)) throw error;
        throw new AdminError(
          error.kind === 'timeout' ? 'timeout' : error.kind === 'too_large' ? 'too_large' : 'invalid_input',
          error.message,
        );
      });
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        throw new AdminError('invalid_input', 'body is not valid JSON');
      }
    }
    const result = await dispatch(method, `${url.pathname.slice('/api'.length)}${url.search}`, body);
    if (result instanceof AdminDownload) return sendDownload(res, result);
    return sendJson(res, 200, result);
  };

  const server = createServer((req, res) => {
    watchBody(req, res, bounds);
    handle(req, res).catch((error: unknown) => {
      req.resume();
      const admin = adminErrorOf(error);
      if (admin.code === 'internal')
        options.bus.log('error', 'admin', String((error as Error).stack ?? error));
      // After a body Ferry did not read to its end, the connection is not reused.
      const close = admin.code === 'too_large' || admin.code === 'timeout';
      sendJson(res, admin.status, { error: admin.toJSON() }, close ? { Connection: 'close' } : {});
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostText = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${hostText}:${address.port}`;
  return {
    url: new URL(origin),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
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
function streamEvents(req: IncomingMessage, res: ServerResponse, bus: EventBus, url: URL): void {
  const since = Number(req.headers['last-event-id'] ?? url.searchParams.get('since') ?? bus.lastSeq);
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
