import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/**
 * A request identical to `req` but with `body` as its content. oidc-provider reads bodies from the raw
 * stream (and only warns, on the console, when handed a parsed one), so rewritten bodies (normalized
 * scopes, DCR metadata) are given to it as a fresh stream with the original's method, URL and socket.
 */
export function withBody(req: IncomingMessage, body: Buffer | string): IncomingMessage {
  const buffer = typeof body === 'string' ? Buffer.from(body) : body;
  const replay = Readable.from([buffer], { objectMode: false }) as unknown as IncomingMessage;
  const headers = { ...req.headers, 'content-length': String(buffer.length) };
  delete headers['transfer-encoding'];
  Object.assign(replay, {
    method: req.method,
    url: req.url,
    headers,
    rawHeaders: Object.entries(headers).flatMap(([k, v]) => [k, String(v)]),
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    socket: req.socket,
    connection: req.socket,
    complete: true,
  });
  return replay;
}
