import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { faultServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { CLAUDE_CALLBACK, type Connection, CookieJar, OAuthHarness, pkce } from '../helpers/oauth.js';

const PUBLIC = 'https://ferry-leaks.example';
const HOSTILE_NAME = '<script>alert(1)</script>';
/** ConsentManager's default wait for the user's decision; createAuth passes no other. */
const CONSENT_TIMEOUT_MS = 10 * 60_000;

/**
 * What a browser, a child process and the public listener can see: the waiting page cannot be framed,
 * leaks no Referer, offers nothing to click and escapes what the client chose to call itself; denial and
 * expiry send the browser back refused; the bearer token never reaches a child, a log line or a call
 * preview; and no admin route answers on the public listener.
 */
describe('OAuth security: framing and leaks', () => {
  let ferry: TestFerry;
  let h: OAuthHarness;

  beforeAll(async () => {
    ferry = await startFerry(
      { fault: faultServer(), isolated: faultServer() },
      {
        auth: true,
        publicUrl: PUBLIC,
        ferry: { servers: { isolated: { sessionMode: 'per-session' } } },
      },
    );
    await serverState(ferry, 'fault', 'ready');
    h = new OAuthHarness(ferry, PUBLIC);
  });
  afterAll(() => ferry.stop());

  /** The first two hops by hand: /authorize, then the waiting page with the browser's cookies. */
  const openWaitingPage = async (clientId: string, state = 'st') => {
    const jar = new CookieJar();
    const start = await h.client.fetch(h.authorizeQuery({ clientId, state, challenge: pkce().challenge }));
    jar.store(start);
    await start.text();
    expect(start.status).toBe(303);
    const waitingUrl = new URL(start.headers.get('location') as string, PUBLIC);
    const uid = waitingUrl.pathname.split('/')[2] as string;
    return { jar, waitingUrl, uid };
  };

  const pendingConsents = async () =>
    (await (await h.admin('/api/consents')).json()) as { id: string; clientId: string }[];

  describe('the waiting page', () => {
    let html: string;
    let headers: Headers;

    beforeAll(async () => {
      const clientId = await h.registerClient({ client_name: HOSTILE_NAME });
      const result = await h.browser({ clientId });
      html = result.waitingHtml;
      headers = result.waitingHeaders;
    });

    it('cannot be framed and sends no Referer', () => {
      expect(headers.get('x-frame-options')).toBe('DENY');
      const csp = headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(headers.get('referrer-policy')).toBe('no-referrer');
      expect(headers.get('cache-control')).toContain('no-store');
      expect(headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('runs only its own nonce-tagged script (no inline script an injection could use)', () => {
      const csp = headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("form-action 'none'");
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1] as string;
      const scripts = [...html.matchAll(/<script\b[^>]*>/gi)].map((m) => m[0]);
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag).toBe(`<script nonce="${nonce}">`);
    });

    it('offers nothing to click: no form, no button, no approve link', () => {
      expect(html).not.toMatch(/<form|<button|<input|<a\s/i);
      expect(html).not.toMatch(/approve\b[^.]*href/i);
    });

    it('HTML-escapes a hostile client_name', () => {
      expect(html).not.toContain(HOSTILE_NAME);
      expect(html).not.toContain('alert(1)</script>');
      expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    });
  });

  it('cannot be approved from the public side: no public route decides a consent', async () => {
    const clientId = await h.registerClient({ client_name: 'public approval attempt' });
    const { jar, waitingUrl, uid } = await openWaitingPage(clientId);
    const page = await h.client.fetch(waitingUrl.href, { headers: { cookie: jar.header() } });
    await page.text();
    const pending = (await pendingConsents()).find((c) => c.clientId === clientId);
    expect(pending).toBeDefined();
    const attempts: [string, string][] = [
      ['POST', `/consent/${uid}`],
      ['POST', `/consent/${uid}/approve`],
      ['GET', `/consent/${uid}/approve`],
      ['POST', `/consent/${uid}/status`],
      ['GET', `/consent/${uid}/abort`],
      ['POST', `/api/consents/${pending?.id as string}/approve`],
    ];
    for (const [method, path] of attempts) {
      const res = await h.client.fetch(path, {
        method,
        headers: { cookie: jar.header(), 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{"remember":true}' } : {}),
      });
      await res.text();
      const location = res.headers.get('location') ?? '';
      expect(location, `${method} ${path}`).not.toContain('code=');
      expect(location.startsWith(CLAUDE_CALLBACK), `${method} ${path}`).toBe(false);
    }
    const status = await h.client.fetch(`/consent/${uid}/status`, { headers: { cookie: jar.header() } });
    expect(((await status.json()) as { status: string }).status).toBe('pending');
    expect((await pendingConsents()).map((c) => c.id)).toContain(pending?.id);
    // Resuming the authorization without a decision starts it over (a new waiting page), never a code.
    const resumed = await h.client.fetch(`/authorize/${uid}`, { headers: { cookie: jar.header() } });
    await resumed.text();
    expect(resumed.headers.get('location') ?? '').not.toContain('code=');
    await h.admin(`/api/consents/${pending?.id as string}/deny`, { method: 'POST', body: '{}' });
  });

  it('sends the browser back with error=access_denied when the user denies, and no code', async () => {
    const clientId = await h.registerClient();
    const { location, consentId } = await h.browser({ clientId, state: 'denied-state' }, 'deny');
    expect(`${location.origin}${location.pathname}`).toBe(CLAUDE_CALLBACK);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('denied-state');
    expect(location.searchParams.get('iss')).toBe(PUBLIC);
    expect(location.searchParams.has('code')).toBe(false);
    const late = await h.admin(`/api/consents/${consentId}/approve`, { method: 'POST', body: '{}' });
    expect(late.status).not.toBe(200);
  });

  it('sends the browser back with error=access_denied when nobody decides in time (consent expiry)', async () => {
    // No option shortens the consent timeout through createCore, so the one timer that matters (set while
    // the waiting page is served) is faked; the request is made with node:http, which uses no JS timers.
    const clientId = await h.registerClient();
    const { jar, waitingUrl, uid } = await openWaitingPage(clientId, 'expired-state');
    const local = new URL(ferry.runtime.localUrl);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let status = 0;
    try {
      status = await new Promise<number>((resolve, reject) => {
        const req = http.get(
          {
            host: local.hostname,
            port: local.port,
            path: waitingUrl.pathname,
            headers: { cookie: jar.header() },
            agent: false,
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
      });
      vi.advanceTimersByTime(CONSENT_TIMEOUT_MS + 1000);
    } finally {
      vi.useRealTimers();
    }
    expect(status).toBe(200);
    expect(
      ferry.bus.recent
        .toArray()
        .some((e) => e.type === 'consent.resolved' && e.clientId === clientId && e.outcome === 'expired'),
    ).toBe(true);
    const polled = await h.client.fetch(`/consent/${uid}/status`, { headers: { cookie: jar.header() } });
    const body = (await polled.json()) as { status: string; next?: string };
    expect(body.status).toBe('expired');
    expect(body.next).toBeTruthy();
    let res = await h.client.fetch(body.next as string, { headers: { cookie: jar.header() } });
    for (let hops = 0; hops < 5 && [302, 303].includes(res.status); hops++) {
      jar.store(res);
      const location = new URL(res.headers.get('location') as string, PUBLIC);
      if (location.origin !== PUBLIC) {
        expect(`${location.origin}${location.pathname}`).toBe(CLAUDE_CALLBACK);
        expect(location.searchParams.get('error')).toBe('access_denied');
        expect(location.searchParams.get('state')).toBe('expired-state');
        expect(location.searchParams.has('code')).toBe(false);
        return;
      }
      res = await h.client.fetch(location.href, { headers: { cookie: jar.header() } });
    }
    throw new Error(`expired consent did not redirect back to the client: ${res.status}`);
  });

  describe('the bearer token', () => {
    let conn: Connection;
    const outputs: string[] = [];

    beforeAll(async () => {
      conn = await h.connect();
      const auth = { authorization: `Bearer ${conn.accessToken}` };
      const init = await h.mcpPost('/mcp', { ...auth, 'user-agent': 'Claude-User' });
      await init.text();
      expect(init.status).toBe(200);
      const session = init.headers.get('mcp-session-id') as string;
      const post = async (id: number, body: object) => {
        const res = await h.mcpPost(
          '/mcp',
          { ...auth, 'mcp-session-id': session },
          { jsonrpc: '2.0', id, ...body },
        );
        const text = await res.text();
        expect(res.status, text).toBe(200);
        return text;
      };
      await h.mcpPost(
        '/mcp',
        { ...auth, 'mcp-session-id': session },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
      );
      const tools = await post(1, { method: 'tools/list' });
      expect(tools).toContain('isolated__env');
      let id = 2;
      for (const name of ['fault__env', 'fault__argv', 'isolated__env', 'isolated__argv']) {
        const text = await post(id++, { method: 'tools/call', params: { name, arguments: {} } });
        expect(text).toContain('"result"');
        outputs.push(text);
      }
    });

    it('never reaches a child: not in the env or argv of a shared or a per-session server', () => {
      expect(outputs).toHaveLength(4);
      // The per-session child was spawned for this authorized session, after the token existed.
      expect(outputs[2]).toContain('PATH');
      for (const text of outputs) {
        expect(text).not.toContain(conn.accessToken);
        expect(text).not.toContain(conn.accessToken.split('.')[2] as string);
        expect(text).not.toContain(conn.refreshToken);
        expect(text).not.toContain(ferry.runtime.adminToken as string);
        expect(text).not.toMatch(/Bearer\s/);
      }
    });

    it('is in no log line, call preview or other event', async () => {
      const signature = conn.accessToken.split('.')[2] as string;
      const logs = JSON.stringify(ferry.bus.logs.toArray());
      const calls = JSON.stringify(ferry.bus.calls.toArray());
      const events = JSON.stringify(ferry.bus.recent.toArray());
      expect(ferry.bus.calls.toArray().length).toBeGreaterThanOrEqual(4);
      for (const [label, text] of [
        ['logs', logs],
        ['call previews', calls],
        ['events', events],
      ] as const) {
        expect(text, label).not.toContain(signature);
        expect(text, label).not.toContain(conn.refreshToken);
        expect(text, label).not.toContain(conn.code);
      }
      const apiLogs = await (await h.admin('/api/logs?limit=5000')).text();
      const apiCalls = await (await h.admin('/api/calls?limit=5000')).text();
      expect(apiLogs).not.toContain(signature);
      expect(apiCalls).not.toContain(signature);
    });
  });

  it('the public listener answers no admin route: every /api/* path is 404 or 401, never data', async () => {
    const clientId = await h.registerClient({ client_name: 'crawl target' });
    const { jar, waitingUrl } = await openWaitingPage(clientId);
    await (await h.client.fetch(waitingUrl.href, { headers: { cookie: jar.header() } })).text();
    const consentId = (await pendingConsents()).find((c) => c.clientId === clientId)?.id as string;
    expect(consentId).toBeTruthy();
    const conn = await h.connect();
    const paths = [
      '/api',
      '/api/',
      '/api/status',
      '/api/servers',
      '/api/servers/fault',
      '/api/servers/fault/restart',
      '/api/consents',
      `/api/consents/${consentId}/approve`,
      `/api/consents/${consentId}/deny`,
      '/api/clients',
      `/api/clients/${clientId}`,
      `/api/clients/${conn.clientId}`,
      '/api/calls',
      '/api/logs',
      '/api/events',
      '/api/../api/status',
      '/%61pi/status',
      '/API/status',
      '/runtime.json',
      '/config.json',
      '/oauth-state.json',
    ];
    const credentials: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${ferry.runtime.adminToken as string}` },
      { authorization: `Bearer ${conn.accessToken}` },
    ];
    for (const path of paths) {
      for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
        for (const headers of credentials) {
          const res = await h.client.fetch(path, {
            method,
            headers: { ...headers, 'content-type': 'application/json', accept: 'application/json' },
            ...(method === 'POST' || method === 'PATCH' ? { body: '{"remember":true}' } : {}),
          });
          const text = await res.text();
          const what = `${method} ${path} ${headers.authorization ? 'with a token' : ''}`;
          expect([401, 404], what).toContain(res.status);
          expect(text, what).not.toMatch(/"(pid|adminToken|clientId|matchCode|servers|grants|sessions)"/);
          expect(text, what).not.toContain(ferry.runtime.adminToken as string);
        }
      }
    }
    // Nothing was decided or revoked through the public side.
    expect((await pendingConsents()).map((c) => c.id)).toContain(consentId);
    const clients = ((await (await h.admin('/api/clients')).json()) as { clientId: string }[]).map(
      (c) => c.clientId,
    );
    expect(clients).toEqual(expect.arrayContaining([clientId, conn.clientId]));
    expect((await h.initializeWith(conn.accessToken)).status).toBe(200);
    await h.admin(`/api/consents/${consentId}/deny`, { method: 'POST', body: '{}' });
  });
});
