import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';

describe('headless admin listener', () => {
  let ferry: TestFerry;
  let admin: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    ferry = await startFerry({ echo: echoServer() });
    await serverState(ferry, 'echo', 'ready');
    admin = ferry.runtime.adminUrl as string;
    auth = { authorization: `Bearer ${ferry.runtime.adminToken}` };
  });
  afterAll(() => ferry.stop());

  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${admin}${path}`, {
      ...init,
      headers: { ...auth, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** fetch cannot set Host; a raw request can, as a rebinding attacker's browser effectively does. */
  const withHost = (host: string, headers: Record<string, string> = auth) =>
    new Promise<number>((resolve, reject) => {
      const req = request(`${admin}/api/status`, { headers: { ...headers, host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  it('binds to loopback and writes its url and a strong token to runtime.json', () => {
    expect(new URL(admin).hostname).toBe('127.0.0.1');
    expect(ferry.runtime.adminToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses requests without the token or with a wrong one', async () => {
    const none = await fetch(`${admin}/api/status`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      error: { code: 'unauthorized', message: expect.stringContaining('admin token') },
    });
    const wrong = await fetch(`${admin}/api/status`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const almost = await fetch(`${admin}/api/status`, {
      headers: { authorization: `Bearer ${ferry.runtime.adminToken}x` },
    });
    expect(almost.status).toBe(401);
  });

  it('refuses a foreign Host even with the token (DNS rebinding) and a foreign Origin', async () => {
    expect(await withHost('evil.example')).toBe(403);
    expect(await withHost(`evil.example:${new URL(admin).port}`)).toBe(403);
    expect(await withHost(`127.0.0.1:${new URL(admin).port}`)).toBe(200);
    const origin = await fetch(`${admin}/api/status`, {
      headers: { ...auth, origin: 'https://evil.example' },
    });
    expect(origin.status).toBe(403);
    expect(origin.headers.get('access-control-allow-origin')).toBeNull();
    const own = await fetch(`${admin}/api/status`, { headers: { ...auth, origin: admin } });
    expect(own.status).toBe(200);
  });

  it('reports status with every server', async () => {
    const { status, body } = await api('/api/status');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      mcpUrl: ferry.mcpUrl,
      demo: false,
      servers: [expect.objectContaining({ name: 'echo', state: 'ready', tools: 2 })],
    });
  });

  it('adds, edits, restarts and removes a server over HTTP, with field-level errors for bad input', async () => {
    const bad = await api('/api/servers', {
      method: 'POST',
      body: JSON.stringify({ name: 'x y', spec: { command: '' } }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: {
        code: 'invalid_input',
        issues: expect.arrayContaining([expect.objectContaining({ path: 'name' })]),
      },
    });

    const added = await api('/api/servers', {
      method: 'POST',
      body: JSON.stringify({ name: 'second', spec: echoServer() }),
    });
    expect(added.status).toBe(200);
    const duplicate = await api('/api/servers', {
      method: 'POST',
      body: JSON.stringify({ name: 'second', spec: echoServer() }),
    });
    expect(duplicate.status).toBe(409);
    await serverState(ferry, 'second', 'ready');

    const disabled = await api('/api/servers/second', {
      method: 'PATCH',
      body: JSON.stringify({ disabled: true }),
    });
    expect(disabled.body).toMatchObject({ name: 'second', state: 'disabled' });
    const restartDisabled = await api('/api/servers/second/restart', { method: 'POST' });
    expect(restartDisabled.status).toBe(409);

    const removed = await api('/api/servers/second', { method: 'DELETE' });
    expect(removed.body).toEqual({ removed: true });
    expect((await api('/api/servers/second')).status).toBe(404);
    expect((await api('/api/nothing')).status).toBe(404);
    const notJson = await fetch(`${admin}/api/servers`, { method: 'POST', headers: auth, body: '{' });
    expect(notJson.status).toBe(400);
  });

  it('lists finished calls and log lines, and streams events resumably', async () => {
    const client = await ferry.connect();
    await client.callTool({ name: 'echo__echo', arguments: { text: 'logged' } });
    const calls = await api('/api/calls?limit=5');
    expect(calls.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'call.end', server: 'echo', target: 'echo', outcome: 'ok' }),
      ]),
    );
    const logs = await fetch(`${admin}/api/logs?limit=3`, { headers: auth });
    expect(((await logs.json()) as unknown[]).length).toBeLessThanOrEqual(3);

    const controller = new AbortController();
    const stream = await fetch(`${admin}/api/events?since=0`, { headers: auth, signal: controller.signal });
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const reader = stream.body!.getReader();
    let text = '';
    while (!text.includes('event: call.end')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toMatch(/^id: \d+$/m);
    expect(text).toContain('event: server.status');
  });
});
