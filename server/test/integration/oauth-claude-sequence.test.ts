import { describe, expect, it } from 'vitest';
import {
  CLAUDE_HEADERS,
  claudeInitialize,
  claudeRedeem,
  claudeSequenceSteps,
} from '../helpers/claudeConnector.js';
import { CLAUDE_CALLBACK, CLAUDE_REGISTRATION } from '../helpers/oauth.js';
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

  claudeSequenceSteps(h, PUBLIC, {
    clientId: () => state.clientId as string,
    state: 'claude-state-123',
    name: 'claudeai',
    tokens: state,
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
