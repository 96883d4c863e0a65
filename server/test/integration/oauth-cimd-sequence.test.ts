import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAUDE_CLIENT_METADATA_URL } from '../../src/auth/policy/claudeClient.js';
import {
  CLAUDE_HEADERS,
  claudeMcp,
  claudeRedeem,
  codeAtClaude,
  echo,
  expectEcho,
  expectRefreshRotates,
  expectTokens,
  openClaudeSession,
} from '../helpers/claudeConnector.js';
import { CLAUDE_CALLBACK, pkce } from '../helpers/oauth.js';
import { useOAuthFerry } from '../helpers/oauthFerry.js';

/** Never a Cloudflare tunnel here, even on a machine with cloudflared installed: these tests stay offline. */
const NO_TUNNEL = { tunnel: { mode: 'off' } };

const PUBLIC = 'https://ferry-cimd.example';
const MCP = `${PUBLIC}/mcp`;

/**
 * Claude's connector sequence as a Client ID Metadata Document client (claude-connector.md step 4a instead of
 * 4b): `client_id` is the URL of Claude's document, nothing is registered, and Ferry answers from its pinned
 * copy of that document without touching the network.
 */
describe('the Claude connector sequence with a client metadata document (CIMD)', () => {
  const realFetch = globalThis.fetch;
  const fetched: string[] = [];
  // Every fetch in this process, Ferry's own included, is recorded: none may leave 127.0.0.1. Installed
  // before the fixture starts Ferry (hooks run in order) and removed after it stopped it.
  beforeAll(() => {
    globalThis.fetch = (input, init) => {
      fetched.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return realFetch(input, init);
    };
  });
  afterAll(() => {
    globalThis.fetch = realFetch;
  });
  const h = useOAuthFerry(PUBLIC, { start: { ferry: NO_TUNNEL } });
  const client = h.client;
  const state: { accessToken?: string; refreshToken?: string; verifier?: string; code?: string } = {};

  it('starts like the DCR sequence: 401, protected-resource metadata, and AS metadata advertising CIMD', async () => {
    const unauthenticated = await client.fetch('/mcp', {
      method: 'POST',
      headers: { ...CLAUDE_HEADERS, 'user-agent': 'python-httpx/0.28.1', 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: {} }),
    });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('www-authenticate')).toContain(
      `resource_metadata="${PUBLIC}/.well-known/oauth-protected-resource/mcp"`,
    );
    const prm = await client.json('/.well-known/oauth-protected-resource/mcp');
    expect(prm.body).toMatchObject({ resource: MCP, authorization_servers: [PUBLIC] });
    const as = await client.json('/.well-known/oauth-authorization-server');
    expect(as.body).toMatchObject({
      issuer: PUBLIC,
      authorization_endpoint: `${PUBLIC}/authorize`,
      token_endpoint: `${PUBLIC}/token`,
      client_id_metadata_document_supported: true,
      code_challenge_methods_supported: ['S256'],
    });
    expect(as.body.token_endpoint_auth_methods_supported).toContain('none');
  });

  it('authorizes client_id=<Claude’s document URL> without registration, showing the document’s name', async () => {
    const { verifier, challenge } = pkce();
    state.verifier = verifier;
    let seen: Record<string, unknown> | undefined;
    const result = await h.browser(
      {
        clientId: CLAUDE_CLIENT_METADATA_URL,
        challenge,
        state: 'cimd-state-1',
        extra: { prompt: 'consent' },
      },
      async (id) => {
        const pending = await h.adminJson<Record<string, unknown>[]>('/api/consents');
        seen = pending.find((c) => c.id === id);
        const approved = await h.admin(`/api/consents/${id}/approve`, { method: 'POST', body: '{}' });
        expect(approved.status).toBe(200);
      },
    );
    expect(seen).toMatchObject({
      clientId: CLAUDE_CLIENT_METADATA_URL,
      clientName: 'Claude',
      clientUri: 'https://claude.ai',
      redirectUri: CLAUDE_CALLBACK,
      redirectHost: 'claude.ai',
      resource: MCP,
    });
    expect(result.waitingHtml).toContain('Claude');
    state.code = codeAtClaude(result.location, 'cimd-state-1', PUBLIC);
  });

  it('exchanges the code as a public client named by its URL: a JWT bound to /mcp for that client_id', async () => {
    const res = await claudeRedeem(h, {
      clientId: CLAUDE_CLIENT_METADATA_URL,
      code: state.code as string,
      verifier: state.verifier as string,
      resource: MCP,
    });
    expectTokens(res, { iss: PUBLIC, aud: MCP, client_id: CLAUDE_CLIENT_METADATA_URL });
    state.accessToken = res.body.access_token as string;
    state.refreshToken = res.body.refresh_token as string;
  });

  it('speaks MCP as Claude-User and ends in a successful tools/call', async () => {
    const token = state.accessToken as string;
    const session = await openClaudeSession(h, token);
    const tools = (await (
      await claudeMcp(h, token, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, session)
    ).json()) as { result: { tools: { name: string }[] } };
    expect(tools.result.tools.map((t) => t.name)).toContain('echo__echo');
    await expectEcho(h, token, 2, 'hello from a CIMD client', session);
  });

  it('refreshes without scope for the URL client_id, rotating the refresh token', async () => {
    const refreshed = await expectRefreshRotates(h, CLAUDE_CLIENT_METADATA_URL, state.refreshToken as string);
    const call = await claudeMcp(h, refreshed.accessToken, echo(1, 'refreshed'));
    expect(call.status).toBe(200);
  });

  it('refuses a redirect_uri the document does not list, even one Ferry allows for registered clients', async () => {
    const { challenge } = pkce();
    const res = await client.fetch(
      `/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: CLAUDE_CLIENT_METADATA_URL,
        // Allowed by Ferry's redirect policy, but not in Claude's document: the code must never go there.
        redirect_uri: 'https://claude.com/api/mcp/auth_callback',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'x',
        scope: 'mcp',
        resource: MCP,
      }).toString()}`,
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('redirect_uri');
    expect((await h.adminJson<unknown[]>('/api/consents')).length).toBe(0);
  });

  it('lists the CIMD connection in GET /api/clients, so the user can see it', async () => {
    const clients = await h.adminJson<
      {
        clientId: string;
        clientName?: string;
        grants: unknown[];
      }[]
    >('/api/clients');
    const claude = clients.find((c) => c.clientId === CLAUDE_CLIENT_METADATA_URL);
    expect(claude, `clients: ${JSON.stringify(clients)}`).toBeDefined();
    expect(claude?.grants.length).toBeGreaterThan(0);
  });

  it('revokes the CIMD connection with DELETE /api/clients/:id: its token is refused afterwards', async () => {
    const revoked = await h.admin(`/api/clients/${encodeURIComponent(CLAUDE_CLIENT_METADATA_URL)}`, {
      method: 'DELETE',
    });
    expect(revoked.status, await revoked.clone().text()).toBe(200);
    const after = await claudeMcp(h, state.accessToken as string, {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
    });
    expect(after.status).toBe(401);
  });

  it('never used the network: every fetch of the whole sequence went to 127.0.0.1', () => {
    expect(fetched.length).toBeGreaterThan(10);
    expect([...new Set(fetched.map((href) => new URL(href).hostname))]).toEqual(['127.0.0.1']);
  });
});
