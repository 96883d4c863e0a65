import { createPublicKey } from 'node:crypto';
import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearerChallenge, CLAUDE_CALLBACK, type Connection, decodeJwt, pkce } from '../helpers/oauth.js';
import { useOAuthFerry } from '../helpers/oauthFerry.js';

const PUBLIC = 'https://ferry-tokens.example';
const MCP = `${PUBLIC}/mcp`;
const ECHO = `${PUBLIC}/mcp/echo`;

/**
 * Authorization codes, refresh tokens and access tokens under attack: unknown clients, replayed and raced
 * codes (RFC 6749 §4.1.2), refresh retries, revocation, and every way to present a token that is not the
 * one Ferry issued for this exact resource.
 */
describe('OAuth security: codes and tokens', () => {
  const h = useOAuthFerry(PUBLIC);

  /** A 401 for a presented but unacceptable token: the RFC 6750 challenge with error="invalid_token". */
  const expectInvalidToken = async (token: string, path = '/mcp') => {
    const res = await h.mcpPost(path, { authorization: `Bearer ${token}` });
    const body = await res.text();
    expect(res.status, body).toBe(401);
    const challenge = bearerChallenge(res.headers.get('www-authenticate'));
    expect(challenge).toMatchObject({
      resource_metadata: `${PUBLIC}/.well-known/oauth-protected-resource${path}`,
      scope: 'mcp',
      error: 'invalid_token',
    });
    expect(res.headers.get('mcp-session-id')).toBeNull();
    return { challenge, body };
  };

  describe('unknown clients', () => {
    it('answers /authorize for an unknown client_id with a 400 page and no redirect', async () => {
      const res = await h.client.fetch(h.authorizeQuery({ clientId: 'no-such-client' }));
      const html = await res.text();
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(html).toContain('invalid_client');
    });

    it('answers /token for an unknown client_id with 401 invalid_client (Claude then re-registers)', async () => {
      const res = await h.redeem({
        code: 'x'.repeat(43),
        code_verifier: pkce().verifier,
        redirect_uri: CLAUDE_CALLBACK,
        client_id: 'no-such-client',
      });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      const refresh = await h.refresh('no-such-client', 'y'.repeat(43));
      expect(refresh.status).toBe(401);
      expect(refresh.body.error).toBe('invalid_client');
    });
  });

  describe('authorization codes', () => {
    it('refuses a replayed code with invalid_grant and revokes what the first redemption issued', async () => {
      const first = await h.connect();
      expect((await h.initializeWith(first.accessToken)).status).toBe(200);
      const replay = await h.redeem({
        code: first.code,
        code_verifier: first.verifier,
        redirect_uri: first.redirectUri,
        client_id: first.clientId,
        resource: MCP,
      });
      expect(replay.status).toBe(400);
      expect(replay.body.error).toBe('invalid_grant');
      expect(replay.body.access_token).toBeUndefined();
      // RFC 6749 §4.1.2: tokens issued from a replayed code should be revoked.
      await expectInvalidToken(first.accessToken);
      const refresh = await h.refresh(first.clientId, first.refreshToken);
      expect(refresh.status).toBe(400);
      expect(refresh.body.error).toBe('invalid_grant');
    });

    it('lets exactly one of two parallel redemptions of one code succeed', async () => {
      const clientId = await h.registerClient();
      const { verifier, challenge } = pkce();
      const { location } = await h.browser({ clientId, challenge });
      const code = location.searchParams.get('code') as string;
      const fields = { code, code_verifier: verifier, redirect_uri: CLAUDE_CALLBACK, client_id: clientId };
      const results = await Promise.all([h.redeem(fields), h.redeem(fields)]);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses, JSON.stringify(results.map((r) => r.body))).toEqual([200, 400]);
      expect(results.find((r) => r.status === 400)?.body.error).toBe('invalid_grant');
      // The loser was a replay: what the winner got is revoked as well.
      await expectInvalidToken(results.find((r) => r.status === 200)?.body.access_token as string);
    });

    it('refuses a code redeemed by another client with invalid_grant', async () => {
      const owner = await h.registerClient();
      const thief = await h.registerClient();
      const { verifier, challenge } = pkce();
      const { location } = await h.browser({ clientId: owner, challenge });
      const res = await h.redeem({
        code: location.searchParams.get('code') as string,
        code_verifier: verifier,
        redirect_uri: CLAUDE_CALLBACK,
        client_id: thief,
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
    });
  });

  describe('refresh tokens and revocation', () => {
    it('lets a refresh retried within the rotation grace succeed, and both new tokens work', async () => {
      const conn = await h.connect();
      const first = await h.refresh(conn.clientId, conn.refreshToken);
      expect(first.status).toBe(200);
      expect(first.body.refresh_token).not.toBe(conn.refreshToken);
      // The response was "lost": the client retries with the old refresh token.
      const retry = await h.refresh(conn.clientId, conn.refreshToken);
      expect(retry.status, JSON.stringify(retry.body)).toBe(200);
      expect(retry.body.refresh_token).toEqual(expect.any(String));
      expect((await h.initializeWith(retry.body.access_token as string)).status).toBe(200);
      expect((await h.initializeWith(first.body.access_token as string)).status).toBe(200);
      const next = await h.refresh(conn.clientId, retry.body.refresh_token as string);
      expect(next.status).toBe(200);
    });

    it('POST /revoke of the refresh token ends the refresh token and the grant (access token 401)', async () => {
      const conn = await h.connect();
      expect((await h.initializeWith(conn.accessToken)).status).toBe(200);
      const revoked = await h.client.fetch('/revoke', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          token: conn.refreshToken,
          token_type_hint: 'refresh_token',
          client_id: conn.clientId,
        }).toString(),
      });
      expect(revoked.status).toBe(200);
      const refresh = await h.refresh(conn.clientId, conn.refreshToken);
      expect(refresh.status).toBe(400);
      expect(refresh.body.error).toBe('invalid_grant');
      await expectInvalidToken(conn.accessToken);
    });

    it('POST /revoke of another client’s refresh token does not revoke it', async () => {
      const victim = await h.connect();
      const other = await h.registerClient();
      await h.client.fetch('/revoke', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: victim.refreshToken, client_id: other }).toString(),
      });
      expect((await h.initializeWith(victim.accessToken)).status).toBe(200);
      expect((await h.refresh(victim.clientId, victim.refreshToken)).status).toBe(200);
    });

    it('DELETE /api/clients/:id: the next call is 401 and the open GET SSE stream and session close', async () => {
      const conn = await h.connect();
      const auth = { authorization: `Bearer ${conn.accessToken}` };
      const init = await h.mcpPost('/mcp', auth);
      await init.text();
      expect(init.status).toBe(200);
      const session = init.headers.get('mcp-session-id') as string;
      const initialized = await h.mcpPost(
        '/mcp',
        { ...auth, 'mcp-session-id': session },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
      );
      expect(initialized.status).toBe(202);
      const stream = await h.client.fetch('/mcp', {
        method: 'GET',
        headers: { ...auth, accept: 'text/event-stream', 'mcp-session-id': session },
      });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
      const ended = (async () => {
        for (;;) if ((await reader.read()).done) return 'ended';
      })().catch(() => 'ended');

      const revoked = await h.admin(`/api/clients/${encodeURIComponent(conn.clientId)}`, {
        method: 'DELETE',
      });
      expect(revoked.status).toBe(200);
      const result = (await revoked.json()) as { revokedGrants: number; closedSessions: number };
      expect(result.revokedGrants).toBeGreaterThanOrEqual(1);
      expect(result.closedSessions).toBe(1);
      const outcome = await Promise.race([
        ended,
        new Promise((resolve) => setTimeout(() => resolve('still open'), 5000)),
      ]);
      expect(outcome).toBe('ended');
      await h.ferry.waitFor(
        (e) => e.type === 'session.closed' && e.sessionId === session && e.reason === 'client revoked',
        5000,
      );
      // The same token, on the same session or a new one: refused.
      await expectInvalidToken(conn.accessToken);
      const onSession = await h.mcpPost(
        '/mcp',
        { ...auth, 'mcp-session-id': session },
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      );
      await onSession.text();
      expect(onSession.status).toBe(401);
      expect((await h.refresh(conn.clientId, conn.refreshToken)).status).not.toBe(200);
    });
  });

  describe('access tokens on /mcp', () => {
    let main: Connection;
    let echo: Connection;
    let claims: JWTPayload;

    beforeAll(async () => {
      main = await h.connect();
      echo = await h.connect({ clientId: main.clientId, resource: ECHO });
      claims = decodeJwt(main.accessToken).payload;
      expect(claims).toMatchObject({ aud: MCP, iss: PUBLIC, gid: expect.any(String) });
    });

    it('accepts the issued tokens on their own resource (the control)', async () => {
      expect((await h.initializeWith(main.accessToken)).status).toBe(200);
      expect((await h.initializeWith(echo.accessToken, '/mcp/echo')).status).toBe(200);
    });

    it('accepts a token forged with Ferry’s key and the real claims (the control for the forgeries below)', async () => {
      expect((await h.initializeWith(await h.forge({ ...claims }))).status).toBe(200);
    });

    it('refuses a token for /mcp/echo on /mcp and a token for /mcp on /mcp/echo (audience)', async () => {
      const a = await expectInvalidToken(echo.accessToken, '/mcp');
      expect(a.challenge?.error_description).toMatch(/audience/);
      await expectInvalidToken(main.accessToken, '/mcp/echo');
    });

    it('refuses an audience with trailing-slash drift or another origin', async () => {
      await expectInvalidToken(await h.forge({ ...claims, aud: `${MCP}/` }));
      await expectInvalidToken(await h.forge({ ...claims, aud: 'https://evil.example/mcp' }));
    });

    it('refuses an expired token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const { challenge } = await expectInvalidToken(
        await h.forge({ ...claims, iat: now - 7200, exp: now - 3600 }),
      );
      expect(challenge?.error_description).toMatch(/expired/);
    });

    it('refuses a token signed with another key, even under Ferry’s kid', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      await expectInvalidToken(await h.forge({ ...claims }, {}, privateKey));
    });

    it('refuses alg: none', async () => {
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const jwk = await h.signingJwk();
      const unsigned = `${part({ alg: 'none', typ: 'at+jwt', kid: jwk.kid })}.${part(claims)}.`;
      const res = await h.mcpPost('/mcp', { authorization: `Bearer ${unsigned}` });
      await res.text();
      expect(res.status).toBe(401);
      // A trailing-dot token is not even a well-formed bearer credential: invalid_request or invalid_token.
      expect(['invalid_request', 'invalid_token']).toContain(
        bearerChallenge(res.headers.get('www-authenticate'))?.error,
      );
      const withSignature = `${part({ alg: 'none', typ: 'at+jwt' })}.${part(claims)}.AAAA`;
      await expectInvalidToken(withSignature);
    });

    it('refuses HS256 signed with the public key’s bytes (PEM, JWK JSON and raw x)', async () => {
      const jwk = await h.signingJwk();
      const { d: _d, ...publicJwk } = jwk;
      const pem = createPublicKey({ key: publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      const secrets = [
        Buffer.from(pem),
        Buffer.from(JSON.stringify(publicJwk)),
        Buffer.from(publicJwk.x as string, 'base64url'),
      ];
      for (const secret of secrets) {
        const token = await new SignJWT({ ...claims })
          .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: jwk.kid })
          .sign(new Uint8Array(secret));
        await expectInvalidToken(token);
      }
    });

    it('refuses a token without gid, and one whose gid names no grant', async () => {
      const { gid: _gid, ...withoutGid } = claims;
      await expectInvalidToken(await h.forge(withoutGid));
      const { challenge } = await expectInvalidToken(await h.forge({ ...claims, gid: 'no-such-grant' }));
      expect(challenge?.error_description).toMatch(/revoked/);
    });

    it('refuses a wrong issuer', async () => {
      await expectInvalidToken(await h.forge({ ...claims, iss: 'https://evil.example' }));
      await expectInvalidToken(await h.forge({ ...claims, iss: `${PUBLIC}/` }));
    });

    it('refuses typ other than at+jwt (JWT, an id token’s, none at all)', async () => {
      await expectInvalidToken(await h.forge({ ...claims }, { typ: 'JWT' }));
      await expectInvalidToken(await h.forge({ ...claims }, { typ: 'application/jwt' }));
      await expectInvalidToken(await h.forge({ ...claims }, { typ: undefined }));
    });

    it('refuses a token whose grant was revoked with DELETE /api/clients/:id', async () => {
      const victim = await h.connect();
      expect((await h.initializeWith(victim.accessToken)).status).toBe(200);
      const res = await h.admin(`/api/clients/${encodeURIComponent(victim.clientId)}`, { method: 'DELETE' });
      expect(res.status).toBe(200);
      const { challenge } = await expectInvalidToken(victim.accessToken);
      expect(challenge?.error_description).toMatch(/revoked/);
      // Re-signing it with Ferry's own key does not bring the grant back.
      await expectInvalidToken(await h.forge({ ...decodeJwt(victim.accessToken).payload }));
    });

    it('binds a session to the grant that opened it: another client’s valid token cannot use it', async () => {
      const init = await h.mcpPost('/mcp', { authorization: `Bearer ${main.accessToken}` });
      await init.text();
      const session = init.headers.get('mcp-session-id') as string;
      expect(session).toBeTruthy();
      const other = await h.connect();
      const list = { jsonrpc: '2.0', id: 7, method: 'tools/list' };
      const hijack = await h.mcpPost(
        '/mcp',
        { authorization: `Bearer ${other.accessToken}`, 'mcp-session-id': session },
        list,
      );
      const text = await hijack.text();
      expect(hijack.status, text).toBe(404);
      expect(text).not.toContain('echo__echo');
      const stream = await h.client.fetch('/mcp', {
        headers: {
          authorization: `Bearer ${other.accessToken}`,
          accept: 'text/event-stream',
          'mcp-session-id': session,
        },
      });
      await stream.body?.cancel();
      expect(stream.status).toBe(404);
      const end = await h.client.fetch('/mcp', {
        method: 'DELETE',
        headers: { authorization: `Bearer ${other.accessToken}`, 'mcp-session-id': session },
      });
      await end.text();
      expect(end.status).toBe(404);
      // The owner still has it.
      const own = await h.mcpPost(
        '/mcp',
        { authorization: `Bearer ${main.accessToken}`, 'mcp-session-id': session },
        list,
      );
      expect(await own.text()).toContain('echo__echo');
    });

    it('guards the legacy HTTP+SSE endpoints with the same audience rule', async () => {
      const get = async (path: string, token?: string) => {
        const controller = new AbortController();
        const res = await h.client.fetch(path, {
          headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          signal: controller.signal,
        });
        controller.abort();
        return res;
      };
      expect((await get('/sse')).status).toBe(401);
      expect((await get('/sse', echo.accessToken)).status).toBe(401);
      expect((await get('/sse/echo', main.accessToken)).status).toBe(401);
      expect((await get('/sse', await h.forge({ ...claims }, { typ: 'JWT' }))).status).toBe(401);
      // The control: the right token opens the stream.
      expect((await get('/sse', main.accessToken)).status).toBe(200);
    });

    it('does not accept the token in the query string (?access_token=)', async () => {
      const res = await h.mcpPost(`/mcp?access_token=${encodeURIComponent(main.accessToken)}`, {});
      await res.text();
      expect(res.status).toBe(401);
      expect(res.headers.get('mcp-session-id')).toBeNull();
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata=/);
    });

    it('does not accept the token as a form body parameter or in another scheme', async () => {
      const form = await h.client.fetch('/mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: '*/*' },
        body: new URLSearchParams({ access_token: main.accessToken }).toString(),
      });
      await form.text();
      expect(form.status).toBe(401);
      const basic = await h.mcpPost('/mcp', { authorization: `Token ${main.accessToken}` });
      await basic.text();
      expect(basic.status).toBe(401);
    });

    it('keeps accepting the valid token after all of the above', async () => {
      const res = await h.mcpPost('/mcp', { authorization: `Bearer ${main.accessToken}` });
      await res.text();
      expect(res.status).toBe(200);
    });
  });

  it('signs access tokens with ES256 under a kid that /jwks publishes, without the private part', async () => {
    const jwks = await h.client.json('/jwks');
    const keys = jwks.body.keys as Record<string, unknown>[];
    expect(keys).toHaveLength(1);
    const own = await h.signingJwk();
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', kid: own.kid });
    expect(keys[0]?.d).toBeUndefined();
    expect(keys[0]?.x).toBe(own.x);
  });
});
