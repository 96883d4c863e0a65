import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/upstream/processTree.js';
import { adminApi } from '../helpers/admin.js';
import { claudeMcp, echo } from '../helpers/claudeConnector.js';
import { decodeJwt, OAuthHarness } from '../helpers/oauth.js';
import { type ServeProcess } from '../helpers/serveProcess.js';
import { readFakeState, startQuickTunnelServe, type QuickTunnelServe } from '../helpers/tunnel.js';
import { until } from '../helpers/until.js';

/** The CLI's output without colour codes (ESC [ … m). */
const plain = (text: string) => text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');

/**
 * `ferry serve --tunnel quick` as a user runs it, with the fake cloudflared: the URL the CLI prints is
 * the one Claude's whole handshake then runs against, through the fake edge, as issuer and audience.
 */
describe('ferry serve --tunnel quick, end to end through the tunnel', () => {
  let tunnel: QuickTunnelServe;
  let ferry: ServeProcess;
  let publicUrl: string;
  let edge: string;
  let accessToken: string;
  const fakeState = () => readFakeState(tunnel.statePath);

  const viaEdge = (url: string, init: RequestInit = {}) =>
    fetch(url.startsWith(publicUrl) ? edge + url.slice(publicUrl.length) : url, {
      redirect: 'manual',
      ...init,
    });
  const waitFor = <T>(get: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> =>
    until(what, get, ms).catch((error: Error) => {
      throw new Error(`${error.message}\n${ferry.output()}`);
    });

  beforeAll(async () => {
    tunnel = await startQuickTunnelServe('ferry-e2e-tunnel-');
    ferry = tunnel.ferry;
    publicUrl = await waitFor(
      () =>
        Promise.resolve(
          /Add this URL in Claude[^\n]*\n\s*(\S*https:\/\/\S+)\/mcp/.exec(plain(ferry.output()))?.[1],
        ),
      'the URL',
    );
    edge = await waitFor<string>(() => fakeState().then((s) => s?.edgeUrl), 'the edge');
  }, 40_000);
  afterAll(async () => {
    const pid = (await fakeState())?.pid;
    expect(await tunnel.stop()).toBe(0);
    if (pid) expect(isAlive(pid)).toBe(false);
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
    // Claude's whole handshake through the fake edge, with the URL the CLI printed as issuer and audience.
    const h = new OAuthHarness(ferry, publicUrl, () => edge);
    const prm = await h.client.json('/.well-known/oauth-protected-resource/mcp');
    expect(prm.body).toMatchObject({ resource: mcp, authorization_servers: [publicUrl] });
    const as = await h.client.json('/.well-known/oauth-authorization-server');
    expect(as.body).toMatchObject({
      issuer: publicUrl,
      authorization_endpoint: `${publicUrl}/authorize`,
      token_endpoint: `${publicUrl}/token`,
      registration_endpoint: `${publicUrl}/register`,
    });
    const connection = await h.connect({ query: { state: 'st', extra: { prompt: 'consent' } } });
    accessToken = connection.accessToken;
    expect(decodeJwt(accessToken).payload).toMatchObject({ iss: publicUrl, aud: mcp });
    const call = await claudeMcp(h, accessToken, echo(1, 'through the tunnel'));
    expect(call.status).toBe(200);
    expect(await call.json()).toMatchObject({ result: { content: [{ text: 'through the tunnel' }] } });
  });

  it('after cloudflared dies and comes back with a new hostname, the old token fails cleanly and the user is told', async () => {
    const before = await fakeState();
    process.kill(before?.pid as number, 'SIGKILL');
    const after = await waitFor(async () => {
      const state = await fakeState();
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
    const { body: status } = await adminApi(ferry)<{ mcpUrl: string; tunnel: { publicUrl: string } }>(
      'GET',
      '/status',
    );
    expect(status.tunnel.publicUrl).toBe(after.publicUrl);
    expect(newMcp.startsWith(status.tunnel.publicUrl)).toBe(true);
  });
});
