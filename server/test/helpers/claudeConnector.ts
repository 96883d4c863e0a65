import { expect } from 'vitest';
import { call, initializeBody, PROTOCOL_VERSION } from './http.js';
import { CLAUDE_CALLBACK, decodeJwt, type FerryTarget, type JsonResult, type OAuthHarness } from './oauth.js';

/**
 * The steps of Claude's connector sequence (shared/claude-connector.md) that every sequence test takes the
 * same way, whatever the client (registered or a metadata document) and whatever happened before.
 */

/** What Claude's MCP client sends on every request to /mcp (steps 7-8). */
export const CLAUDE_HEADERS = {
  'user-agent': 'Claude-User',
  accept: '*/*',
  'mcp-protocol-version': PROTOCOL_VERSION,
};

/** Claude's own initialize: it calls itself claude-ai. */
export const claudeInitialize = () =>
  initializeBody(0, PROTOCOL_VERSION, { name: 'claude-ai', version: '0.1.0' });

/** A tools/call of the echo fixture behind Ferry. */
export const echo = (id: number, text: string) => call(id, 'echo__echo', { text });

/** A POST to /mcp as Claude-User with `token`, in `session` when given. */
export function claudeMcp<T extends FerryTarget>(
  h: OAuthHarness<T>,
  token: string,
  body: unknown,
  session?: string,
): Promise<Response> {
  return h.client.fetch('/mcp', {
    method: 'POST',
    headers: {
      ...CLAUDE_HEADERS,
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(session ? { 'mcp-session-id': session } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** Steps 7-8: initialize (200 and a session id), then `notifications/initialized` (202); the session id. */
export async function openClaudeSession<T extends FerryTarget>(
  h: OAuthHarness<T>,
  token: string,
): Promise<string> {
  const init = await claudeMcp(h, token, claudeInitialize());
  expect(init.status).toBe(200);
  const session = init.headers.get('mcp-session-id') as string;
  expect(session).toBeTruthy();
  const initialized = await claudeMcp(h, token, { jsonrpc: '2.0', method: 'notifications/initialized' });
  expect(initialized.status).toBe(202);
  return session;
}

/** The echo fixture's answer to `text` through Ferry, in `session`. */
export async function expectEcho<T extends FerryTarget>(
  h: OAuthHarness<T>,
  token: string,
  id: number,
  text: string,
  session?: string,
): Promise<void> {
  const res = await claudeMcp(h, token, echo(id, text), session);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { result: unknown }).result).toEqual({ content: [{ type: 'text', text }] });
}

/**
 * Step 6's answer, whatever the client: 200, never cached, Bearer tokens with the trimmed scope and a
 * refresh token, and an ES256 `at+jwt` access token whose claims are `claims`.
 */
export function expectTokens(res: JsonResult, claims: Record<string, unknown>): void {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.headers.get('cache-control')).toContain('no-store');
  expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'mcp' });
  expect(res.body.refresh_token).toEqual(expect.any(String));
  const { header, payload } = decodeJwt(res.body.access_token as string);
  expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
  expect(payload).toMatchObject(claims);
}

/** Step 9: a refresh without scope rotates the refresh token; the new tokens. */
export async function expectRefreshRotates<T extends FerryTarget>(
  h: OAuthHarness<T>,
  clientId: string,
  refreshToken: string,
): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await h.refresh(clientId, refreshToken);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'mcp' });
  expect(res.body.refresh_token).not.toBe(refreshToken);
  return { accessToken: res.body.access_token as string, refreshToken: res.body.refresh_token as string };
}

/** Step 5's end: the browser is back at Claude's callback with `state` and Ferry as issuer; the code. */
export function codeAtClaude(location: URL, state: string, issuer: string): string {
  expect(`${location.origin}${location.pathname}`).toBe(CLAUDE_CALLBACK);
  expect(location.searchParams.get('state')).toBe(state);
  expect(location.searchParams.get('iss')).toBe(issuer);
  const code = location.searchParams.get('code') as string;
  expect(code).toBeTruthy();
  return code;
}

/** Step 6 as Claude sends it: the code, its verifier and Claude's callback (and `resource`, when given). */
export function claudeRedeem<T extends FerryTarget>(
  h: OAuthHarness<T>,
  grant: { clientId: string; code: string; verifier: string; resource?: string },
): Promise<JsonResult> {
  return h.redeem({
    code: grant.code,
    code_verifier: grant.verifier,
    redirect_uri: CLAUDE_CALLBACK,
    client_id: grant.clientId,
    ...(grant.resource ? { resource: grant.resource } : {}),
  });
}
