import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/upstream/processTree.js';
import { echoServer, faultServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { FAKE_CLOUDFLARED, FAST_TUNNEL, readFakeState, useFakeCloudflaredEnv } from '../helpers/tunnel.js';
import { OAuthHarness } from '../helpers/oauth.js';

let ferry: TestFerry | undefined;

const env = useFakeCloudflaredEnv('ferry-fakecf-');
afterEach(async () => {
  await ferry?.stop();
  ferry = undefined;
});

const start = (binary = FAKE_CLOUDFLARED, mode: 'quick' | 'named' = 'quick') =>
  startFerry(
    { echo: echoServer() },
    { auth: true, tunnel: mode, tunnelTimings: FAST_TUNNEL, ferry: { tunnel: { binary } } },
  );

const connected = (f: TestFerry, after = 0) =>
  f.waitFor((e) => e.seq > after && e.type === 'tunnel.state' && e.state === 'connected', 20_000);

describe('tunnel manager with a (faithful, fake) cloudflared', () => {
  it('connects a quick tunnel, takes its URL from the log, and drives the public URL through it', async () => {
    ferry = await start();
    const event = await connected(ferry);
    const publicUrl = event.type === 'tunnel.state' ? (event.publicUrl as string) : '';
    expect(publicUrl).toMatch(/^https:\/\/[a-z]+(-[a-z]+)+\.trycloudflare\.com$/);
    const fake = await readFakeState(process.env.FAKE_CLOUDFLARED_STATE as string);
    expect(fake?.publicUrl).toBe(publicUrl);
    expect(ferry.core.admin.status().tunnel).toMatchObject({ mode: 'quick', state: 'connected', publicUrl });
    // runtime.json follows, and requests through the edge see the public hostname everywhere.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const runtime = JSON.parse(await readFile(path.join(ferry.dataDir, 'runtime.json'), 'utf8')) as {
      mcpUrl: string;
    };
    expect(runtime.mcpUrl).toBe(`${publicUrl}/mcp`);
    const metadata = (await (
      await fetch(`${fake?.edgeUrl}/.well-known/oauth-protected-resource/mcp`)
    ).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ resource: `${publicUrl}/mcp`, authorization_servers: [publicUrl] });
    const challenge = await fetch(`${fake?.edgeUrl}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toContain(
      `${publicUrl}/.well-known/oauth-protected-resource/mcp`,
    );
  });

  it('restarts cloudflared after kill -9, reports the new hostname, and leaves no orphan', async () => {
    ferry = await start();
    const first = await connected(ferry);
    const firstUrl = first.type === 'tunnel.state' ? first.publicUrl : undefined;
    const pid = ferry.core.tunnel.pid as number;
    const seq = ferry.bus.lastSeq;
    process.kill(pid, 'SIGKILL');
    const again = await connected(ferry, seq);
    const secondUrl = again.type === 'tunnel.state' ? again.publicUrl : undefined;
    expect(secondUrl).not.toBe(firstUrl);
    expect(isAlive(pid)).toBe(false);
    const changed = await ferry.waitFor((e) => e.seq > seq && e.type === 'tunnel.url-changed');
    expect(changed.type === 'tunnel.url-changed' && changed.message).toMatch(
      /Remove the old connector in Claude and add https:\/\/.*\/mcp/,
    );
    const states = ferry.bus.recent
      .toArray()
      .filter((e) => e.seq > seq && e.type === 'tunnel.state')
      .map((e) => (e.type === 'tunnel.state' ? e.state : ''));
    expect(states).toContain('reconnecting');
    const newPid = ferry.core.tunnel.pid as number;
    await ferry.stop();
    ferry = undefined;
    expect(isAlive(newPid)).toBe(false);
  });

  it('backs off and says why when the first connection fails, then connects', async () => {
    process.env.FAKE_CLOUDFLARED_FAIL_FIRST = '1';
    ferry = await start();
    const failed = await ferry.waitFor((e) => e.type === 'tunnel.state' && e.state === 'failed');
    expect(failed.type === 'tunnel.state' && failed.reason).toMatch(
      /failed to request quick Tunnel.*retrying in \d+s/,
    );
    await connected(ferry);
  });

  it('restarts a tunnel that hangs (alive but never ready again)', async () => {
    process.env.FAKE_CLOUDFLARED_HANG_AFTER_MS = '400';
    ferry = await start();
    await connected(ferry);
    const pid = ferry.core.tunnel.pid as number;
    const log = await ferry.waitFor(
      (e) => e.type === 'log' && /was not ready for \d+s .*restarting it/.test(e.message),
      20_000,
    );
    expect(log.type).toBe('log');
    const deadline = Date.now() + 5000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(pid)).toBe(false);
  });

  it('tells the user what to do when cloudflared cannot be found, and keeps serving locally', async () => {
    ferry = await start(path.join(env.stateDir, 'no-such-cloudflared'));
    const failed = await ferry.waitFor((e) => e.type === 'tunnel.state' && e.state === 'failed');
    expect(failed.type === 'tunnel.state' && failed.reason).toMatch(
      /cloudflared was not found at .*Fix the path/,
    );
    await serverState(ferry, 'echo', 'ready');
    const local = await fetch(`${ferry.runtime.localUrl}/.well-known/oauth-protected-resource/mcp`);
    expect(local.status).toBe(200);
  });

  it('runs a named tunnel with the token from the keychain, never on the command line', async () => {
    const token = Buffer.from(
      JSON.stringify({
        a: 'acct0123456789abcdef',
        t: '3f2f9c1e-6d2b-4f6e-9a8b-1c2d3e4f5a6b',
        s: Buffer.from('x'.repeat(32)).toString('base64'),
      }),
    ).toString('base64');
    process.env.FAKE_CLOUDFLARED_HOSTNAME = 'mcp.example.com';
    ferry = await startFerry(
      { echo: echoServer() },
      {
        auth: true,
        tunnel: 'off',
        tunnelTimings: FAST_TUNNEL,
        ferry: { tunnel: { binary: FAKE_CLOUDFLARED } },
      },
    );
    await expect(
      ferry.core.admin.configureNamedTunnel({ token: 'short', hostname: 'not a host' }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      issues: [expect.objectContaining({ path: 'token' }), expect.objectContaining({ path: 'hostname' })],
    });
    await ferry.core.admin.configureNamedTunnel({ token, hostname: 'mcp.example.com' });
    expect(await ferry.secrets.get('tunnel/token')).toBe(token);
    expect(await readFile(ferry.configPath, 'utf8')).not.toContain(token);
    await ferry.core.admin.startTunnel('named');
    const event = await connected(ferry);
    expect(event.type === 'tunnel.state' && event.publicUrl).toBe('https://mcp.example.com');
    const cmdline = await readFile(`/proc/${ferry.core.tunnel.pid as number}/cmdline`, 'utf8');
    expect(cmdline).toContain('run');
    expect(cmdline).not.toContain(token);
    await ferry.core.admin.stopTunnel();
    expect(ferry.core.admin.status().tunnel.state).toBe('off');
  });

  it('rides out a dropped edge connection: reconnecting, then connected again, same process', async () => {
    process.env.FAKE_CLOUDFLARED_DROP_AFTER_MS = '400';
    process.env.FAKE_CLOUDFLARED_RECOVER_AFTER_MS = '500';
    ferry = await start();
    const first = await connected(ferry);
    const pid = ferry.core.tunnel.pid;
    const dropped = await ferry.waitFor(
      (e) => e.seq > first.seq && e.type === 'tunnel.state' && e.state === 'reconnecting',
      10_000,
    );
    expect(dropped.type === 'tunnel.state' && dropped.reason).toMatch(/lost its connection/);
    await connected(ferry, dropped.seq);
    expect(ferry.core.tunnel.pid).toBe(pid);
  });

  it('lets a tool call in flight finish on the local side when the tunnel restarts under it', async () => {
    ferry = await startFerry(
      { fault: faultServer() },
      {
        auth: true,
        tunnel: 'quick',
        tunnelTimings: FAST_TUNNEL,
        ferry: { tunnel: { binary: FAKE_CLOUDFLARED } },
      },
    );
    const up = await connected(ferry);
    const publicUrl = up.type === 'tunnel.state' ? (up.publicUrl as string) : '';
    const harness = new OAuthHarness(ferry, publicUrl);
    const { accessToken } = await harness.connect({ resource: `${publicUrl}/mcp/fault` });
    const fake = await readFakeState(process.env.FAKE_CLOUDFLARED_STATE as string);
    const seq = ferry.bus.lastSeq;
    const call = fetch(`${fake?.edgeUrl as string}/mcp/fault`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: '*/*', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'slow', arguments: { ms: 1500 } },
      }),
    }).then(
      (res) => res.text(),
      (error: Error) => error.message,
    );
    await ferry.waitFor((e) => e.seq > seq && e.type === 'call.start' && e.target === 'slow');
    process.kill(fake?.pid as number, 'SIGKILL');
    const ended = await ferry.waitFor(
      (e) => e.seq > seq && e.type === 'call.end' && e.target === 'slow',
      10_000,
    );
    expect(ended.type === 'call.end' && ended.outcome).toBe('ok');
    await call;
    await connected(ferry, seq);
  });
});
