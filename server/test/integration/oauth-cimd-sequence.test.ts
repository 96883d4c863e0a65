import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAUDE_CLIENT_METADATA_URL } from '../../src/auth/policy/claudeClient.js';
import { CLAUDE_HEADERS, claudeMcp, claudeSequenceSteps } from '../helpers/claudeConnector.js';
import { pkce } from '../helpers/oauth.js';
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

  // Registration (step 4b) is skipped: the client_id is the document's URL, and the consent shows the
  // document's name and address.
  claudeSequenceSteps(h, PUBLIC, {
    clientId: () => CLAUDE_CLIENT_METADATA_URL,
    state: 'cimd-state-1',
    name: 'Claude',
    consent: {
      clientId: CLAUDE_CLIENT_METADATA_URL,
      clientUri: 'https://claude.ai',
      redirectHost: 'claude.ai',
      resource: MCP,
    },
    tokens: state,
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
