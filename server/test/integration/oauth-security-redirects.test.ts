import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAUDE_CALLBACK, pkce } from '../helpers/oauth.js';
import { useOAuthFerry } from '../helpers/oauthFerry.js';

const PUBLIC = 'https://ferry-redirects.example';

/**
 * Codes go to Claude's callback byte for byte, or to loopback, and nowhere else. Every lookalike of the
 * callback is refused at registration (`invalid_redirect_uri`) and at /authorize, where the refusal is an
 * error page: a redirect to an unvetted URI is exactly what an attacker wants.
 *
 * At most 17 registrations happen here, under the registration burst of 20.
 */
const HOSTILE: [label: string, uri: string][] = [
  ['a trailing slash', `${CLAUDE_CALLBACK}/`],
  ['an upper-case host', 'https://CLAUDE.ai/api/mcp/auth_callback'],
  ['an upper-case path', 'https://claude.ai/api/MCP/auth_callback'],
  ['userinfo before another host', 'https://claude.ai@evil.com/api/mcp/auth_callback'],
  ['another port', 'https://claude.ai:8443/api/mcp/auth_callback'],
  ['the default port spelled out', 'https://claude.ai:443/api/mcp/auth_callback'],
  ['http', 'http://claude.ai/api/mcp/auth_callback'],
  ['a fragment', `${CLAUDE_CALLBACK}#x`],
  ['a query', `${CLAUDE_CALLBACK}?next=https://evil.com`],
  ['javascript:', 'javascript:alert(document.cookie)//https://claude.ai/api/mcp/auth_callback'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['file:', 'file:///etc/passwd'],
  ['CR LF (header injection)', `${CLAUDE_CALLBACK}\r\nSet-Cookie: a=b`],
  ['a leading tab and a NUL', `\t${CLAUDE_CALLBACK}\u0000`],
  ['a host that only starts with claude.ai', 'https://claude.ai.evil.com/api/mcp/auth_callback'],
];

describe('OAuth security: redirect URIs', () => {
  const h = useOAuthFerry(PUBLIC);
  let claudeClient: string;
  let loopback: Server;
  let loopbackPort: number;
  const received: string[] = [];

  beforeAll(async () => {
    claudeClient = await h.registerClient();
    // A local client's callback listener (Claude Code, MCP Inspector), on an ephemeral loopback port.
    loopback = createServer((req, res) => {
      received.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('signed in');
    });
    await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
    loopbackPort = (loopback.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => loopback.close(() => resolve()));
  });

  describe('at registration (DCR)', () => {
    it.each(HOSTILE)('refuses %s with 400 invalid_redirect_uri', async (_label, uri) => {
      const res = await h.register({
        client_name: 'lookalike',
        token_endpoint_auth_method: 'none',
        redirect_uris: [uri],
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_redirect_uri');
      expect(res.body.client_id).toBeUndefined();
    });

    it('registered nothing for any of them', async () => {
      const clients = (await (await h.admin('/api/clients')).json()) as { clientId: string }[];
      expect(clients.map((c) => c.clientId)).toEqual([claudeClient]);
    });
  });

  describe('at /authorize (client registered with Claude’s callback)', () => {
    it.each(HOSTILE)(
      'answers %s with a 400 error page and no redirect, before any consent',
      async (_label, uri) => {
        const before = h.ferry.bus.lastSeq;
        const query = h.authorizeQuery({ clientId: claudeClient, redirectUri: uri });
        const res = await h.client.fetch(query);
        const html = await res.text();
        expect(res.status).toBe(400);
        expect(res.headers.get('location')).toBeNull();
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        expect(res.headers.get('x-frame-options')).toBe('DENY');
        expect(html).toMatch(/redirect_uri/);
        // Nothing of the hostile URI is reflected as markup.
        expect(html).not.toMatch(/<script>alert|javascript:|data:text/);
        expect(h.ferry.bus.since(before).some((e) => e.type === 'consent.requested')).toBe(false);
      },
    );

    it('also refuses a loopback URI that the client did not register', async () => {
      const res = await h.client.fetch(
        h.authorizeQuery({ clientId: claudeClient, redirectUri: `http://127.0.0.1:${loopbackPort}/cb` }),
      );
      await res.text();
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    });
  });

  it('runs a full flow to a loopback redirect URI (http://127.0.0.1:<port>/cb) and the token works', async () => {
    const redirectUri = `http://127.0.0.1:${loopbackPort}/cb`;
    const registered = await h.register({
      client_name: 'local tool',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      redirect_uris: [redirectUri],
    });
    expect(registered.status).toBe(201);
    const clientId = registered.body.client_id as string;
    const { verifier, challenge } = pkce();
    const { location } = await h.browser({ clientId, redirectUri, challenge, state: 'loop' });
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('loop');
    const code = location.searchParams.get('code') as string;
    expect(code).toBeTruthy();
    // The browser lands on the local listener.
    const landed = await fetch(location.href);
    expect(landed.status).toBe(200);
    expect(received.at(-1)).toContain(`code=${encodeURIComponent(code)}`);
    const token = await h.redeem({
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
      client_id: clientId,
    });
    expect(token.status).toBe(200);
    expect((await h.initializeWith(token.body.access_token as string)).status).toBe(200);
  });

  it('refuses a code redeemed with a redirect_uri other than the one it was issued for', async () => {
    const { verifier, challenge } = pkce();
    const { location } = await h.browser({ clientId: claudeClient, challenge });
    const code = location.searchParams.get('code') as string;
    const res = await h.redeem({
      code,
      code_verifier: verifier,
      redirect_uri: `${CLAUDE_CALLBACK}/`,
      client_id: claudeClient,
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });
});
