// The lean MCP Streamable HTTP client the benchmark uses for every HTTP target, so the client's own
// cost is identical for Ferry and supergateway: Node `http` with a keep-alive Agent, one JSON-RPC
// message per POST, `Accept: application/json, text/event-stream`, and either kind of answer
// (a JSON body, or an SSE stream whose `data:` lines carry the response). The same POST serves both
// wires: `HttpSession` (2025-11-25, stateful: initialize, then `Mcp-Session-Id`) and `StatelessClient`
// (2026-07-28: no session, every request carries its own `_meta` and the headers that mirror it).
//
// Node globals are imported explicitly: the repo's ESLint config declares no Node globals for JS.
import { Buffer } from 'node:buffer';
import http from 'node:http';
import { URL } from 'node:url';

export const PROTOCOL_VERSION = '2025-11-25';
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** Longest any single HTTP exchange may take; a stuck call fails instead of hanging the run. */
const REQUEST_TIMEOUT_MS = 30_000;

export function keepAliveAgent() {
  return new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
}

/** One POST; resolves with status, headers and the whole body (the body is read to its end). */
function post(agent, url, payload, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          'Content-Length': Buffer.byteLength(payload),
          ...headers,
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () =>
      req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** JSON-RPC messages of an SSE body: each event's `data:` lines joined, parsed as JSON. */
export function parseSse(text) {
  const messages = [];
  let data = [];
  const dispatch = () => {
    if (data.length > 0) messages.push(JSON.parse(data.join('\n')));
    data = [];
  };
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    start = end + 1;
    if (line === '') dispatch();
    else if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
    // `event:`, `id:`, `retry:` and `:` comments carry nothing the benchmark needs.
  }
  dispatch();
  return messages;
}

function messagesOf(response) {
  const type = String(response.headers['content-type'] ?? '');
  if (response.body.length === 0) return [];
  const text = response.body.toString('utf8');
  if (type.includes('text/event-stream')) return parseSse(text);
  const parsed = JSON.parse(text);
  return Array.isArray(parsed) ? parsed : [parsed];
}

export class RpcError extends Error {}

/** The JSON-RPC result answering request `id` of one exchange; anything else throws. */
function answerOf(response, method, id) {
  if (response.status !== 200) {
    throw new RpcError(`${method}: HTTP ${response.status} ${response.body.toString('utf8').slice(0, 200)}`);
  }
  const answer = messagesOf(response).find((m) => m.id === id && !('method' in m));
  if (!answer) throw new RpcError(`${method}: no response with id ${id} in the answer`);
  if (answer.error) throw new RpcError(`${method}: ${answer.error.code} ${answer.error.message}`);
  return { result: answer.result, headers: response.headers };
}

/** The one text content of a `tools/call` result. */
function textOf(name, result) {
  if (result.isError)
    throw new RpcError(`tools/call ${name}: isError ${JSON.stringify(result).slice(0, 200)}`);
  const first = result.content?.[0];
  if (!first || first.type !== 'text' || typeof first.text !== 'string') {
    throw new RpcError(`tools/call ${name}: no text content`);
  }
  return first.text;
}

/** One MCP session over Streamable HTTP: initialize + notifications/initialized, then requests. */
export class HttpSession {
  #agent;
  #url;
  #nextId = 1;
  sessionId = undefined;
  protocolVersion = PROTOCOL_VERSION;

  constructor(url, agent) {
    this.#url = new URL(url);
    this.#agent = agent;
  }

  #headers() {
    const headers = {};
    if (this.sessionId) headers['Mcp-Session-Id'] = this.sessionId;
    if (this.sessionId) headers['MCP-Protocol-Version'] = this.protocolVersion;
    return headers;
  }

  async request(method, params) {
    const id = this.#nextId++;
    const response = await post(
      this.#agent,
      this.#url,
      JSON.stringify({ jsonrpc: '2.0', id, method, params }),
      this.#headers(),
    );
    return answerOf(response, method, id);
  }

  async notify(method, params) {
    const response = await post(
      this.#agent,
      this.#url,
      JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}) }),
      this.#headers(),
    );
    if (response.status !== 202 && response.status !== 200) {
      throw new RpcError(`${method}: HTTP ${response.status}`);
    }
  }

  async initialize() {
    const { result, headers } = await this.request('initialize', {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'ferry-bench', version: '1.0.0' },
    });
    const sessionId = headers['mcp-session-id'];
    if (typeof sessionId !== 'string' || sessionId === '')
      throw new RpcError('initialize: no Mcp-Session-Id');
    this.sessionId = sessionId;
    this.protocolVersion = result.protocolVersion ?? PROTOCOL_VERSION;
    await this.notify('notifications/initialized');
    return result;
  }

  async toolNames() {
    const { result } = await this.request('tools/list', {});
    return (result.tools ?? []).map((tool) => tool.name);
  }

  /** Calls a tool that answers with one text content; resolves with that text. */
  async callText(name, args) {
    const { result } = await this.request('tools/call', { name, arguments: args });
    return textOf(name, result);
  }
}

/**
 * A caller on the MCP 2026-07-28 stateless wire: nothing to open or close, each POST stands alone with
 * `params._meta` (protocol version, client capabilities) and the `MCP-Protocol-Version`, `Mcp-Method`
 * and (for tools/call) `Mcp-Name` headers. A reply that carries a session id or lacks `resultType` is
 * an error: the benchmark only counts answers of the wire it means to measure.
 */
export class StatelessClient {
  #agent;
  #url;
  #nextId = 1;

  constructor(url, agent) {
    this.#url = new URL(url);
    this.#agent = agent;
  }

  async request(method, params, name) {
    const id = this.#nextId++;
    const body = {
      jsonrpc: '2.0',
      id,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    };
    const headers = { 'MCP-Protocol-Version': MODERN_PROTOCOL_VERSION, 'Mcp-Method': method };
    if (name !== undefined) headers['Mcp-Name'] = name;
    const response = await post(this.#agent, this.#url, JSON.stringify(body), headers);
    const answer = answerOf(response, method, id);
    if (response.headers['mcp-session-id'] !== undefined)
      throw new RpcError(`${method}: the stateless answer carries Mcp-Session-Id`);
    if (answer.result?.resultType !== 'complete')
      throw new RpcError(
        `${method}: resultType ${JSON.stringify(answer.result?.resultType)}, not "complete"`,
      );
    return answer;
  }

  async toolNames() {
    const { result } = await this.request('tools/list', {});
    return (result.tools ?? []).map((tool) => tool.name);
  }

  async callText(name, args) {
    const { result } = await this.request('tools/call', { name, arguments: args }, name);
    return textOf(name, result);
  }
}
