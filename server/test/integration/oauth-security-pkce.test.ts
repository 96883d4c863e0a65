import { beforeAll, describe, expect, it } from 'vitest';
import { CLAUDE_CALLBACK, pkce } from '../helpers/oauth.js';
import { useOAuthFerry } from '../helpers/oauthFerry.js';

const PUBLIC = 'https://ferry-pkce.example';

/**
 * PKCE is mandatory and S256 only (OAuth 2.1 §4.1.1, MCP authorization spec): a request without it, with
 * `plain`, or a code redeemed without the matching verifier is refused with the error the spec names.
 */
describe('OAuth security: PKCE', () => {
  const h = useOAuthFerry(PUBLIC);
  let clientId: string;

  beforeAll(async () => {
    clientId = await h.registerClient();
  });

  /** GET /authorize with `extra` on top of a valid request; the response, never followed. */
  const authorize = async (extra: Record<string, string | undefined>) => {
    const res = await h.client.fetch(h.authorizeQuery({ clientId, state: 'pkce-state', extra }));
    await res.text();
    return res;
  };

  /** A refusal sent back to the (valid, registered) redirect URI: an error, the state, never a code. */
  const expectRedirectedError = (res: Response, error: string, description: RegExp) => {
    expect([302, 303]).toContain(res.status);
    const location = new URL(res.headers.get('location') as string);
    expect(`${location.origin}${location.pathname}`).toBe(CLAUDE_CALLBACK);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('error_description')).toMatch(description);
    expect(location.searchParams.get('state')).toBe('pkce-state');
    expect(location.searchParams.get('iss')).toBe(PUBLIC);
    expect(location.searchParams.has('code')).toBe(false);
  };

  it('refuses /authorize without code_challenge with invalid_request, before any consent is asked', async () => {
    const before = h.ferry.bus.lastSeq;
    const res = await authorize({ code_challenge: undefined, code_challenge_method: undefined });
    expectRedirectedError(res, 'invalid_request', /PKCE/i);
    expect(h.ferry.bus.since(before).some((e) => e.type === 'consent.requested')).toBe(false);
  });

  it('refuses code_challenge_method=plain with invalid_request', async () => {
    const { verifier } = pkce();
    // With plain, the challenge is the verifier itself.
    const res = await authorize({ code_challenge: verifier, code_challenge_method: 'plain' });
    expectRedirectedError(res, 'invalid_request', /code_challenge_method/);
  });

  it('refuses a code_challenge without code_challenge_method (which would mean plain)', async () => {
    const res = await authorize({ code_challenge_method: undefined });
    expectRedirectedError(res, 'invalid_request', /code_challenge_method/);
  });

  it('refuses code_challenge_method=S256 without a code_challenge, and a malformed challenge', async () => {
    expectRedirectedError(
      await authorize({ code_challenge: undefined }),
      'invalid_request',
      /code_challenge/,
    );
    expectRedirectedError(await authorize({ code_challenge: 'short' }), 'invalid_request', /code_challenge/);
  });

  it('advertises S256 only', async () => {
    const metadata = await h.client.json('/.well-known/oauth-authorization-server');
    expect(metadata.body.code_challenge_methods_supported).toEqual(['S256']);
  });

  describe('at /token', () => {
    let code: string;
    let verifier: string;
    let challenge: string;

    beforeAll(async () => {
      const pair = pkce();
      verifier = pair.verifier;
      challenge = pair.challenge;
      const { location } = await h.browser({ clientId, challenge: pair.challenge });
      code = location.searchParams.get('code') as string;
      expect(code).toBeTruthy();
    });

    const redeem = (fields: Record<string, string | undefined>) => {
      const base: Record<string, string | undefined> = {
        code,
        code_verifier: verifier,
        redirect_uri: CLAUDE_CALLBACK,
        client_id: clientId,
        resource: h.mcpUrl,
        ...fields,
      };
      return h.redeem(
        Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined)),
      );
    };

    it('refuses a redemption without code_verifier with invalid_grant', async () => {
      const res = await redeem({ code_verifier: undefined });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      expect(res.body.access_token).toBeUndefined();
    });

    it('refuses a wrong code_verifier with invalid_grant', async () => {
      const res = await redeem({ code_verifier: pkce().verifier });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      expect(res.body.access_token).toBeUndefined();
    });

    it('refuses the challenge itself as the verifier (a plain-method downgrade) with invalid_grant', async () => {
      const res = await redeem({ code_verifier: challenge });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
    });

    it('refuses a malformed code_verifier (too short) with an error and no tokens', async () => {
      const res = await redeem({ code_verifier: 'abc' });
      expect(res.status).toBe(400);
      expect(['invalid_grant', 'invalid_request']).toContain(res.body.error);
      expect(res.body.access_token).toBeUndefined();
    });

    it('issues tokens for the right verifier (the control: the refusals above were about PKCE only)', async () => {
      const res = await redeem({});
      expect(res.status).toBe(200);
      expect(res.body.access_token).toEqual(expect.any(String));
      expect((await h.initializeWith(res.body.access_token as string)).status).toBe(200);
    });
  });
});
