import { beforeAll, describe, expect, it } from 'vitest';
import { CLAUDE_CALLBACK, CLAUDE_REGISTRATION, pkce } from '../helpers/oauth.js';
import { useOAuthFerry } from '../helpers/oauthFerry.js';

const PUBLIC = 'https://ferry-scopes.example';
const MCP = `${PUBLIC}/mcp`;
const LOOPBACK_CALLBACK = 'http://127.0.0.1:33418/callback';

/**
 * Every scope a client is known to send, with and without `prompt=consent`, must end in a code and a
 * working token after one approval (issue: a bare `offline_access` without `prompt=consent` ended in
 * `access_denied`, because the provider drops `offline_access` unless consent is prompted and nothing
 * was left to grant). Proven end to end: registration, browser leg, approval on this machine, code
 * exchange, and an MCP call with the token.
 */
describe('OAuth scope variants end to end', () => {
  const h = useOAuthFerry(PUBLIC);
  // A client per variant and kind: each client's authorization requests are rate-limited, and
  // registrations too (20 in a burst, exactly what this needs).
  const clients = new Map<string, string>();
  const clientFor = (label: string, kind: 'dcr' | 'loopback') => clients.get(`${label}/${kind}`) as string;

  // The raw query value as it reaches Ferry (already percent-decoded once by URLSearchParams);
  // `offline` marks the variants that ask for offline_access, which the token's scope must then carry.
  const variants: [label: string, scope: string | undefined, offline: boolean][] = [
    ['claudeai', 'claudeai', false],
    ['" offline_access" (leading space)', ' offline_access', true],
    ['offline_access', 'offline_access', true],
    ['read write', 'read write', false],
    ['+-joined', 'mcp+offline_access', true],
    ['comma-joined', 'mcp,offline_access', true],
    ['doubly encoded', 'mcp%20offline_access', true],
    ['absent', undefined, false],
    ['empty', '', false],
    ['mcp offline_access', 'mcp offline_access', true],
  ];

  beforeAll(async () => {
    for (const [label] of variants) {
      clients.set(`${label}/dcr`, await h.registerClient(CLAUDE_REGISTRATION));
      clients.set(
        `${label}/loopback`,
        await h.registerClient({ client_name: 'Loopback tool', redirect_uris: [LOOPBACK_CALLBACK] }),
      );
    }
  });

  const consentScopes = async (consentId: string): Promise<string[]> => {
    const event = await h.ferry.waitFor(
      (e) => e.type === 'consent.requested' && e.consent.id === consentId,
      1000,
    );
    return event.type === 'consent.requested' ? event.consent.scopes : [];
  };

  const flows = variants.flatMap(([label, scope, offline]) =>
    [true, false].flatMap((consent) =>
      (['dcr', 'loopback'] as const).map((client) => ({ label, scope, offline, consent, client })),
    ),
  );

  it.each(flows)(
    'scope $label, prompt=consent $consent, $client client: code, token, MCP call',
    async ({ label, scope, offline, consent, client }) => {
      const redirectUri = client === 'dcr' ? CLAUDE_CALLBACK : LOOPBACK_CALLBACK;
      const clientId = clientFor(label, client);
      const { verifier, challenge } = pkce();
      const { location, consentId } = await h.browser({
        clientId,
        redirectUri,
        challenge,
        resource: MCP,
        extra: { scope, prompt: consent ? 'consent' : undefined },
      });
      expect(location.searchParams.get('error'), location.href).toBeNull();
      const code = location.searchParams.get('code');
      expect(code).toBeTruthy();
      const token = await h.redeem({
        code: code as string,
        code_verifier: verifier,
        redirect_uri: redirectUri,
        client_id: clientId,
        resource: MCP,
      });
      expect(token.status, JSON.stringify(token.body)).toBe(200);
      // The access token carries the resource's scope; the consent shows what was asked for.
      expect(token.body.scope).toBe('mcp');
      const asked = await consentScopes(consentId);
      expect(asked).toContain('mcp');
      expect(asked.includes('offline_access')).toBe(offline);
      // Clients allowed the refresh_token grant always get one (Claude rarely asks for offline_access).
      expect(typeof token.body.refresh_token).toBe('string');
      const mcp = await h.initializeWith(token.body.access_token as string);
      expect(mcp.status, mcp.text).toBe(200);
      expect(mcp.text).toContain('"serverInfo"');
    },
  );

  it('merges a repeated scope parameter instead of reading only the first', async () => {
    const clientId = clientFor('claudeai', 'dcr');
    const { verifier, challenge } = pkce();
    const { location, consentId } = await h.browser({
      clientId,
      challenge,
      scope: 'claudeai',
      append: [['scope', 'offline_access']],
    });
    const token = await h.redeem({
      code: location.searchParams.get('code') as string,
      code_verifier: verifier,
      redirect_uri: CLAUDE_CALLBACK,
      client_id: clientId,
      resource: MCP,
    });
    expect(token.status).toBe(200);
    expect(token.body.scope).toBe('mcp');
    expect((await consentScopes(consentId)).sort()).toEqual(['mcp', 'offline_access']);
  });

  it('answers prompt=none with consent_required instead of prompting', async () => {
    const res = await h.client.fetch(
      h.authorizeQuery({ clientId: clientFor('read write', 'dcr'), extra: { prompt: 'none' } }),
    );
    expect([302, 303], await res.clone().text()).toContain(res.status);
    const location = new URL(res.headers.get('location') as string);
    expect(location.origin + location.pathname).toBe(CLAUDE_CALLBACK);
    expect(location.searchParams.get('error')).toMatch(/consent_required|login_required/);
  });
});
