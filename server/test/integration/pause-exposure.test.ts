import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PAUSED_RETRY_AFTER_SECONDS } from '../../src/exposure/pause.js';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { FAKE_CLOUDFLARED, FAST_TUNNEL, readFakeState } from '../helpers/tunnel.js';

/**
 * Pause exposure: the tunnel stops, the public listener answers every MCP and OAuth request with a 503 in
 * that protocol's own error shape (and Retry-After), open sessions are closed, the children keep running
 * and the admin API keeps answering; the pause outlives a restart, and resume brings the tunnel back.
 */

let dataDir: string;
let stateDir: string;
const running: TestFerry[] = [];
const savedEnv = { ...process.env };

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-pause-'));
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-pause-cf-'));
  process.env.FAKE_CLOUDFLARED_STATE = path.join(stateDir, 'state.json');
  process.env.FAKE_CLOUDFLARED_SPEED = '20';
});
afterEach(async () => {
  for (const ferry of running.splice(0)) await ferry.stop();
  for (const key of Object.keys(process.env)) if (key.startsWith('FAKE_CLOUDFLARED')) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await rm(dataDir, { recursive: true, force: true });
  await rm(stateDir, { recursive: true, force: true });
});

async function start(options: { auth: boolean; tunnel: 'quick' | 'off' }): Promise<TestFerry> {
  const ferry = await startFerry(
    { echo: echoServer() },
    {
      auth: options.auth,
      tunnel: options.tunnel,
      tunnelTimings: FAST_TUNNEL,
      dataDir,
      ferry: { tunnel: { binary: FAKE_CLOUDFLARED } },
    },
  );
  running.push(ferry);
  return ferry;
}

async function stop(ferry: TestFerry): Promise<void> {
  running.splice(running.indexOf(ferry), 1);
  await ferry.stop();
}

function admin(ferry: TestFerry, method: string, route: string): Promise<Response> {
  return fetch(`${ferry.runtime.adminUrl}/api${route}`, {
    method,
    headers: {
      authorization: `Bearer ${ferry.runtime.adminToken}`,
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    },
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
}

const initialize = (url: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }),
  });

function alive(pid: number | undefined): boolean {
  if (pid === undefined || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('pause exposure', () => {
  it('stops the tunnel and refuses MCP and OAuth with 503 in their own shapes while admin answers; survives a restart; resume brings the tunnel back', async () => {
    let ferry = await start({ auth: true, tunnel: 'quick' });
    await ferry.waitFor((e) => e.type === 'tunnel.state' && e.state === 'connected', 20_000);
    await serverState(ferry, 'echo', 'ready');
    const cloudflared = ferry.core.tunnel.pid;
    expect(alive(cloudflared)).toBe(true);
    const childPid = ferry.core.admin.server('echo').pid;

    const paused = await admin(ferry, 'POST', '/exposure/pause');
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({
      paused: true,
      resumeTunnel: 'quick',
      tunnel: { state: 'off' },
    });
    await ferry.waitFor((e) => e.type === 'exposure.state' && e.paused);
    expect(alive(cloudflared)).toBe(false);

    // MCP: a JSON-RPC error with the HTTP status, and when to come back.
    const local = ferry.runtime.localUrl;
    const mcp = await initialize(`${local}/mcp`);
    expect(mcp.status).toBe(503);
    expect(mcp.headers.get('retry-after')).toBe(String(PAUSED_RETRY_AFTER_SECONDS));
    expect(await mcp.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { message: expect.stringMatching(/^Ferry is paused by its user/) },
    });
    // OAuth: RFC 6749's temporarily_unavailable, for metadata, registration and authorization alike.
    for (const [method, route] of [
      ['GET', '/.well-known/oauth-authorization-server'],
      ['GET', '/.well-known/oauth-protected-resource/mcp'],
      ['POST', '/register'],
      ['GET', '/authorize?client_id=x'],
    ] as const) {
      const res = await fetch(`${local}${route}`, {
        method,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
      });
      expect(res.status, route).toBe(503);
      expect(res.headers.get('retry-after')).toBe(String(PAUSED_RETRY_AFTER_SECONDS));
      expect(await res.json(), route).toEqual({
        error: 'temporarily_unavailable',
        error_description: expect.stringMatching(/^Ferry is paused by its user/),
      });
    }
    // The admin API still answers, and says paused; the child still runs.
    const status = (await (await admin(ferry, 'GET', '/status')).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ paused: true, tunnel: { state: 'off' } });
    expect(ferry.core.admin.server('echo')).toMatchObject({ state: 'ready', pid: childPid });
    expect(alive(childPid)).toBe(true);
    // Starting the tunnel behind the pause's back is refused with the reason.
    const sneaky = await admin(ferry, 'POST', '/tunnel/start');
    expect(sneaky.status).toBe(409);
    expect(await sneaky.text()).toMatch(/paused: resume it/);
    // The doctor names the pause as the cause, not the symptoms it causes.
    const report = (await (await admin(ferry, 'POST', '/doctor')).json()) as Record<string, unknown>;
    expect(report).toMatchObject({ verdict: 'fail', cause: 'ferry-paused' });
    expect(report.summary).toMatch(/^Most likely cause: Ferry is paused by its user/);

    // A restart keeps the pause: no tunnel is started, the listener still refuses.
    await stop(ferry);
    const fakeBefore = await readFakeState(process.env.FAKE_CLOUDFLARED_STATE as string);
    expect(JSON.parse(await readFile(path.join(dataDir, 'exposure.json'), 'utf8'))).toMatchObject({
      paused: true,
      resumeTunnel: 'quick',
    });
    ferry = await start({ auth: true, tunnel: 'quick' });
    expect(ferry.core.admin.status()).toMatchObject({ paused: true, tunnel: { state: 'off' } });
    expect(ferry.core.tunnel.pid).toBeUndefined();
    expect(await readFakeState(process.env.FAKE_CLOUDFLARED_STATE as string)).toEqual(fakeBefore);
    expect((await initialize(`${ferry.runtime.localUrl}/mcp`)).status).toBe(503);

    // Resume: the tunnel comes back (a quick one with whatever address it gets), and MCP asks for a token again.
    const resumed = await admin(ferry, 'POST', '/exposure/resume');
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({ paused: false });
    await ferry.waitFor((e) => e.type === 'tunnel.state' && e.state === 'connected', 20_000);
    expect(alive(ferry.core.tunnel.pid)).toBe(true);
    const challenge = await initialize(`${ferry.runtime.localUrl}/mcp`);
    expect(challenge.status).toBe(401);
    expect(ferry.core.admin.status().paused).toBe(false);
  }, 60_000);

  it('closes open sessions cleanly while the children keep running, and serves new ones after resume', async () => {
    const ferry = await start({ auth: false, tunnel: 'off' });
    await serverState(ferry, 'echo', 'ready');
    const client = await ferry.connect();
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    const pid = ferry.core.admin.server('echo').pid;

    await ferry.core.admin.pauseExposure();
    const closed = await ferry.waitFor((e) => e.type === 'session.closed');
    expect(closed).toMatchObject({ reason: 'Ferry was paused by its user' });
    expect(ferry.core.admin.status().sessions).toBe(0);
    await expect(client.listTools()).rejects.toThrow();
    expect(ferry.core.admin.server('echo')).toMatchObject({ state: 'ready', pid });

    await ferry.core.admin.resumeExposure();
    const again = await ferry.connect();
    expect((await again.listTools()).tools.length).toBeGreaterThan(0);
  }, 30_000);
});
