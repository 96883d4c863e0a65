import { request, type IncomingHttpHeaders } from 'node:http';

export interface HostResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
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
  const url = new URL(path, localUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? 'GET', headers: { ...init.headers, host }, timeout: 10_000 },
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
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.href} within 10 s`)));
    req.on('error', reject);
    req.end(init.body);
  });
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
