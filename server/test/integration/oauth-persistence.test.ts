import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../src/secrets/memory.js';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import {
  CLAUDE_HEADERS,
  claudeMcp,
  echo,
  expectEcho,
  openClaudeSession,
} from '../helpers/claudeConnector.js';
import { CLAUDE_CALLBACK, OAuthHarness } from '../helpers/oauth.js';

/** Never a Cloudflare tunnel here, even on a machine with cloudflared installed: these tests stay offline. */
const NO_TUNNEL = { tunnel: { mode: 'off' } };

const PUBLIC = 'https://ferry-restart.example';

/**
 * A connection survives a restart: a new core on the same data dir and secret store (a named tunnel keeps the
 * public URL) accepts the old access token, re-creates the old session transparently, refreshes the old
 * refresh token and still lists the client; revoking it then cuts off the token and the open GET stream.
 */
describe('OAuth state across a restart', () => {
  let dataDir: string;
  const secrets = new MemorySecretStore();
  let ferry: TestFerry | undefined;
  const state: {
    clientId?: string;
    accessToken?: string;
    refreshToken?: string;
    refreshedAccessToken?: string;
    refreshedRefreshToken?: string;
    session?: string;
  } = {};

  const start = async () => {
    ferry = await startFerry(
      { echo: echoServer() },
      {
        auth: true,
        publicUrl: PUBLIC,
        dataDir,
        secrets,
        ferry: NO_TUNNEL,
      },
    );
    await serverState(ferry, 'echo', 'ready');
    return ferry;
  };
  const running = () => ferry as TestFerry;
  // One harness across restarts: it always reaches the Ferry running now.
  const h = new OAuthHarness(running, PUBLIC);
  const mcp = (token: string, body: unknown, session?: string) => claudeMcp(h, token, body, session);

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-restart-'));
    await start();
  });
  afterAll(async () => {
    await ferry?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('completes a flow with a registered (DCR) client and opens a session', async () => {
    state.clientId = await h.registerClient();
    const connection = await h.connect({
      clientId: state.clientId,
      decision: (id) => running().core.admin.approveConsent(id),
      query: { state: 's' },
    });
    state.accessToken = connection.accessToken;
    state.refreshToken = connection.refreshToken;
    state.session = await openClaudeSession(h, state.accessToken);
    await expectEcho(h, state.accessToken, 1, 'before the restart', state.session);
  });

  it('after a restart, the old token works on /mcp with the OLD session id, without a new initialize', async () => {
    await running().stop();
    ferry = undefined;
    const after = await start();
    const call = await mcp(state.accessToken as string, echo(2, 'after the restart'), state.session);
    expect(call.status).toBe(200);
    expect(call.headers.get('mcp-session-id') ?? state.session).toBe(state.session);
    expect(((await call.json()) as { result: unknown }).result).toEqual({
      content: [{ type: 'text', text: 'after the restart' }],
    });
    await after.waitFor((e) => e.type === 'log' && e.message.includes('re-created unknown session'), 2000);
  });

  it('refreshes the refresh token issued before the restart', async () => {
    const res = await h.refresh(state.clientId as string, state.refreshToken as string);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'mcp' });
    state.refreshedAccessToken = res.body.access_token as string;
    state.refreshedRefreshToken = res.body.refresh_token as string;
    expect(state.refreshedRefreshToken).not.toBe(state.refreshToken);
    const call = await mcp(state.refreshedAccessToken, echo(3, 'refreshed'), state.session);
    expect(call.status).toBe(200);
  });

  it('still lists the client in GET /api/clients, with its grant', async () => {
    const clients =
      await h.adminJson<{ clientId: string; clientName?: string; grants: unknown[] }[]>('/api/clients');
    const found = clients.find((c) => c.clientId === state.clientId);
    expect(found).toMatchObject({ clientName: 'claudeai', redirectUris: [CLAUDE_CALLBACK] });
    expect(found?.grants).toHaveLength(1);
  });

  it('DELETE /api/clients/:id then refuses its tokens with 401 and closes its open GET stream', async () => {
    const stream = await h.client.fetch('/mcp', {
      method: 'GET',
      headers: {
        ...CLAUDE_HEADERS,
        accept: 'text/event-stream',
        authorization: `Bearer ${state.accessToken as string}`,
        'mcp-session-id': state.session as string,
      },
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return 'closed';
    })().catch(() => 'closed');

    const revoked = await h.admin(`/api/clients/${encodeURIComponent(state.clientId as string)}`, {
      method: 'DELETE',
    });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ revokedGrants: 1, closedSessions: 1 });
    const timeout = new Promise((resolve) => setTimeout(() => resolve('still open'), 5000));
    expect(await Promise.race([ended, timeout])).toBe('closed');

    for (const token of [state.accessToken, state.refreshedAccessToken] as string[]) {
      const res = await mcp(token, echo(4, 'revoked'), state.session);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    const refresh = await h.refresh(state.clientId as string, state.refreshedRefreshToken as string);
    expect([400, 401]).toContain(refresh.status);
    expect(['invalid_grant', 'invalid_client']).toContain(refresh.body.error);
    const clients = await h.adminJson<{ clientId: string }[]>('/api/clients');
    expect(clients.map((c) => c.clientId)).not.toContain(state.clientId);
  });
});
