import { expect, it } from 'vitest';
import { call, initializeBody, PROTOCOL_VERSION } from './http.js';
import {
  CLAUDE_CALLBACK,
  decodeJwt,
  pkce,
  type FerryTarget,
  type JsonResult,
  type OAuthHarness,
} from './oauth.js';

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

/** Step 9: a refresh without scope rotates the refresh token, and the new access token works on /mcp. */
export async function expectRefreshRotates<T extends FerryTarget>(
  h: OAuthHarness<T>,
  clientId: string,
  refreshToken: string,
): Promise<void> {
  const res = await h.refresh(clientId, refreshToken);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'mcp' });
  expect(res.body.refresh_token).not.toBe(refreshToken);
  const call = await claudeMcp(h, res.body.access_token as string, echo(1, 'refreshed'));
  expect(call.status).toBe(200);
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

/** What a sequence test knows of its client for steps 5-9, and what its state passes from step to step. */
export interface ClaudeClient {
  /** The client_id: a registered one (known only after step 4b) or the URL of a metadata document. */
  clientId: () => string;
  /** The `state` Claude sends at step 5. */
  state: string;
  /** The client's name, as the pending consent and the waiting page show it. */
  name: string;
  /** What else the pending consent shows of this client (a document's own fields). */
  consent?: Record<string, unknown>;
  /** The code and tokens of steps 5-6, for the steps after them. */
  tokens: { verifier?: string; code?: string; accessToken?: string; refreshToken?: string };
}

/**
 * Steps 5 to 9 of Claude's connector sequence as tests, the same for every kind of client: the consent
 * waits for approval on this machine (admin API) and the browser lands on Claude's callback; the code is
 * exchanged for Bearer tokens bound to /mcp; Claude-User speaks MCP with them and calls a tool; a refresh
 * rotates the refresh token. Declared where called, so a file's own steps stand before and after them.
 */
export function claudeSequenceSteps<T extends FerryTarget>(
  h: OAuthHarness<T>,
  publicOrigin: string,
  client: ClaudeClient,
): void {
  const mcp = `${publicOrigin}/mcp`;
  const { tokens } = client;

  it('5. takes Claude’s malformed scope, waits for approval on this machine, then redirects with code, state and iss', async () => {
    const { verifier, challenge } = pkce();
    tokens.verifier = verifier;
    const result = await h.browser(
      { clientId: client.clientId(), challenge, state: client.state, extra: { prompt: 'consent' } },
      async (id) => {
        const pending = await h.adminJson<Record<string, unknown>[]>('/api/consents');
        expect(pending).toEqual([
          expect.objectContaining({
            id,
            ...client.consent,
            clientName: client.name,
            redirectUri: CLAUDE_CALLBACK,
            matchCode: expect.stringMatching(/^[A-Z0-9]{3}-[A-Z0-9]{3}$/),
          }),
        ]);
        const approved = await h.admin(`/api/consents/${id}/approve`, { method: 'POST', body: '{}' });
        expect(approved.status).toBe(200);
      },
    );
    expect(result.waitingHtml).toContain(client.name);
    expect(result.waitingHtml).toContain(result.matchCode);
    expect(result.waitingHtml).not.toMatch(/<button|<form/i);
    expect(result.waitingHeaders.get('x-frame-options')).toBe('DENY');
    expect(result.waitingHeaders.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(result.waitingHeaders.get('referrer-policy')).toBe('no-referrer');
    tokens.code = codeAtClaude(result.location, client.state, publicOrigin);
  });

  it('6. exchanges the code: Bearer tokens bound to /mcp for that client_id, trimmed scope, no-store', async () => {
    const res = await claudeRedeem(h, {
      clientId: client.clientId(),
      code: tokens.code as string,
      verifier: tokens.verifier as string,
      resource: mcp,
    });
    expectTokens(res, {
      iss: publicOrigin,
      aud: mcp,
      client_id: client.clientId(),
      scope: 'mcp',
      gid: expect.any(String),
    });
    expect(res.body.expires_in).toBeGreaterThanOrEqual(3600);
    tokens.accessToken = res.body.access_token as string;
    tokens.refreshToken = res.body.refresh_token as string;
  });

  it('7-8. speaks MCP with the token as Claude-User, tolerating a missing session id on notifications', async () => {
    const token = tokens.accessToken as string;
    const session = await openClaudeSession(h, token);
    const post = async (body: unknown) =>
      (await (await claudeMcp(h, token, body, session)).json()) as { result: Record<string, unknown> };
    const tools = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect((tools.result.tools as { name: string }[]).map((t) => t.name)).toContain('echo__echo');
    await post({ jsonrpc: '2.0', id: 2, method: 'prompts/list' });
    await post({ jsonrpc: '2.0', id: 3, method: 'resources/list' });
    await expectEcho(h, token, 4, 'hello Claude', session);
    const clients = await h.adminJson<{ clientId: string }[]>('/api/clients');
    expect(clients.map((c) => c.clientId)).toContain(client.clientId());
  });

  it('9. refreshes without scope, rotating the refresh token', async () => {
    await expectRefreshRotates(h, client.clientId(), tokens.refreshToken as string);
  });
}
