import { describe, expect, it } from 'vitest';
import { useOAuthFerry } from '../helpers/oauthFerry.js';

const PUBLIC = 'https://ferry-cimd-limit.example';
const CLAUDE_CIMD = 'https://claude.ai/oauth/mcp-oauth-client-metadata';

/**
 * Draining the metadata-document fetch limit must not lock Claude out: its pinned document never
 * counts, and one requester's flood leaves other requesters their own allowance. Bogus documents are on
 * loopback IP literals, which the SSRF guard refuses without any DNS lookup or connection, after the
 * limit was consulted (so each one spends from it exactly as a real fetch would).
 */
describe('OAuth security: metadata document fetch limit', () => {
  // A fresh Ferry per test: the provider caches documents it fetched, which would hide the limit.
  const h = useOAuthFerry(PUBLIC, { perTest: true, guard: true });

  const authorizeStatus = async (clientId: string) => {
    const res = await h.client.fetch(h.authorizeQuery({ clientId }));
    return { status: res.status, text: await res.text() };
  };

  it('still serves Claude’s pinned document after 25 bogus client ids drained the overall limit', async () => {
    for (let i = 1; i <= 25; i++) {
      const res = await authorizeStatus(`https://127.0.0.${i}/client.json`);
      expect(res.status).toBe(400);
    }
    const claude = await h.client.fetch(h.authorizeQuery({ clientId: CLAUDE_CIMD }));
    await claude.text();
    expect(claude.status, 'Claude was refused').toBe(303);
    expect(claude.headers.get('location')).toMatch(/^\/consent\//);
    expect(h.guard?.calls).toEqual([]);
  });

  it('gives each requester its own allowance: one host’s flood leaves another host’s fetch allowed', async () => {
    for (let i = 0; i < 12; i++) await authorizeStatus(`https://127.0.0.9/flood-${i}.json`);
    const other = await authorizeStatus('https://127.0.0.10/client.json');
    expect(other.status).toBe(400);
    // Refused by the address check (it was fetched), not by the limit.
    expect(other.text).not.toContain('fetch not allowed');
    const flooded = await authorizeStatus('https://127.0.0.9/flood-again.json');
    expect(flooded.text).toContain('client_id metadata document fetch not allowed');
  });
});
