import http from 'node:http';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { CLAUDE_CALLBACK, CLAUDE_REGISTRATION, pkce } from '../helpers/oauth.js';
import { useOAuthFerry } from '../helpers/oauthFerry.js';

const PUBLIC = 'https://ferry-dcr.example';
const CLAUDE_CIMD = 'https://claude.ai/oauth/mcp-oauth-client-metadata';

/**
 * Dynamic client registration with hostile metadata, its rate limit, and Client ID Metadata Documents:
 * Claude's pinned document works with no network, and a client id URL on a private address or over http
 * is refused. Every fetch the process makes off the test Ferry is recorded and refused by a guard, so no
 * request leaves the machine even if Ferry had an SSRF bug; the tests assert the guard saw nothing.
 *
 * The rate-limit test runs last: the registration bucket (burst 20) is shared by the whole file, and the
 * tests before it register fewer than 20 clients.
 */
describe('OAuth security: client registration and metadata documents', () => {
  const h = useOAuthFerry(PUBLIC, { guard: true });

  /**
   * One request on `agent` (keep-alive, one socket), so a follow-up reuses the connection like a tunnel's
   * pooled origin connection does; gives up after 5 s instead of hanging the test.
   */
  const rawRequest = (
    agent: http.Agent,
    method: string,
    path: string,
    body?: string,
    contentType = 'application/json',
  ): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const url = new URL(h.ferry.runtime.localUrl);
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path,
          method,
          agent,
          headers:
            body === undefined
              ? {}
              : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${method} ${path} within 5 s`)));
      req.on('error', reject);
      req.end(body);
    });

  const clientIds = async () =>
    ((await (await h.admin('/api/clients')).json()) as { clientId: string }[]).map((c) => c.clientId);

  describe('DCR with hostile metadata', () => {
    it('refuses a body over 64 KiB, registers nothing, and leaves the connection usable', async () => {
      const before = await clientIds();
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const big = JSON.stringify({ ...CLAUDE_REGISTRATION, client_name: 'x'.repeat(1024 * 1024) });
        const res = await rawRequest(agent, 'POST', '/register', big);
        expect([400, 413]).toContain(res.status);
        expect(JSON.parse(res.text)).toMatchObject({ error: expect.any(String) });
        // Behind cloudflared, connections to Ferry are pooled: the next request on this one (anyone's)
        // must be answered, or the server must have closed the connection.
        const next = await rawRequest(agent, 'GET', '/.well-known/oauth-authorization-server');
        expect(next.status).toBe(200);
      } finally {
        agent.destroy();
      }
      expect(await clientIds()).toEqual(before);
    });

    it('refuses a /token body over 64 KiB and leaves the connection usable', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const big = new URLSearchParams({ grant_type: 'authorization_code', code: 'x'.repeat(1024 * 1024) });
        const res = await rawRequest(
          agent,
          'POST',
          '/token',
          big.toString(),
          'application/x-www-form-urlencoded',
        );
        expect([400, 413]).toContain(res.status);
        const next = await rawRequest(agent, 'GET', '/.well-known/oauth-authorization-server');
        expect(next.status).toBe(200);
      } finally {
        agent.destroy();
      }
    });

    it.each([
      ['an array', '[]'],
      ['a string', '"claudeai"'],
      ['null', 'null'],
      ['a number', '42'],
      ['broken JSON', '{"client_name":'],
    ])('refuses %s as the body with 400 invalid_client_metadata', async (_label, body) => {
      const res = await h.register(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_client_metadata');
    });

    it.each([
      ['a string instead of an array', CLAUDE_CALLBACK],
      ['an empty array', []],
      ['11 entries', Array.from({ length: 11 }, (_, i) => `http://127.0.0.1:${40000 + i}/cb`)],
      ['a non-string entry', [CLAUDE_CALLBACK, { uri: CLAUDE_CALLBACK }]],
    ])('refuses redirect_uris as %s with 400 invalid_redirect_uri', async (_label, redirectUris) => {
      const res = await h.register({ ...CLAUDE_REGISTRATION, redirect_uris: redirectUris });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_redirect_uri');
    });

    it('refuses unsupported token_endpoint_auth_method values with invalid_client_metadata', async () => {
      for (const method of ['private_key_jwt', 'tls_client_auth']) {
        const res = await h.register({ ...CLAUDE_REGISTRATION, token_endpoint_auth_method: method });
        expect(res.status, method).toBe(400);
        expect(res.body.error, method).toBe('invalid_client_metadata');
      }
    });

    it('never fetches a jwks_uri or logo_uri on 127.0.0.1, at registration or in a whole flow', async () => {
      const res = await h.register({
        ...CLAUDE_REGISTRATION,
        jwks_uri: 'https://127.0.0.1/jwks.json',
        logo_uri: 'https://127.0.0.1/logo.png',
      });
      // Refusing them would be fine too; what matters is that nothing is fetched.
      expect([201, 400]).toContain(res.status);
      if (res.status === 201) {
        const clientId = res.body.client_id as string;
        // A signed request object would make a provider that supports JAR fetch the jwks_uri.
        const request = await new SignJWT({ client_id: clientId, response_type: 'code' })
          .setProtectedHeader({ alg: 'HS256' })
          .sign(new Uint8Array(32));
        const jar = await h.client.fetch(h.authorizeQuery({ clientId, extra: { request } }));
        await jar.text();
        expect(jar.status).toBeLessThan(500);
        const { location, waitingHtml } = await h.browser({ clientId });
        expect(location.searchParams.get('code')).toBeTruthy();
        expect(waitingHtml).not.toContain('127.0.0.1');
      }
      expect(h.guard?.calls).toEqual([]);
    });

    it('refuses a sector_identifier_uri on 127.0.0.1 without fetching it', async () => {
      const res = await h.register({ ...CLAUDE_REGISTRATION, sector_identifier_uri: 'https://127.0.0.1/s' });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_client_metadata');
      expect(h.guard?.calls).toEqual([]);
    });

    it('accepts Claude’s scope "claudeai" but does not store it on the client', async () => {
      const res = await h.register(CLAUDE_REGISTRATION);
      expect(res.status).toBe(201);
      expect(res.body.scope).toBeUndefined();
      // The client still gets Ferry's scope (a stored "claudeai" would make every real scope invalid).
      const { location } = await h.browser({ clientId: res.body.client_id as string, scope: 'claudeai' });
      expect(location.searchParams.get('code')).toBeTruthy();
    });

    it('does not let a registration choose its client_id (no overwriting another client)', async () => {
      const victim = await h.registerClient({ client_name: 'victim' });
      const res = await h.register({ ...CLAUDE_REGISTRATION, client_id: victim, client_name: 'impostor' });
      expect(res.status).toBe(201);
      expect(res.body.client_id).not.toBe(victim);
      const clients = (await (await h.admin('/api/clients')).json()) as {
        clientId: string;
        clientName?: string;
      }[];
      expect(clients.find((c) => c.clientId === victim)?.clientName).toBe('victim');
      const cimd = await h.register({ ...CLAUDE_REGISTRATION, client_id: CLAUDE_CIMD });
      expect(cimd.body.client_id).not.toBe(CLAUDE_CIMD);
    });
  });

  describe('Client ID Metadata Documents', () => {
    it('runs a whole flow for client_id=Claude’s metadata URL from the pinned copy, with no network', async () => {
      const { verifier, challenge } = pkce();
      const { location, waitingHtml } = await h.browser({ clientId: CLAUDE_CIMD, challenge, state: 'cimd' });
      expect(`${location.origin}${location.pathname}`).toBe(CLAUDE_CALLBACK);
      expect(location.searchParams.get('state')).toBe('cimd');
      expect(waitingHtml).toContain('<strong>Claude</strong>');
      const token = await h.redeem({
        code: location.searchParams.get('code') as string,
        code_verifier: verifier,
        redirect_uri: CLAUDE_CALLBACK,
        client_id: CLAUDE_CIMD,
        resource: h.mcpUrl,
      });
      expect(token.status).toBe(200);
      expect((await h.initializeWith(token.body.access_token as string)).status).toBe(200);
      expect(h.guard?.calls).toEqual([]);
    });

    it('refuses Claude’s pinned client with a redirect URI its document does not list, without redirecting', async () => {
      const res = await h.client.fetch(
        h.authorizeQuery({ clientId: CLAUDE_CIMD, redirectUri: 'http://127.0.0.1:9/cb' }),
      );
      await res.text();
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    });

    it.each([
      ['loopback', 'https://127.0.0.1/client.json'],
      ['cloud metadata (link-local)', 'https://169.254.169.254/latest/meta-data'],
      ['IPv6 loopback', 'https://[::1]/client.json'],
      ['RFC 1918', 'https://192.168.1.1/client.json'],
      ['plain http', 'http://127.0.0.1/client.json'],
      ['a non-default port', 'https://127.0.0.1:8443/client.json'],
    ])(
      'refuses a client_id URL on %s at /authorize (400 page) and /token (invalid_client), sending nothing',
      async (_label, id) => {
        const page = await h.client.fetch(h.authorizeQuery({ clientId: id }));
        const html = await page.text();
        expect(page.status).toBe(400);
        expect(page.headers.get('location')).toBeNull();
        expect(html).toContain('invalid_client');
        const token = await h.redeem({
          code: 'x'.repeat(43),
          code_verifier: pkce().verifier,
          redirect_uri: CLAUDE_CALLBACK,
          client_id: id,
        });
        // RFC 6749 §5.2 allows 400 or 401 for invalid_client when no Authorization header was sent.
        expect([400, 401]).toContain(token.status);
        expect(token.body.error).toBe('invalid_client');
        expect(token.body.access_token).toBeUndefined();
        expect(h.guard?.calls).toEqual([]);
      },
    );
  });

  describe('registration rate limit (last: it empties the bucket)', () => {
    it('answers a burst of more than 20 registrations with 429 and Retry-After', async () => {
      const results = await Promise.all(Array.from({ length: 25 }, () => h.register(CLAUDE_REGISTRATION)));
      const created = results.filter((r) => r.status === 201);
      const limited = results.filter((r) => r.status === 429);
      expect(created.length + limited.length).toBe(25);
      expect(created.length).toBeLessThanOrEqual(20);
      expect(limited.length).toBeGreaterThanOrEqual(5);
      for (const res of limited) {
        expect(res.body.error).toBe('temporarily_unavailable');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(Number.isInteger(Number(res.headers.get('retry-after')))).toBe(true);
      }
      // The limit holds for a hostile body too: it is checked before anything is parsed.
      const hostile = await h.register('x'.repeat(100));
      expect(hostile.status).toBe(429);
    });
  });
});
