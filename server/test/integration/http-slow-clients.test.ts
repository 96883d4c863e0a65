import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer, faultServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { sseMessages, initializeBody } from '../helpers/http.js';
import { freshRequest, RawClient, requestHead } from '../helpers/rawSocket.js';
import { OAuthHarness } from '../helpers/oauth.js';

const PUBLIC = 'https://ferry-slow.example';

/**
 * The listener's bounds, shortened so the file runs in seconds; the defaults and their reasons are in
 * `server/src/http/bounds.ts`. Trickled bytes come every `TRICKLE_MS`, well inside the idle bound, so
 * only the total bound can end such a body.
 */
const BOUNDS = {
  bodyIdleMs: 1_000,
  bodyTotalMs: 3_000,
  drainMs: 1_000,
  headersMs: 1_000,
  maxSockets: 24,
  maxAnonymousRequests: 4,
  retryAfterSeconds: 7,
};
const TRICKLE_MS = 200;
/** How long a test waits for Ferry to close a socket: the longest bound plus generous slack for a busy CI. */
const CLOSE_WAIT_MS = BOUNDS.bodyTotalMs + BOUNDS.drainMs + 5_000;

/**
 * Issue #11 item 5: slow or never-finished requests must not hold connections (and file descriptors)
 * for ever, and a flood of anonymous ones must not lock Claude's token-carrying requests out.
 */
describe('slow and abusive clients on the public listener', () => {
  let ferry: TestFerry;
  let h: OAuthHarness;
  let token: string;
  let local: string;
  const opened: RawClient[] = [];

  const raw = async (): Promise<RawClient> => {
    const client = new RawClient(local);
    opened.push(client);
    await client.connected();
    return client;
  };

  beforeAll(async () => {
    ferry = await startFerry(
      { echo: echoServer(), fault: faultServer() },
      {
        auth: true,
        publicUrl: PUBLIC,
        // A call turns into an SSE stream at its first keep-alive: 1 s makes the long answer a stream.
        ferry: { keepAliveSeconds: 1 },
        coreOptions: { listenerBounds: BOUNDS },
      },
    );
    await Promise.all([serverState(ferry, 'echo', 'ready'), serverState(ferry, 'fault', 'ready')]);
    h = new OAuthHarness(ferry, PUBLIC);
    token = (await h.connect()).accessToken;
    local = ferry.runtime.localUrl;
  });
  afterAll(async () => {
    for (const client of opened) client.destroy();
    await ferry.stop();
  });

  const bearer = () => ({ authorization: `Bearer ${token}` });

  describe('a body that never ends in time is cut', () => {
    it.each([
      ['/token', 'application/x-www-form-urlencoded', false, 408],
      ['/register', 'application/json', false, 408],
      ['/mcp', 'application/json', true, 408],
      // Refused before its body is read: the 401 is sent, then the trickled rest is not waited for.
      ['/mcp', 'application/json', false, 401],
    ])(
      'closes a connection that trickles its body to %s (%s, token: %s) with %i',
      async (path, type, withToken, status) => {
        const client = await raw();
        client.write(
          requestHead('POST', path, {
            'content-type': type,
            'content-length': '60000',
            ...(withToken ? bearer() : {}),
          }),
        );
        client.trickle(TRICKLE_MS);
        expect(await client.closedWithin(CLOSE_WAIT_MS)).toBe(true);
        expect(client.status).toBe(status);
      },
    );

    it('closes a connection whose body stalls', async () => {
      const client = await raw();
      client.write(requestHead('POST', '/token', { 'content-length': '60000' }));
      client.write('grant_type=');
      expect(await client.closedWithin(CLOSE_WAIT_MS)).toBe(true);
      expect(client.status).toBe(408);
      expect(client.received).toContain('"error":"invalid_request"');
    });

    it('cuts a trickled body on the admin listener too', async () => {
      const admin = new RawClient(ferry.runtime.adminUrl as string);
      opened.push(admin);
      await admin.connected();
      admin.write(
        requestHead('POST', '/api/servers', {
          authorization: `Bearer ${ferry.runtime.adminToken as string}`,
          'content-type': 'application/json',
          'content-length': '60000',
        }),
      );
      admin.trickle(TRICKLE_MS);
      expect(await admin.closedWithin(CLOSE_WAIT_MS)).toBe(true);
      expect(admin.status).toBe(408);
      expect(admin.received).toContain('"code":"timeout"');
    });

    it('does not cut a long streamed answer: only request bodies are bounded', async () => {
      const ms = BOUNDS.bodyTotalMs + BOUNDS.drainMs + 500;
      const res = await freshRequest(`${local}/mcp`, {
        method: 'POST',
        headers: { ...bearer(), 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 9,
          method: 'tools/call',
          params: { name: 'fault__slow', arguments: { ms } },
        }),
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(res.text).toContain(': keep-alive');
      expect(sseMessages(res.text)).toContainEqual(
        expect.objectContaining({ id: 9, result: { content: [expect.objectContaining({ type: 'text' })] } }),
      );
    });
  });

  it('refuses anonymous requests past the cap with 503 and Retry-After, and still serves a token', async () => {
    const holders: RawClient[] = [];
    for (let i = 0; i < BOUNDS.maxAnonymousRequests; i++) {
      const client = await raw();
      client.write(requestHead('POST', '/token', { 'content-length': '60000' }));
      client.trickle(TRICKLE_MS);
      holders.push(client);
    }
    // The holders' headers reach Ferry in their own time: ask until the cap is seen.
    let refused = await freshRequest(`${local}/.well-known/oauth-authorization-server`);
    for (let i = 0; i < 40 && refused.status !== 503; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      refused = await freshRequest(`${local}/.well-known/oauth-authorization-server`);
    }
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe(String(BOUNDS.retryAfterSeconds));
    expect(JSON.parse(refused.text)).toMatchObject({ error: 'temporarily_unavailable' });

    const anonymousMcp = await freshRequest(`${local}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(initializeBody()),
    });
    expect(anonymousMcp.status).toBe(503);
    expect(JSON.parse(anonymousMcp.text)).toMatchObject({ jsonrpc: '2.0', error: { code: -32603 } });

    const withToken = await freshRequest(`${local}/mcp`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(initializeBody(1)),
    });
    expect(withToken.status).toBe(200);
    expect(JSON.parse(withToken.text)).toMatchObject({ id: 1, result: { serverInfo: { name: 'ferry' } } });

    for (const client of holders) client.destroy();
    let after = await freshRequest(`${local}/.well-known/oauth-authorization-server`);
    for (let i = 0; i < 40 && after.status === 503; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await freshRequest(`${local}/.well-known/oauth-authorization-server`);
    }
    expect(after.status).toBe(200);
  });

  it('keeps open sockets under the cap when headers never complete, and still serves a request', async () => {
    const flood: RawClient[] = [];
    for (let i = 0; i < BOUNDS.maxSockets + 10; i++) {
      const client = await raw();
      client.write('POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      flood.push(client);
    }
    const open = () => flood.filter((client) => !client.closed).length;
    for (let i = 0; i < 40 && open() > BOUNDS.maxSockets; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(open()).toBeLessThanOrEqual(BOUNDS.maxSockets);

    const normal = await freshRequest(`${local}/mcp`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(initializeBody(2)),
    });
    expect(normal.status).toBe(200);
    expect(open()).toBeLessThan(BOUNDS.maxSockets);

    // Headers that never complete are answered 408 and closed by Node's headers timeout.
    const closed = await Promise.all(flood.map((client) => client.closedWithin(CLOSE_WAIT_MS)));
    expect(closed.every(Boolean)).toBe(true);
  });
});
