import { describe, expect, it } from 'vitest';
import { CLAUDE_CALLBACK, CookieJar, type FlowQuery, pkce } from '../helpers/oauth.js';
import { useOAuthFerry } from '../helpers/oauthFerry.js';

const PUBLIC = 'https://ferry-consent.example';
const MCP = `${PUBLIC}/mcp`;
const ECHO = `${PUBLIC}/mcp/echo`;
const CLAUDE_CIMD = 'https://claude.ai/oauth/mcp-oauth-client-metadata';

/** Where a browser (or a script) that follows Ferry's redirects ends up, without deciding anything. */
interface Landing {
  /** Off Ferry's origin: the client's redirect URI with a code or an error. */
  location?: URL;
  /** Still on Ferry: the waiting page's uid, when the request waits for the user. */
  waitingUid?: string;
  status: number;
}

/**
 * Consent under attack: "Approve and remember" must be bound to the user's own browser and to exactly
 * the client, redirect URI and resource approved; a loop on /authorize must not flood the user.
 */
describe('OAuth security: consent', () => {
  const h = useOAuthFerry(PUBLIC);

  /** GET /authorize and every redirect on Ferry's origin, as a script would: no decision, no JS. */
  const follow = async (query: FlowQuery, jar = new CookieJar()): Promise<Landing> => {
    let url = h.authorizeQuery(query);
    for (let hops = 0; hops < 8; hops++) {
      const res = await h.client.fetch(url, { headers: { cookie: jar.header() } });
      jar.store(res);
      const location = res.headers.get('location');
      if (!location) {
        const uid = /^\/consent\/([^/]+)$/.exec(new URL(url, PUBLIC).pathname)?.[1];
        await res.text();
        return { status: res.status, ...(uid ? { waitingUid: uid } : {}) };
      }
      const next = new URL(location, PUBLIC);
      if (next.origin !== PUBLIC) return { status: res.status, location: next };
      url = next.href;
    }
    throw new Error('too many redirects');
  };

  const pendingFor = async (clientId: string) => {
    const res = await h.admin('/api/consents');
    const list = (await res.json()) as { id: string; clientId: string; resource: string }[];
    return list.filter((c) => c.clientId === clientId);
  };

  /** Approves the pending request of `clientId` on this machine, remembered or not. */
  const approveWith = (remember: boolean) => async (consentId: string) => {
    const res = await h.admin(`/api/consents/${consentId}/approve`, {
      method: 'POST',
      body: JSON.stringify({ remember }),
    });
    expect(res.status).toBe(200);
  };

  const denyAll = async (clientId: string) => {
    for (const consent of await pendingFor(clientId)) {
      await h.admin(`/api/consents/${consent.id}/deny`, { method: 'POST', body: '{}' });
    }
  };

  describe('"Approve and remember"', () => {
    it('gives a script replaying Claude’s public client id no code after the user remembered Claude', async () => {
      const userBrowser = new CookieJar();
      const approved = await h.browser({ clientId: CLAUDE_CIMD }, approveWith(true), userBrowser);
      expect(approved.location.searchParams.get('code')).toBeTruthy();

      // The attack: the same public client id, Claude's redirect URI, the attacker's own PKCE, no browser.
      const attacker = await follow({ clientId: CLAUDE_CIMD, challenge: pkce().challenge });
      expect(attacker.location, 'the script got a redirect to the callback').toBeUndefined();
      expect(attacker.waitingUid).toBeTruthy();
      expect(await pendingFor(CLAUDE_CIMD)).toHaveLength(1);
      await denyAll(CLAUDE_CIMD);
    });

    it('lets the browser that approved reconnect without asking, and sets the cookie httpOnly, Secure, SameSite, host-only', async () => {
      const clientId = await h.registerClient();
      const browser = new CookieJar();
      const seen: string[] = [];
      const original = browser.store.bind(browser);
      browser.store = (res: Response) => {
        seen.push(...res.headers.getSetCookie().filter((c) => c.startsWith('__Host-ferry-browser=')));
        original(res);
      };
      await h.browser({ clientId }, approveWith(true), browser);
      expect(seen.length).toBeGreaterThan(0);
      for (const cookie of seen) {
        expect(cookie).toMatch(/; Path=\//);
        expect(cookie).toMatch(/; HttpOnly/);
        expect(cookie).toMatch(/; SameSite=Lax/);
        expect(cookie).toMatch(/; Secure/);
        expect(cookie).not.toMatch(/Domain=/i);
      }
      const before = h.ferry.bus.lastSeq;
      const again = await follow({ clientId }, browser);
      expect(again.location?.searchParams.get('code')).toBeTruthy();
      expect(h.ferry.bus.since(before).filter((e) => e.type === 'consent.requested')).toHaveLength(0);
    });

    it('is bound to the resource: remembered for /mcp/echo, a request for /mcp waits', async () => {
      const clientId = await h.registerClient();
      const browser = new CookieJar();
      await h.browser({ clientId, resource: ECHO }, approveWith(true), browser);
      const broader = await follow({ clientId, resource: MCP }, browser);
      expect(broader.location).toBeUndefined();
      expect(await pendingFor(clientId)).toHaveLength(1);
      await denyAll(clientId);
      // The exact resource still works from that browser.
      const same = await follow({ clientId, resource: ECHO }, browser);
      expect(same.location?.searchParams.get('code')).toBeTruthy();
    });

    it('is bound to the redirect URI: remembered for one, another registered one waits', async () => {
      const first = 'http://127.0.0.1:40111/callback';
      const second = 'http://127.0.0.1:40222/callback';
      const clientId = await h.registerClient({ redirect_uris: [first, second] });
      const browser = new CookieJar();
      await h.browser({ clientId, redirectUri: first }, approveWith(true), browser);
      const other = await follow({ clientId, redirectUri: second }, browser);
      expect(other.location).toBeUndefined();
      expect(await pendingFor(clientId)).toHaveLength(1);
      await denyAll(clientId);
    });

    it('is bound to the scope: remembered without offline_access, a request for it waits', async () => {
      // Ferry always adds `mcp`; "claudeai" normalizes to it alone.
      const clientId = await h.registerClient();
      const browser = new CookieJar();
      await h.browser({ clientId, scope: 'claudeai' }, approveWith(true), browser);
      const wider = await follow({ clientId, scope: 'offline_access' }, browser);
      expect(wider.location).toBeUndefined();
      await denyAll(clientId);
    });

    it('is not created by a plain approval', async () => {
      const clientId = await h.registerClient();
      const browser = new CookieJar();
      await h.browser({ clientId }, approveWith(false), browser);
      const again = await follow({ clientId }, browser);
      expect(again.location).toBeUndefined();
      expect(again.waitingUid).toBeTruthy();
      await denyAll(clientId);
    });

    it('is listed in the admin API and can be forgotten there; revoking the client forgets it too', async () => {
      const clientId = await h.registerClient({ client_name: 'Forgettable' });
      const browser = new CookieJar();
      await h.browser({ clientId }, approveWith(true), browser);
      const listed = (await (await h.admin('/api/remembered')).json()) as Record<string, unknown>[];
      const mine = listed.find((a) => a.clientId === clientId);
      expect(mine).toMatchObject({ clientId, redirectUri: CLAUDE_CALLBACK, resource: MCP, scopes: ['mcp'] });
      // The browser's secret (or its hash) never leaves the core.
      expect(JSON.stringify(listed)).not.toMatch(/browser/);

      const forget = await h.admin(`/api/remembered/${mine?.id as string}`, { method: 'DELETE' });
      expect(forget.status).toBe(200);
      expect((await h.admin(`/api/remembered/${mine?.id as string}`, { method: 'DELETE' })).status).toBe(404);
      const asked = await follow({ clientId }, browser);
      expect(asked.location).toBeUndefined();
      await denyAll(clientId);

      // Remember again, then revoke the client: the approval goes with it.
      await h.browser({ clientId }, approveWith(true), browser);
      expect((await (await h.admin('/api/remembered')).json()) as unknown[]).toEqual(
        expect.arrayContaining([expect.objectContaining({ clientId })]),
      );
      expect(
        (await h.admin(`/api/clients/${encodeURIComponent(clientId)}`, { method: 'DELETE' })).status,
      ).toBe(200);
      const after = (await (await h.admin('/api/remembered')).json()) as { clientId: string }[];
      expect(after.some((a) => a.clientId === clientId)).toBe(false);
    });
  });

  describe('a flood of authorization requests', () => {
    it('collapses repeats from one client into one waiting request and rate-limits the rest', async () => {
      const clientId = await h.registerClient({ client_name: 'Flooder' });
      const before = h.ferry.bus.lastSeq;
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await follow({ clientId })).status);
      // One waiting request for the user, however many the script sent.
      expect(await pendingFor(clientId)).toHaveLength(1);
      const requested = h.ferry.bus.since(before).filter((e) => e.type === 'consent.requested');
      expect(requested.length).toBeLessThanOrEqual(10);
      // Past the burst: 429 with a page that says so and when to retry.
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20);
      const start = await h.client.fetch(h.authorizeQuery({ clientId }));
      const jar = new CookieJar();
      jar.store(start);
      const page = await h.client.fetch(start.headers.get('location') as string, {
        headers: { cookie: jar.header() },
      });
      expect(page.status).toBe(429);
      expect(Number(page.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await page.text()).toContain('Too many requests from this app');
      await denyAll(clientId);
    });

    it('sends a replaced request’s browser back with access_denied', async () => {
      const clientId = await h.registerClient();
      const first = new CookieJar();
      const one = await follow({ clientId }, first);
      await follow({ clientId });
      const status = await h.client.fetch(`/consent/${one.waitingUid as string}/status`, {
        headers: { cookie: first.header() },
      });
      const body = (await status.json()) as { status: string; next?: string };
      expect(body.status).toBe('replaced');
      expect(body.next).toMatch(/\/abort$/);
      await denyAll(clientId);
    });
  });
});
