import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import {
  browserAuthorize,
  CLAUDE_CALLBACK,
  CLAUDE_REGISTRATION,
  pkce,
  PublicClient,
} from '../helpers/oauth.js';

const PUBLIC = 'https://ferry-test.example';
const MCP = `${PUBLIC}/mcp`;
const CLAUDE_HEADERS = { 'user-agent': 'Claude-User', accept: '*/*', 'mcp-protocol-version': '2025-11-25' };

/**
 * Claude's whole connector sequence (shared/claude-connector.md steps 1-9) with its literal bodies, headers
 * and quirks, against a Ferry whose public URL is a tunnel hostname; consent is approved via the admin API.
 */
describe('the Claude connector sequence', () => {
  let ferry: TestFerry;
  let client: PublicClient;
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${ferry.runtime.adminUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ferry.runtime.adminToken}`, 'content-type': 'application/json' },
    });
  const state: {
    clientId?: string;
    accessToken?: string;
    refreshToken?: string;
    verifier?: string;
    code?: string;
  } = {};

  beforeAll(async () => {
    ferry = await startFerry({ echo: echoServer() }, { auth: true, publicUrl: PUBLIC });
    await serverState(ferry, 'echo', 'ready');
    client = new PublicClient(ferry, PUBLIC);
  });
  afterAll(() => ferry.stop());

  it('1. answers an unauthenticated POST, GET and HEAD /mcp with 401 and an absolute resource_metadata', async () => {
    const post = await client.fetch('/mcp', {
      method: 'POST',
      headers: { ...CLAUDE_HEADERS, 'user-agent': 'python-httpx/0.28.1', 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'claude-ai', version: '0.1.0' },
        },
      }),
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
    const res = await client.json('/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'python-httpx/0.28.1' },
      body: JSON.stringify(CLAUDE_REGISTRATION),
    });
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
    const result = await browserAuthorize(
      client,
      {
        response_type: 'code',
        client_id: state.clientId as string,
        redirect_uri: CLAUDE_CALLBACK,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'claude-state-123',
        scope: 'claudeai',
        resource: MCP,
        prompt: 'consent',
      },
      async (id) => {
        const pending = (await (await admin('/api/consents')).json()) as {
          id: string;
          clientName: string;
          redirectUri: string;
          matchCode: string;
          scopes: string[];
        }[];
        expect(pending).toEqual([
          expect.objectContaining({
            id,
            clientName: 'claudeai',
            redirectUri: CLAUDE_CALLBACK,
            matchCode: expect.stringMatching(/^[A-Z0-9]{3}-[A-Z0-9]{3}$/),
          }),
        ]);
        const approved = await admin(`/api/consents/${id}/approve`, { method: 'POST', body: '{}' });
        expect(approved.status).toBe(200);
      },
    );
    expect(result.waitingHtml).toContain(result.matchCode);
    expect(result.waitingHtml).not.toMatch(/<button|<form/i);
    expect(result.waitingHeaders.get('x-frame-options')).toBe('DENY');
    expect(result.waitingHeaders.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(result.waitingHeaders.get('referrer-policy')).toBe('no-referrer');
    expect(`${result.location.origin}${result.location.pathname}`).toBe(CLAUDE_CALLBACK);
    expect(result.location.searchParams.get('state')).toBe('claude-state-123');
    expect(result.location.searchParams.get('iss')).toBe(PUBLIC);
    state.code = result.location.searchParams.get('code') as string;
    expect(state.code).toBeTruthy();
  });

  it('6. exchanges the code: Bearer tokens, trimmed scope, no-store', async () => {
    const res = await client.form('/token', {
      grant_type: 'authorization_code',
      code: state.code as string,
      code_verifier: state.verifier as string,
      redirect_uri: CLAUDE_CALLBACK,
      client_id: state.clientId as string,
      resource: MCP,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'mcp' });
    expect(res.body.expires_in).toBeGreaterThanOrEqual(3600);
    expect(res.body.refresh_token).toEqual(expect.any(String));
    state.accessToken = res.body.access_token as string;
    state.refreshToken = res.body.refresh_token as string;
    const [header, payload] = (state.accessToken.split('.').slice(0, 2) as [string, string]).map(
      (p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>,
    );
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).toMatchObject({
      iss: PUBLIC,
      aud: MCP,
      client_id: state.clientId,
      scope: 'mcp',
      gid: expect.any(String),
    });
  });

  it('7-8. speaks MCP with the token as Claude-User, tolerating a missing session id on notifications', async () => {
    const auth = {
      ...CLAUDE_HEADERS,
      authorization: `Bearer ${state.accessToken}`,
      'content-type': 'application/json',
    };
    const init = await client.fetch('/mcp', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'claude-ai', version: '0.1.0' },
        },
      }),
    });
    expect(init.status).toBe(200);
    const session = init.headers.get('mcp-session-id') as string;
    const initialized = await client.fetch('/mcp', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    expect(initialized.status).toBe(202);
    const post = async (body: unknown) => {
      const res = await client.fetch('/mcp', {
        method: 'POST',
        headers: { ...auth, 'mcp-session-id': session },
        body: JSON.stringify(body),
      });
      return (await res.json()) as { result: Record<string, unknown> };
    };
    const tools = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect((tools.result.tools as { name: string }[]).map((t) => t.name)).toContain('echo__echo');
    await post({ jsonrpc: '2.0', id: 2, method: 'prompts/list' });
    await post({ jsonrpc: '2.0', id: 3, method: 'resources/list' });
    const call = await post({
      jsonrpc: '2.0',
      id: 4,
      method: 'tools/call',
      params: { name: 'echo__echo', arguments: { text: 'hello Claude' } },
    });
    expect(call.result).toEqual({ content: [{ type: 'text', text: 'hello Claude' }] });
    const clients = (await (await admin('/api/clients')).json()) as { clientId: string }[];
    expect(clients.map((c) => c.clientId)).toContain(state.clientId);
  });

  it('9. refreshes without scope, rotating the refresh token', async () => {
    const res = await client.form('/token', {
      grant_type: 'refresh_token',
      refresh_token: state.refreshToken as string,
      client_id: state.clientId as string,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'mcp' });
    expect(res.body.refresh_token).not.toBe(state.refreshToken);
    const call = await client.fetch('/mcp', {
      method: 'POST',
      headers: {
        ...CLAUDE_HEADERS,
        authorization: `Bearer ${res.body.access_token as string}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo__echo', arguments: { text: 'refreshed' } },
      }),
    });
    expect(call.status).toBe(200);
  });

  it('refuses a replayed code with invalid_grant, and an unknown client at /token with 401 invalid_client', async () => {
    const replay = await client.form('/token', {
      grant_type: 'authorization_code',
      code: state.code as string,
      code_verifier: state.verifier as string,
      redirect_uri: CLAUDE_CALLBACK,
      client_id: state.clientId as string,
    });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    const unknown = await client.form('/token', {
      grant_type: 'authorization_code',
      code: 'x',
      code_verifier: 'y'.repeat(43),
      redirect_uri: CLAUDE_CALLBACK,
      client_id: 'no-such-client',
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('invalid_client');
  });
});
