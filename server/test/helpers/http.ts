/** Raw HTTP helpers for protocol-level tests where the SDK client would hide what is on the wire. */
export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** A POST as an MCP client sends it; `timeoutMs` bounds the wait for the answer (none unless given). */
export async function rawPost(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  timeoutMs?: number,
): Promise<RawResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
  });
  return read(res);
}

export async function read(res: Response): Promise<RawResponse> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The MCP revision raw-HTTP tests speak unless a test is about another one. */
export const PROTOCOL_VERSION = '2025-11-25';

/**
 * The one JSON-RPC `initialize` request of the raw-HTTP tests; `clientInfo` is what the client calls
 * itself (Claude's `claude-ai`, say).
 */
export const initializeBody = (
  // unknown: the request-id tests send ids JSON-RPC forbids (null, objects, …) on purpose.
  id: unknown = 0,
  protocolVersion = PROTOCOL_VERSION,
  clientInfo: { name: string; version: string } = { name: 'raw-test', version: '1' },
) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo },
});

/** Initializes a session by hand; returns its id. */
export async function openSession(url: string, headers: Record<string, string> = {}): Promise<string> {
  const init = await rawPost(url, initializeBody(), headers);
  const id = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !id) throw new Error(`initialize failed: ${init.status} ${init.text}`);
  await rawPost(
    url,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { 'mcp-session-id': id, ...headers },
  );
  return id;
}

/** The JSON-RPC messages of an SSE body, in order. */
export function sseMessages(text: string): unknown[] {
  return text
    .split('\n\n')
    .map((block) =>
      block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n'),
    )
    .filter(Boolean)
    .map((data) => JSON.parse(data) as unknown);
}

export const call = (
  id: number | string,
  name: string,
  args: Record<string, unknown>,
  meta?: Record<string, unknown>,
) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
});

/** The stateless MCP revision: no session; every request names its revision and method in headers too. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** The `_meta` a stateless request carries in place of a session: its revision and the client's capabilities. */
export const modernMeta = (capabilities: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
  'io.modelcontextprotocol/clientCapabilities': capabilities,
});

/**
 * A request on the stateless wire: the revision and method headers Ferry routes by, then `headers` (which
 * may add `mcp-name` or override either, for the mismatch tests).
 */
export function modernPost(
  url: string,
  method: string,
  params: Record<string, unknown> | undefined,
  headers: Record<string, string> = {},
  id: number | string = 1,
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN_PROTOCOL_VERSION,
      'mcp-method': method,
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }),
  });
}
