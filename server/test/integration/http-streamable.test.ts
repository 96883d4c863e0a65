import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer, faultServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { call, initializeBody, openSession, rawPost, read, sseMessages } from '../helpers/http.js';

describe('Streamable HTTP endpoint', () => {
  let ferry: TestFerry;
  let url: string;

  beforeAll(async () => {
    ferry = await startFerry(
      { echo: echoServer(), fault: faultServer() },
      { ferry: { keepAliveSeconds: 1, maxBodyBytes: 64 * 1024 } },
    );
    await Promise.all([serverState(ferry, 'echo', 'ready'), serverState(ferry, 'fault', 'ready')]);
    url = ferry.mcpUrl;
  });
  afterAll(() => ferry.stop());

  it('initializes with Accept: */* (never 406) and returns a session id', async () => {
    const res = await rawPost(url, initializeBody(1), { accept: '*/*' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('mcp-session-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      result: { protocolVersion: '2025-11-25', serverInfo: { name: 'ferry' }, capabilities: { tools: {} } },
    });
  });

  it('negotiates an older protocol version the client asks for, and the latest for an unknown one', async () => {
    const old = await rawPost(url, initializeBody(1, '2025-03-26'));
    expect((old.json as { result: { protocolVersion: string } }).result.protocolVersion).toBe('2025-03-26');
    const future = await rawPost(url, initializeBody(1, '2099-01-01'));
    expect((future.json as { result: { protocolVersion: string } }).result.protocolVersion).toBe(
      '2025-11-25',
    );
  });

  it('accepts notifications without a session id with 202 (Claude omits it)', async () => {
    const res = await rawPost(url, { jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
  });

  it('answers a quick call as plain JSON on the session', async () => {
    const session = await openSession(url);
    const res = await rawPost(url, call(7, 'echo__echo', { text: 'plain' }), { 'mcp-session-id': session });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.json).toEqual({
      jsonrpc: '2.0',
      id: 7,
      result: { content: [{ type: 'text', text: 'plain' }] },
    });
  });

  it('re-creates an unknown session id transparently instead of 404 (Ferry restarted)', async () => {
    const res = await rawPost(url, call('a', 'echo__echo', { text: 'again' }), {
      'mcp-session-id': 'unknown-session-123',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toBe('unknown-session-123');
    expect(res.json).toMatchObject({ id: 'a', result: { content: [{ text: 'again' }] } });
  });

  it('serves a request without any session id (stateless clients)', async () => {
    const res = await rawPost(url, { jsonrpc: '2.0', id: 3, method: 'tools/list' });
    expect(res.status).toBe(200);
    const names = (res.json as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name);
    expect(names).toContain('echo__echo');
    expect(names).toContain('fault__slow');
  });

  it('implements server/discover without a session (MCP 2026-07-28, per-request _meta)', async () => {
    const res = await rawPost(
      url,
      {
        jsonrpc: '2.0',
        id: 'd',
        method: 'server/discover',
        params: {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      },
      { 'mcp-protocol-version': '2026-07-28' },
    );
    expect(res.json).toMatchObject({
      id: 'd',
      result: {
        supportedVersions: expect.arrayContaining(['2026-07-28', '2025-11-25']),
        serverInfo: { name: 'ferry' },
        resultType: 'complete',
      },
    });
  });

  it('answers a batch with an array of responses', async () => {
    const session = await openSession(url);
    const res = await rawPost(
      url,
      [call(1, 'echo__echo', { text: 'one' }), call(2, 'echo__echo', { text: 'two' })],
      {
        'mcp-session-id': session,
      },
    );
    expect(res.status).toBe(200);
    const list = res.json as { id: number; result: { content: { text: string }[] } }[];
    expect(list.map((r) => [r.id, r.result.content[0]?.text]).sort()).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
  });

  it('keeps two sessions apart when both use the same JSON-RPC id at once', async () => {
    const [a, b] = await Promise.all([openSession(url), openSession(url)]);
    for (let i = 0; i < 20; i++) {
      const [ra, rb] = await Promise.all([
        rawPost(url, call(i, 'echo__echo', { text: `a${i}` }), { 'mcp-session-id': a }),
        rawPost(url, call(i, 'echo__echo', { text: `b${i}` }), { 'mcp-session-id': b }),
      ]);
      expect(ra.json).toMatchObject({ id: i, result: { content: [{ text: `a${i}` }] } });
      expect(rb.json).toMatchObject({ id: i, result: { content: [{ text: `b${i}` }] } });
    }
  });

  it('refuses a second request with an id already in flight on the same session instead of hanging', async () => {
    const session = await openSession(url);
    const slow = rawPost(url, call(5, 'fault__slow', { ms: 800 }), { 'mcp-session-id': session });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const clash = await rawPost(url, call(5, 'echo__echo', { text: 'x' }), { 'mcp-session-id': session });
    expect(clash.status).toBe(400);
    expect(clash.json).toMatchObject({
      id: 5,
      error: { code: -32600, message: expect.stringContaining('already in flight') },
    });
    const first = await slow;
    expect(first.json ?? sseMessages(first.text).at(-1)).toMatchObject({ id: 5, result: {} });
    const batch = await rawPost(
      url,
      [call(6, 'echo__echo', { text: 'a' }), call(6, 'echo__echo', { text: 'b' })],
      {
        'mcp-session-id': session,
      },
    );
    expect(batch.status).toBe(400);
  });

  it('streams a slow call as SSE with keep-alive comments, then the result', async () => {
    const session = await openSession(url);
    const res = await rawPost(url, call(9, 'fault__slow', { ms: 2300 }), { 'mcp-session-id': session });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toContain('no-transform');
    expect(res.text).toContain(': keep-alive');
    expect(sseMessages(res.text).at(-1)).toMatchObject({ id: 9, result: { content: [expect.anything()] } });
  });

  it('sends progress on the POST stream with the client’s own token', async () => {
    const session = await openSession(url);
    const res = await rawPost(
      url,
      call(10, 'fault__slow', { ms: 300, steps: 3 }, { progressToken: 'tok-1' }),
      {
        'mcp-session-id': session,
      },
    );
    const messages = sseMessages(res.text) as { method?: string; params?: { progressToken?: unknown } }[];
    const progress = messages.filter((m) => m.method === 'notifications/progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.every((p) => p.params?.progressToken === 'tok-1')).toBe(true);
    expect(messages.at(-1)).toMatchObject({ id: 10, result: {} });
  });

  it('answers JSON-only clients with JSON even for slow calls', async () => {
    const session = await openSession(url);
    const res = await rawPost(url, call(11, 'fault__slow', { ms: 1500 }), {
      'mcp-session-id': session,
      accept: 'application/json',
    });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.json).toMatchObject({ id: 11, result: {} });
  });

  it('opens a GET stream that carries session notifications, and closes sessions on DELETE', async () => {
    const session = await openSession(url);
    const controller = new AbortController();
    const stream = await fetch(url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': session },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const reader = stream.body!.getReader();
    // Restarting a server changes the aggregated list: the session hears list_changed on its GET stream.
    await ferry.core.admin.restartServer('echo');
    let seen = '';
    const deadline = Date.now() + 10_000;
    while (!seen.includes('notifications/tools/list_changed') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    expect(seen).toContain('notifications/tools/list_changed');
    controller.abort();
    await serverState(ferry, 'echo', 'ready');

    const del = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': session } });
    expect(del.status).toBe(200);
    const again = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': session } });
    expect(again.status).toBe(404);
  });

  it('answers GET without a session with 405, HEAD with 204, and other methods with 405', async () => {
    const get = await fetch(url, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(204);
    expect(head.headers.get('allow')).toContain('POST');
    const put = await fetch(url, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toContain('POST');
  });

  it.each([
    ['malformed JSON', '{"jsonrpc": "2.0", "id": 1, "method": ', 400, -32700],
    ['a JSON-RPC 1.0 message', { id: 1, method: 'ping' }, 400, -32600],
    ['params that are not an object', { jsonrpc: '2.0', id: 1, method: 'ping', params: [1] }, 400, -32600],
    ['an empty batch', [], 400, -32600],
  ])('rejects %s with a spec-shaped error', async (_name, body, status, code) => {
    const res = await rawPost(url, body);
    expect(res.status).toBe(status);
    expect(res.json).toMatchObject({ jsonrpc: '2.0', error: { code } });
  });

  it('rejects a wrong content type with 415 and an unacceptable Accept with 406', async () => {
    const wrongType = await rawPost(url, initializeBody(), { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.json).toMatchObject({ error: { code: -32600 } });
    const wrongAccept = await rawPost(url, initializeBody(), { accept: 'text/html' });
    expect(wrongAccept.status).toBe(406);
  });

  it('rejects an oversized body with 413 and keeps serving', async () => {
    const res = await rawPost(url, call(1, 'echo__echo', { text: 'x'.repeat(100 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ error: { code: -32600, message: expect.stringContaining('exceeds') } });
    const after = await rawPost(url, { jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(after.status).toBe(200);
  });

  it('refuses foreign Host and Origin headers (DNS rebinding) and allows listed origins with CORS', async () => {
    const { request } = await import('node:http');
    const evilHost = await new Promise<number>((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(initializeBody()));
    });
    expect(evilHost).toBe(403);
    const evilOrigin = await rawPost(url, initializeBody(), { origin: 'https://evil.example' });
    expect(evilOrigin.status).toBe(403);
    // MCP Inspector's web UI, the one browser client the docs name, is on the default allowlist.
    const inspector = await rawPost(url, initializeBody(), { origin: 'http://localhost:6274' });
    expect(inspector.status).toBe(200);
    expect(inspector.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
    expect(inspector.headers.get('access-control-expose-headers')).toContain('Mcp-Session-Id');
    // Ferry's own origin (a page it serves) is not foreign.
    const own = await rawPost(url, initializeBody(), { origin: new URL(url).origin });
    expect(own.status).toBe(200);
    expect(own.headers.get('access-control-allow-origin')).toBe(new URL(url).origin);
  });

  it('refuses any other localhost page: no CORS reflection, 403 (issue #11 item 8)', async () => {
    for (const origin of ['http://localhost:1234', 'http://127.0.0.1:1234']) {
      const post = await rawPost(url, initializeBody(), { origin });
      expect(post.status).toBe(403);
      expect(post.json).toMatchObject({ error: { message: 'Origin not allowed' } });
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(preflight.status).toBe(403);
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    }
    // Requests without Origin (Claude's backend, SDKs) are unaffected.
    const plain = await rawPost(url, initializeBody());
    expect(plain.status).toBe(200);
  });

  it('serves one server with its original names at /mcp/<server> and 404s unknown servers', async () => {
    const res = await rawPost(`${url}/echo`, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const names = (res.json as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name);
    expect(names).toEqual(['echo', 'blob']);
    const missing = await rawPost(`${url}/nope`, initializeBody());
    expect(missing.status).toBe(404);
  });

  it('exposes nothing but MCP on the public listener', async () => {
    for (const path of ['/api/status', '/api/servers', '/', '/runtime.json', '/admin']) {
      const res = await read(await fetch(`${ferry.runtime.localUrl}${path}`));
      expect(res.status, path).toBe(404);
    }
  });
});
