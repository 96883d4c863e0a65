import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/upstream/processTree.js';
import { echoServer } from '../helpers/fixtures.js';
import { CLAUDE_CALLBACK, CLAUDE_REGISTRATION, CookieJar, pkce } from '../helpers/oauth.js';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.js';
import { FAKE_CLOUDFLARED, readFakeState } from '../helpers/tunnel.js';

/** The CLI's output without colour codes (ESC [ … m). */
const plain = (text: string) => text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');

/**
 * `ferry serve --tunnel quick` as a user runs it, with the fake cloudflared: the URL the CLI prints is
 * the one Claude's whole handshake then runs against, through the fake edge, as issuer and audience.
 */
describe('ferry serve --tunnel quick, end to end through the tunnel', () => {
  let ferry: ServeProcess;
  let stateDir: string;
  let publicUrl: string;
  let edge: string;
  let accessToken: string;

  const viaEdge = (url: string, init: RequestInit = {}) =>
    fetch(url.startsWith(publicUrl) ? edge + url.slice(publicUrl.length) : url, {
      redirect: 'manual',
      ...init,
    });
  const admin = (p: string, init: RequestInit = {}) =>
    fetch(`${ferry.runtime.adminUrl}${p}`, {
      ...init,
      headers: { authorization: `Bearer ${ferry.runtime.adminToken}` },
    });
  const waitFor = async <T>(get: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await get();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${ferry.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-e2e-tunnel-'));
    process.env.FAKE_CLOUDFLARED_STATE = path.join(stateDir, 'state.json');
    process.env.FAKE_CLOUDFLARED_SPEED = '20';
    ferry = await startServeProcess(
      { mcpServers: { echo: echoServer() }, ferry: { tunnel: { binary: FAKE_CLOUDFLARED } } },
      ['--tunnel', 'quick'],
    );
    publicUrl = await waitFor(
      () =>
        Promise.resolve(
          /Add this URL in Claude[^\n]*\n\s*(\S*https:\/\/\S+)\/mcp/.exec(plain(ferry.output()))?.[1],
        ),
      'the URL',
    );
    edge = await waitFor<string>(
      () => readFakeState(process.env.FAKE_CLOUDFLARED_STATE as string).then((s) => s?.edgeUrl),
      'the edge',
    );
  }, 40_000);
  afterAll(async () => {
    const pid = (await readFakeState(process.env.FAKE_CLOUDFLARED_STATE as string))?.pid;
    expect(await ferry.stop()).toBe(0);
    if (pid) expect(isAlive(pid)).toBe(false);
    await rm(stateDir, { recursive: true, force: true });
    delete process.env.FAKE_CLOUDFLARED_STATE;
    delete process.env.FAKE_CLOUDFLARED_SPEED;
  });

  it('prints a trycloudflare URL and Claude connects through it first time', async () => {
    expect(publicUrl).toMatch(/^https:\/\/[a-z-]+\.trycloudflare\.com$/);
    const mcp = `${publicUrl}/mcp`;
    const unauth = await viaEdge(mcp, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: '*/*' },
      body: '{}',
    });
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('www-authenticate')).toContain(
      `resource_metadata="${publicUrl}/.well-known/oauth-protected-resource/mcp"`,
    );
    const prm = (await (
      await viaEdge(`${publicUrl}/.well-known/oauth-protected-resource/mcp`)
    ).json()) as Record<string, unknown>;
    expect(prm).toMatchObject({ resource: mcp, authorization_servers: [publicUrl] });
    const as = (await (
      await viaEdge(`${publicUrl}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, string>;
    expect(as.issuer).toBe(publicUrl);
    const registered = (await (
      await viaEdge(as.registration_endpoint as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(CLAUDE_REGISTRATION),
      })
    ).json()) as { client_id: string };

    const { verifier, challenge } = pkce();
    const jar = new CookieJar();
    const browse = async (url: string) => {
      const res = await viaEdge(new URL(url, publicUrl).href, { headers: { cookie: jar.header() } });
      jar.store(res);
      return res;
    };
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: registered.client_id,
      redirect_uri: CLAUDE_CALLBACK,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st',
      scope: 'claudeai',
      resource: mcp,
      prompt: 'consent',
    });
    const waiting = (await browse(`${as.authorization_endpoint}?${query.toString()}`)).headers.get(
      'location',
    ) as string;
    expect((await browse(waiting)).status).toBe(200);
    const consent = await waitFor(
      async () => ((await (await admin('/api/consents')).json()) as { id: string }[])[0],
      'the consent',
    );
    expect((await admin(`/api/consents/${consent.id}/approve`, { method: 'POST' })).status).toBe(200);
    const uid = waiting.split('/')[2] as string;
    const next = await waitFor(
      async () => ((await (await browse(`/consent/${uid}/status`)).json()) as { next?: string }).next,
      'approval',
    );
    const back = new URL((await browse(next)).headers.get('location') as string);
    expect(`${back.origin}${back.pathname}`).toBe(CLAUDE_CALLBACK);
    expect(back.searchParams.get('iss')).toBe(publicUrl);
    const tokens = (await (
      await viaEdge(as.token_endpoint as string, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: back.searchParams.get('code') as string,
          code_verifier: verifier,
          redirect_uri: CLAUDE_CALLBACK,
          client_id: registered.client_id,
          resource: mcp,
        }).toString(),
      })
    ).json()) as { access_token: string };
    accessToken = tokens.access_token;
    const payload = JSON.parse(
      Buffer.from(accessToken.split('.')[1] as string, 'base64url').toString(),
    ) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: publicUrl, aud: mcp });

    const call = await viaEdge(mcp, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: '*/*',
        authorization: `Bearer ${accessToken}`,
        'user-agent': 'Claude-User',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo__echo', arguments: { text: 'through the tunnel' } },
      }),
    });
    expect(call.status).toBe(200);
    expect(await call.json()).toMatchObject({ result: { content: [{ text: 'through the tunnel' }] } });
  });

  it('after cloudflared dies and comes back with a new hostname, the old token fails cleanly and the user is told', async () => {
    const before = await readFakeState(process.env.FAKE_CLOUDFLARED_STATE as string);
    process.kill(before?.pid as number, 'SIGKILL');
    const after = await waitFor(async () => {
      const state = await readFakeState(process.env.FAKE_CLOUDFLARED_STATE as string);
      return state && state.pid !== before?.pid && state.status === 'connected' ? state : undefined;
    }, 'the restarted tunnel');
    expect(after.publicUrl).not.toBe(publicUrl);
    await waitFor(
      () => Promise.resolve(ferry.output().includes('Remove the old connector in Claude') ? true : undefined),
      'the warning',
    );
    const newMcp = `${after.publicUrl as string}/mcp`;
    const stale = await fetch(`${after.edgeUrl as string}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: '*/*', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(stale.status).toBe(401);
    expect(stale.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(stale.headers.get('www-authenticate')).toContain(
      `${after.publicUrl as string}/.well-known/oauth-protected-resource/mcp`,
    );
    const status = (await (await admin('/api/status')).json()) as {
      mcpUrl: string;
      tunnel: { publicUrl: string };
    };
    expect(status.tunnel.publicUrl).toBe(after.publicUrl);
    expect(newMcp.startsWith(status.tunnel.publicUrl)).toBe(true);
  });
});
