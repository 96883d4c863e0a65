import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { hostMcpPost, hostRequest } from '../helpers/hostRequest.js';
import { bearerChallenge, decodeJwt, OAuthHarness } from '../helpers/oauth.js';
import { initializeBody } from '../helpers/http.js';

const PUBLIC = 'https://ferry-main.example.test';
const FILES_HOST = 'files.example.test';
const FILES = `https://${FILES_HOST}`;
const NOTES_HOST = 'notes.example.test';

/**
 * Per-server hostnames (ferry.tunnel.serverHostnames): a request for `files.example.test` is served as the
 * server `files` alone at exactly /mcp, with its own protected-resource metadata and token audience, while
 * the authorization server stays at the main origin. Requests go to the local listener with the Host header
 * cloudflared would forward.
 */
describe('per-server hostnames: routing by Host with OAuth', () => {
  let ferry: TestFerry;
  let h: OAuthHarness;
  const local = () => ferry.runtime.localUrl;

  beforeAll(async () => {
    ferry = await startFerry(
      { echo: echoServer(), files: echoServer(), notes: echoServer() },
      {
        auth: true,
        publicUrl: PUBLIC,
        ferry: { tunnel: { serverHostnames: { files: FILES_HOST, notes: NOTES_HOST } } },
      },
    );
    await Promise.all(['echo', 'files', 'notes'].map((name) => serverState(ferry, name, 'ready')));
    h = new OAuthHarness(ferry, PUBLIC);
  });
  afterAll(() => ferry.stop());

  it('serves protected-resource metadata naming the host’s own /mcp, with the main origin as issuer', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const res = await hostRequest(local(), FILES_HOST, path);
      expect(res.status, path).toBe(200);
      expect(JSON.parse(res.text)).toEqual({
        resource: `${FILES}/mcp`,
        authorization_servers: [PUBLIC],
        scopes_supported: ['mcp'],
        bearer_methods_supported: ['header'],
        resource_name: 'Ferry',
      });
    }
    const other = await hostRequest(local(), FILES_HOST, '/.well-known/oauth-protected-resource/mcp/echo');
    expect(other.status).toBe(404);
  });

  it('answers an unauthenticated POST /mcp with a challenge pointing at the host’s own metadata', async () => {
    const res = await hostMcpPost(local(), FILES_HOST, initializeBody());
    expect(res.status).toBe(401);
    expect(bearerChallenge(res.headers['www-authenticate'] as string)).toMatchObject({
      resource_metadata: `${FILES}/.well-known/oauth-protected-resource/mcp`,
      scope: 'mcp',
    });
  });

  it('connects with a token for https://files…/mcp and serves only that server there', async () => {
    const connection = await h.connect({ resource: `${FILES}/mcp` });
    expect(decodeJwt(connection.accessToken).payload).toMatchObject({ aud: `${FILES}/mcp`, iss: PUBLIC });
    const auth = { authorization: `Bearer ${connection.accessToken}` };
    const init = await hostMcpPost(local(), FILES_HOST, initializeBody(), auth);
    expect(init.status, init.text).toBe(200);
    const session = init.headers['mcp-session-id'] as string;
    expect(session).toBeTruthy();
    const list = await hostMcpPost(
      local(),
      FILES_HOST,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { ...auth, 'mcp-session-id': session },
    );
    expect(list.status, list.text).toBe(200);
    const tools = (JSON.parse(list.text) as { result: { tools: Array<{ name: string }> } }).result.tools;
    const names = tools.map((tool) => tool.name);
    expect(names.length).toBeGreaterThan(0);
    // The server alone: nothing of `echo` or `notes`, whose names would carry their prefix in the aggregate.
    expect(names.some((name) => name.startsWith('echo__') || name.startsWith('notes__'))).toBe(false);
    const aggregate = await h.connect();
    const all = await hostMcpPost(
      local(),
      'ferry-main.example.test',
      { jsonrpc: '2.0', id: 3, method: 'tools/list' },
      {
        authorization: `Bearer ${aggregate.accessToken}`,
      },
    );
    expect(all.status, all.text).toBe(200);
    const allNames = (
      JSON.parse(all.text) as { result: { tools: Array<{ name: string }> } }
    ).result.tools.map((tool) => tool.name);
    expect(allNames.some((name) => name.startsWith('echo__'))).toBe(true);
  });

  it('refuses a token for one host at every other resource, and other hosts’ tokens at this one', async () => {
    const files = await h.connect({ resource: `${FILES}/mcp` });
    const main = await h.connect();
    const perPath = await h.connect({ resource: `${PUBLIC}/mcp/files` });
    const notes = await h.connect({ resource: `https://${NOTES_HOST}/mcp` });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const refused = async (host: string, token: string, path = '/mcp') => {
      const res = await hostMcpPost(local(), host, initializeBody(), bearer(token), path);
      expect(res.status, `${host}${path}`).toBe(401);
      expect(bearerChallenge(res.headers['www-authenticate'] as string)).toMatchObject({
        error: 'invalid_token',
        error_description: 'token audience mismatch',
      });
    };
    // At files.example.test: only the files-host token.
    await refused(FILES_HOST, main.accessToken);
    await refused(FILES_HOST, perPath.accessToken);
    await refused(FILES_HOST, notes.accessToken);
    // The files-host token anywhere else: the main /mcp, the per-path /mcp/files, another server's host.
    await refused('ferry-main.example.test', files.accessToken);
    await refused('ferry-main.example.test', files.accessToken, '/mcp/files');
    await refused(NOTES_HOST, files.accessToken);
    const ok = await hostMcpPost(local(), FILES_HOST, initializeBody(), bearer(files.accessToken));
    expect(ok.status, ok.text).toBe(200);
  });

  it('reaches only /mcp on a server host: other MCP paths are 404, never another server', async () => {
    const files = await h.connect({ resource: `${FILES}/mcp` });
    for (const path of ['/mcp/echo', '/mcp/files', '/sse', '/messages?sessionId=x']) {
      const res = await hostMcpPost(
        local(),
        FILES_HOST,
        initializeBody(),
        {
          authorization: `Bearer ${files.accessToken}`,
        },
        path,
      );
      expect(res.status, path).toBe(404);
    }
  });

  it('refuses a resource on a server host at any path but /mcp when tokens are requested', async () => {
    const clientId = await h.registerClient();
    const res = await h.client.fetch(h.authorizeQuery({ clientId, resource: `${FILES}/mcp/files` }));
    // oidc-provider sends the browser back to the client with invalid_target.
    const location = new URL(res.headers.get('location') as string);
    expect(location.searchParams.get('error')).toBe('invalid_target');
  });

  it('sends the browser sign-in from a server host to the main origin, query intact', async () => {
    const res = await hostRequest(local(), FILES_HOST, '/authorize?client_id=x&state=s%20t');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${PUBLIC}/authorize?client_id=x&state=s%20t`);
    const consent = await hostRequest(local(), FILES_HOST, '/consent/abc');
    expect(consent.headers.location).toBe(`${PUBLIC}/consent/abc`);
  });

  it('serves registration and the authorization-server metadata at a server host, issuer unchanged', async () => {
    const metadata = await hostRequest(local(), FILES_HOST, '/.well-known/oauth-authorization-server');
    expect(metadata.status).toBe(200);
    expect(JSON.parse(metadata.text)).toMatchObject({ issuer: PUBLIC, token_endpoint: `${PUBLIC}/token` });
    const registered = await hostRequest(local(), FILES_HOST, '/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'claudeai',
        redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(registered.status, registered.text).toBe(201);
  });

  it('allows a server host as Host and Origin; an unknown host is still refused', async () => {
    const origin = await hostRequest(local(), FILES_HOST, '/.well-known/oauth-protected-resource/mcp', {
      headers: { origin: FILES },
    });
    expect(origin.status).toBe(200);
    const stranger = await hostRequest(
      local(),
      'evil.example.test',
      '/.well-known/oauth-protected-resource/mcp',
    );
    expect(stranger.status).toBe(403);
  });
});
