/**
 * What Claude's connector backend sends, byte for byte where it matters (shared/claude-connector.md). The
 * doctor replays these rather than what a well-behaved client would send: the quirks are the point.
 */
import { CLAUDE_CLIENT_METADATA_URL, CLAUDE_REDIRECT_URIS } from '../auth/policy/claudeClient.js';
import type { Exchange } from './probe.js';

export { CLAUDE_CLIENT_METADATA_URL };
export const CLAUDE_CALLBACK = CLAUDE_REDIRECT_URIS[0] as string;

/** Before the token exchange Claude's backend speaks as python-httpx… */
export const UA_BACKEND = 'python-httpx/0.28.1';
/** …and after it as Claude-User, which edges with "Block AI bots" drop. */
export const UA_CLAUDE_USER = 'Claude-User';
/** The authorization request is the user's browser, not Claude's backend. */
export const UA_BROWSER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36';

export const PROTOCOL_VERSION = '2025-11-25';

/** Step 1's headers: note `Accept: *\/*`, which servers that demand both types answer with 406. */
export const FIRST_REQUEST_HEADERS = {
  accept: '*/*',
  'content-type': 'application/json',
  'mcp-protocol-version': PROTOCOL_VERSION,
  'user-agent': UA_BACKEND,
} as const;

/** Claude's literal dynamic client registration body (step 4b): the scope "claudeai" is no real scope. */
export const CLAUDE_REGISTRATION = {
  client_name: 'claudeai',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
  scope: 'claudeai',
  redirect_uris: [CLAUDE_CALLBACK],
};

export function initializeRequest(id: number, clientName = 'claude-ai'): Record<string, unknown> {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: clientName, version: '0.1.0' },
    },
  };
}

/**
 * Whether an answer is an edge's bot block or challenge rather than the server's own: Cloudflare marks
 * challenges with `cf-mitigated`, and its block pages have recognisable text. Returns what was recognised.
 */
export function edgeBlock(exchange: Pick<Exchange, 'status' | 'headers' | 'text'>): string | undefined {
  const { status, headers, text } = exchange;
  if (headers.get('cf-mitigated'))
    return `a Cloudflare challenge (cf-mitigated: ${headers.get('cf-mitigated')})`;
  const cloudflare = /cloudflare/i.test(headers.get('server') ?? '') || headers.has('cf-ray');
  const page =
    /Just a moment\.\.\.|Attention Required!|Sorry, you have been blocked|cdn-cgi\/challenge-platform|cf-chl|error code: 10(10|20)/i.exec(
      text,
    );
  if (page && (status === 403 || status === 503 || status === 429)) {
    return `${cloudflare ? 'a Cloudflare' : 'an edge'} block page ("${page[0]}", HTTP ${status})`;
  }
  // Through a tunnel every answer carries Cloudflare's headers: only an HTML 403 is the edge's, a JSON one the server's.
  const html = /^\s*</.test(text) || /text\/html/i.test(headers.get('content-type') ?? '');
  if (status === 403 && html)
    return `an HTML 403 page${cloudflare ? ' from Cloudflare' : ''} (not the server's JSON)`;
  return undefined;
}
