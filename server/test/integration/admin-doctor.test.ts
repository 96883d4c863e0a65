import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';

describe('POST /api/doctor and GET /api/timeline', () => {
  let ferry: TestFerry;
  const admin = (p: string, init: RequestInit = {}) =>
    fetch(`${ferry.runtime.adminUrl as string}${p}`, {
      ...init,
      headers: {
        authorization: `Bearer ${ferry.runtime.adminToken as string}`,
        'content-type': 'application/json',
      },
    });

  beforeAll(async () => {
    ferry = await startFerry({ echo: echoServer() }, { auth: true });
    await serverState(ferry, 'echo', 'ready');
  });
  afterAll(() => ferry.stop());

  it('runs the doctor on Ferry’s own URL and removes the test client it registered', async () => {
    const res = await admin('/api/doctor', { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      url: string;
      checks: { id: string; verdict: string }[];
      testClientId?: string;
    };
    expect(report.url).toBe(ferry.mcpUrl);
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c.verdict]));
    expect(byId).toMatchObject({
      'challenge-post': 'pass',
      'prm-suffixed': 'pass',
      'as-pkce': 'pass',
      registration: 'pass',
      'claude-user': 'pass',
    });
    expect(byId.reachability).toBe('warn');
    expect(report.checks.filter((c) => c.verdict === 'fail')).toEqual([]);
    const clients = (await (await admin('/api/clients')).json()) as { clientId: string }[];
    expect(clients.map((c) => c.clientId)).not.toContain(report.testClientId);
  });

  it('reports the secret store actually in use, not just the configured one', async () => {
    // This test Ferry is handed an in-memory store (OAuth opened it for its signing key).
    const status = (await (await admin('/api/status')).json()) as { secretStore: string };
    expect(status.secretStore).toBe('memory');
  });

  it('refuses a doctor request for a non-URL with field issues', async () => {
    const res = await admin('/api/doctor', { method: 'POST', body: JSON.stringify({ url: 'not a url' }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { issues: { path: string }[] } }).error.issues[0]?.path).toBe(
      'url',
    );
  });

  it('shows the live connection timeline of real requests', async () => {
    await fetch(`${ferry.runtime.localUrl}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const res = await admin('/api/timeline');
    expect(res.status).toBe(200);
    const snapshot = (await res.json()) as { steps: { id: string; count: number }[] };
    expect(snapshot.steps.length).toBeGreaterThanOrEqual(8);
    expect(snapshot.steps.some((s) => s.count > 0)).toBe(true);
  });
});
