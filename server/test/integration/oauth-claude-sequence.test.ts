import { describe, expect, it } from 'vitest';
import {
  CLAUDE_HEADERS,
  claudeInitialize,
  claudeMcp,
  claudeRedeem,
  codeAtClaude,
  echo,
  expectEcho,
  expectRefreshRotates,
  expectTokens,
  openClaudeSession,
} from '../helpers/claudeConnector.js';
import { CLAUDE_CALLBACK, CLAUDE_REGISTRATION, pkce } from '../helpers/oauth.js';
import { useOAuthFerry } from '../helpers/oauthFerry.js';

const PUBLIC = 'https://ferry-test.example';
const MCP = `${PUBLIC}/mcp`;

/**
 * Claude's whole connector sequence (shared/claude-connector.md steps 1-9) with its literal bodies, headers
 * and quirks, against a Ferry whose public URL is a tunnel hostname; consent is approved via the admin API.
 */
describe('the Claude connector sequence', () => {
  const h = useOAuthFerry(PUBLIC);
  const client = h.client;
  const state: {
    clientId?: string;
    accessToken?: string;
    refreshToken?: string;
    verifier?: string;
    code?: string;
  } = {};

  it('1. answers an unauthenticated POST, GET and HEAD /mcp with 401 and an absolute resource_metadata', async () => {
    const post = await client.fetch('/mcp', {
      method: 'POST',
      headers: { ...CLAUDE_HEADERS, 'user-agent': 'python-httpx/0.28.1', 'content-type': 'application/json' },
      body: JSON.stringify(claudeInitialize()),
    });
    expect(post.status).toBe(401);
    expect(post.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${PUBLIC}/.well-known/oauth-protected-resource/mcp", scope="mcp"`,
    );
    for (const method of ['GET', 'HEAD']) {
      const res = await client.fetch('/mcp', { method, headers: CLAUDE_HEADERS });
      expect(res.status, method).toBe(401);
      expect(res.headers.get('www-authenticate'), method).toContain('resource_metadata="https://');
    }
    const single = await client.fetch('/mcp/echo', { method: 'GET', headers: CLAUDE_HEADERS });
    expect(single.headers.get('www-authenticate')).toContain(
      `${PUBLIC}/.well-known/oauth-protected-resource/mcp/echo`,
    );
  });

  it('2. serves identical protected-resource metadata at both paths, resource byte-equal to the connector URL', async () => {
    const suffixed = await client.json('/.well-known/oauth-protected-resource/mcp');
    const root = await client.json('/.well-known/oauth-protected-resource');
    expect(suffixed.status).toBe(200);
    expect(root.body).toEqual(suffixed.body);
    expect(suffixed.body).toEqual({
      resource: MCP,
      authorization_servers: [PUBLIC],
      scopes_supported: ['mcp'],
      bearer_methods_supported: ['header'],
      resource_name: 'Ferry',
    });
    const perServer = await client.json('/.well-known/oauth-protected-resource/mcp/echo');
    expect(perServer.body.resource).toBe(`${MCP}/echo`);
    expect((await client.json('/.well-known/oauth-protected-resource/mcp/nope')).status).toBe(404);
  });

  it('3. serves RFC 8414 metadata at the root, suffixed and OIDC paths, with what Claude needs', async () => {
    const root = await client.json('/.well-known/oauth-authorization-server');
    expect(root.status).toBe(200);
    expect(root.body).toMatchObject({
      issuer: PUBLIC,
      authorization_endpoint: `${PUBLIC}/authorize`,
      token_endpoint: `${PUBLIC}/token`,
      registration_endpoint: `${PUBLIC}/register`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      client_id_metadata_document_supported: true,
    });
    expect(root.body.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token']),
    );
    expect(root.body.token_endpoint_auth_methods_supported).toContain('none');
    expect(root.body.scopes_supported).toContain('mcp');
    for (const path of [
      '/.well-known/oauth-authorization-server/mcp',
      '/.well-known/oauth-authorization-server/mcp/echo',
      '/.well-known/openid-configuration',
      '/.well-known/openid-configuration/mcp',
      '/mcp/.well-known/openid-configuration',
    ]) {
      const other = await client.json(path);
      expect(other.status, path).toBe(200);
      expect(other.body.issuer, path).toBe(PUBLIC);
      expect(other.body.registration_endpoint, path).toBe(`${PUBLIC}/register`);
    }
    // Nothing Claude does not use is advertised.
    expect(root.body.pushed_authorization_request_endpoint).toBeUndefined();
    expect(root.body.userinfo_endpoint).toBeUndefined();
    expect(root.body.dpop_signing_alg_values_supported).toBeUndefined();
  });

  it('4b. registers Claude with its literal body: 201, a client_id and integer timestamps', async () => {
    const res = await h.register(CLAUDE_REGISTRATION, { 'user-agent': 'python-httpx/0.28.1' });
    expect(res.status).toBe(201);
    expect(res.body.client_id).toEqual(expect.any(String));
    expect(Number.isInteger(res.body.client_id_issued_at)).toBe(true);
    expect(res.body.redirect_uris).toEqual([CLAUDE_CALLBACK]);
    expect(res.body.token_endpoint_auth_method).toBe('none');
    state.clientId = res.body.client_id as string;
  });

  it('5. takes Claude’s malformed scope, waits for approval on this machine, then redirects with code, state and iss', async () => {
    const { verifier, challenge } = pkce();
    state.verifier = verifier;
    const result = await h.browser(
      {
        clientId: state.clientId as string,
        challenge,
        state: 'claude-state-123',
        extra: { prompt: 'consent' },
      },
      async (id) => {
        const pending =
          await h.adminJson<
            { id: string; clientName: string; redirectUri: string; matchCode: string; scopes: string[] }[]
          >('/api/consents');
        expect(pending).toEqual([
          expect.objectContaining({
            id,
            clientName: 'claudeai',
            redirectUri: CLAUDE_CALLBACK,
            matchCode: expect.stringMatching(/^[A-Z0-9]{3}-[A-Z0-9]{3}$/),
          }),
        ]);
        const approved = await h.admin(`/api/consents/${id}/approve`, { method: 'POST', body: '{}' });
        expect(approved.status).toBe(200);
      },
    );
    expect(result.waitingHtml).toContain(result.matchCode);
    expect(result.waitingHtml).not.toMatch(/<button|<form/i);
    expect(result.waitingHeaders.get('x-frame-options')).toBe('DENY');
    expect(result.waitingHeaders.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(result.waitingHeaders.get('referrer-policy')).toBe('no-referrer');
    state.code = codeAtClaude(result.location, 'claude-state-123', PUBLIC);
  });

  it('6. exchanges the code: Bearer tokens, trimmed scope, no-store', async () => {
    const res = await claudeRedeem(h, {
      clientId: state.clientId as string,
      code: state.code as string,
      verifier: state.verifier as string,
      resource: MCP,
    });
    expectTokens(res, {
      iss: PUBLIC,
      aud: MCP,
      client_id: state.clientId,
      scope: 'mcp',
      gid: expect.any(String),
    });
    expect(res.body.expires_in).toBeGreaterThanOrEqual(3600);
    state.accessToken = res.body.access_token as string;
    state.refreshToken = res.body.refresh_token as string;
  });

  it('7-8. speaks MCP with the token as Claude-User, tolerating a missing session id on notifications', async () => {
    const token = state.accessToken as string;
    const session = await openClaudeSession(h, token);
    const post = async (body: unknown) =>
      (await (await claudeMcp(h, token, body, session)).json()) as { result: Record<string, unknown> };
    const tools = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect((tools.result.tools as { name: string }[]).map((t) => t.name)).toContain('echo__echo');
    await post({ jsonrpc: '2.0', id: 2, method: 'prompts/list' });
    await post({ jsonrpc: '2.0', id: 3, method: 'resources/list' });
    await expectEcho(h, token, 4, 'hello Claude', session);
    const clients = await h.adminJson<{ clientId: string }[]>('/api/clients');
    expect(clients.map((c) => c.clientId)).toContain(state.clientId);
  });

  it('9. refreshes without scope, rotating the refresh token', async () => {
    const refreshed = await expectRefreshRotates(h, state.clientId as string, state.refreshToken as string);
    const call = await claudeMcp(h, refreshed.accessToken, echo(1, 'refreshed'));
    expect(call.status).toBe(200);
  });

  it('refuses a replayed code with invalid_grant, and an unknown client at /token with 401 invalid_client', async () => {
    const replay = await claudeRedeem(h, {
      clientId: state.clientId as string,
      code: state.code as string,
      verifier: state.verifier as string,
    });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    const unknown = await h.redeem({
      code: 'x',
      code_verifier: 'y'.repeat(43),
      redirect_uri: CLAUDE_CALLBACK,
      client_id: 'no-such-client',
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('invalid_client');
  });
});
