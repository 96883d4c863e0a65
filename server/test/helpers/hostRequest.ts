import { request, type IncomingHttpHeaders } from 'node:http';

export interface HostResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** How long a raw node:http request here waits for its answer unless told otherwise. */
export const NODE_REQUEST_TIMEOUT_MS = 10_000;

/**
 * A request over node:http, for what fetch() will not send (a Host header of our choosing, a body that is
 * not a string); the whole answer as text, or an error after `timeoutMs`.
 */
export function nodeRequest(
  url: URL | string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs?: number;
  } = {},
): Promise<HostResponse> {
  const timeoutMs = init.timeoutMs ?? NODE_REQUEST_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? 'GET', headers: init.headers, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`request to ${String(url)} timed out: no answer within ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * A request to Ferry's local listener as if it came through the tunnel for `host`: cloudflared forwards
 * the public Host header unchanged, and fetch() cannot set Host, so this uses node:http.
 */
export function hostRequest(
  localUrl: string,
  host: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HostResponse> {
  return nodeRequest(new URL(path, localUrl), { ...init, headers: { ...init.headers, host } });
}

/** An MCP POST (JSON answers only) with a bearer token, for `host`. */
export function hostMcpPost(
  localUrl: string,
  host: string,
  body: unknown,
  headers: Record<string, string> = {},
  path = '/mcp',
): Promise<HostResponse> {
  return hostRequest(localUrl, host, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
