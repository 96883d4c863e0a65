import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The time and drain bounds of one body read. The values and their reasons live with each listener's
 * bounds (`ListenerBounds` in http/bounds.ts, which has these fields); this file only applies them.
 */
export interface BodyBounds {
  bodyIdleMs: number;
  bodyTotalMs: number;
  drainBytes: number;
  drainMs: number;
}

export type BodyErrorKind = 'too_large' | 'timeout' | 'aborted';

const STATUS: Record<BodyErrorKind, number> = { too_large: 413, timeout: 408, aborted: 400 };

/** Why a body could not be read; each surface maps it to its own wire format (JSON-RPC, OAuth, admin). */
export class BodyError extends Error {
  constructor(
    readonly kind: BodyErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'BodyError';
  }

  get status(): number {
    return STATUS[this.kind];
  }
}

/**
 * How long the error answer to a timed-out body gets to leave before its socket is destroyed: the answer
 * carries `Connection: close`, this only catches a client that does not read it.
 */
const FLUSH_GRACE_MS = 1_000;

/**
 * Reads a request body up to `limit` bytes, within the body time bounds. A larger body is read on (and
 * thrown away) up to the drain bounds before the 413 is raised, so a client still sending can read the
 * answer; past them, or past a time bound, the socket is closed.
 */
export function readBody(req: IncomingMessage, limit: number, bounds: BodyBounds): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit + bounds.drainBytes) {
    // Too large to drain: answer at once; the socket closes after the answer.
    closeSoon(req);
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      clearTimeout(idle);
      clearTimeout(total);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    const timedOut = (what: string) => () => {
      stop();
      closeSoon(req);
      reject(new BodyError('timeout', `request body ${what}`));
    };
    let idle = setTimeout(timedOut(`stalled for ${bounds.bodyIdleMs} ms`), bounds.bodyIdleMs);
    const total = setTimeout(timedOut(`not received within ${bounds.bodyTotalMs} ms`), bounds.bodyTotalMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stop();
        // Attached before this handler returns, so no chunk is lost uncounted.
        void discardBody(req, bounds).then(() => reject(tooLarge(limit)));
        return;
      }
      chunks.push(chunk);
      clearTimeout(idle);
      idle = setTimeout(timedOut(`stalled for ${bounds.bodyIdleMs} ms`), bounds.bodyIdleMs);
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    const onGone = () => {
      stop();
      reject(new BodyError('aborted', 'the client closed the request before its body ended'));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onGone);
    req.once('close', onGone);
  });
}

/**
 * Reads the rest of a body Ferry will not use and throws it away, within the drain bounds; true when the
 * body ended (the connection is clean and an answer can be read), false when the socket was closed instead.
 */
export function discardBody(req: IncomingMessage, bounds: BodyBounds): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  if (req.socket.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    let read = 0;
    const finish = (drained: boolean) => {
      clearTimeout(idle);
      clearTimeout(total);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      if (!drained) req.socket.destroy();
      resolve(drained);
    };
    let idle = setTimeout(() => finish(false), bounds.bodyIdleMs);
    const total = setTimeout(() => finish(false), bounds.drainMs);
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > bounds.drainBytes) return finish(false);
      clearTimeout(idle);
      idle = setTimeout(() => finish(false), bounds.bodyIdleMs);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(req.complete);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.resume();
  });
}

/**
 * Bounds every request body on a listener, whoever reads it (Ferry, oidc-provider, nobody): a body
 * still arriving after its response is drained within the drain bounds, and a body still incomplete when
 * reading plus draining could have finished closes its socket.
 */
export function watchBody(req: IncomingMessage, res: ServerResponse, bounds: BodyBounds): void {
  if (req.complete) return;
  const backstop = setTimeout(() => {
    if (!req.complete) req.socket.destroy();
  }, bounds.bodyTotalMs + bounds.drainMs);
  backstop.unref();
  req.once('end', () => clearTimeout(backstop));
  res.once('finish', () => {
    if (!req.complete) void discardBody(req, bounds);
  });
}

function tooLarge(limit: number): BodyError {
  return new BodyError('too_large', `request body exceeds ${limit} bytes`);
}

function closeSoon(req: IncomingMessage): void {
  const socket = req.socket;
  const timer = setTimeout(() => socket.destroy(), FLUSH_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
