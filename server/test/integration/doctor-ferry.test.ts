import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionTimeline } from '../../src/doctor/timeline.js';
import { runDoctor, type CheckResult, type DoctorFetch, type DoctorLookup } from '../../src/doctor/index.js';
import { echoServer, faultServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { OAuthHarness } from '../helpers/oauth.js';

const PUBLIC = 'https://ferry-doctor.example';
const URL_ = `${PUBLIC}/mcp`;

/**
 * The doctor against Ferry itself, reached the way a tunnel reaches it: requests to the public origin go to
 * the local listener, every other one is refused (nothing leaves the machine), and the host "resolves" to
 * 127.0.0.1, so the reachability check warns and every other check passes.
 */
describe('the doctor on Ferry', () => {
  let ferry: TestFerry;
  let harness: OAuthHarness;
  let token: string;
  const offMachine: string[] = [];
  const doctorFetch: DoctorFetch = (url, init) => {
    if (!url.startsWith(`${PUBLIC}/`)) {
      offMachine.push(url);
      return Promise.reject(new TypeError(`test guard: ${url} refused`));
    }
    return fetch(harness.client.local(url), init);
  };
  const lookup: DoctorLookup = (host) =>
    host === 'ferry-doctor.example'
      ? Promise.resolve([{ address: '127.0.0.1', family: 4 }])
      : Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));

  beforeAll(async () => {
    ferry = await startFerry(
      { echo: echoServer(), fault: faultServer() },
      // One-second keep-alives, so the SSE checks see their first comment in a test's time.
      { auth: true, publicUrl: PUBLIC, ferry: { keepAliveSeconds: 1 } },
    );
    await Promise.all([serverState(ferry, 'echo', 'ready'), serverState(ferry, 'fault', 'ready')]);
    harness = new OAuthHarness(ferry, PUBLIC);
    token = (await harness.connect()).accessToken;
  });
  afterAll(() => ferry.stop());

  const byId = (checks: CheckResult[]) => Object.fromEntries(checks.map((c) => [c.id, c]));

  it('passes every check but public reachability (a loopback address) with a token, a named call and a slow tool', async () => {
    const seen: string[] = [];
    const report = await runDoctor({
      url: URL_,
      token,
      fetch: doctorFetch,
      lookup,
      sseWaitMs: 5000,
      callTool: { name: 'echo__echo', arguments: { text: 'from the doctor' } },
      slowTool: { name: 'fault__slow', arguments: { ms: 2500 } },
      onCheck: (check) => seen.push(check.id),
    });
    const checks = byId(report.checks);
    const notPassed = report.checks
      .filter((c) => c.verdict !== 'pass')
      .map((c) => `${c.id}: ${c.verdict} ${c.detail}`);
    expect(notPassed).toEqual([
      'reachability: warn ferry-doctor.example resolves to loopback (127.0.0.1): fine for local testing, Claude cannot reach it',
    ]);
    expect(seen).toEqual(report.checks.map((c) => c.id));
    expect(report.verdict).toBe('warn');
    expect(report.cause).toBeUndefined();
    expect(report.summary).toMatch(/^No check failed\. One warning: .*Claude cannot reach it/);
    expect(offMachine).toEqual([]);

    expect(checks['challenge-post']?.detail).toContain(
      `resource_metadata="${PUBLIC}/.well-known/oauth-protected-resource/mcp", scope="mcp"`,
    );
    expect(checks['as-metadata']?.detail).toContain('3 paths');
    expect(checks.initialize?.detail).toMatch(/^ferry .*session/);
    expect(checks['tool-call']?.detail).toContain('from the doctor');
    // Ferry upgrades a slow call to SSE at its first keep-alive tick (1 s here).
    expect(checks.keepalive?.detail).toMatch(/fault__slow streamed: first event after \d+ ms/);
    expect(checks['sse-flush']?.evidence?.firstEventMs).toBeGreaterThan(500);

    // The registration check left one never-approved client, named in the report for sweeping.
    expect(report.testClientId).toEqual(expect.any(String));
    const registered = await ferry.waitFor(
      (e) => e.type === 'auth' && e.kind === 'client.registered' && e.clientId === report.testClientId,
    );
    expect(registered).toBeDefined();
    // The authorization request was not completed: no consent was opened for the doctor's client.
    expect(
      ferry.bus.recent
        .toArray()
        .some((e) => e.type === 'consent.requested' && e.consent.clientId === report.testClientId),
    ).toBe(false);
    // Nothing secret in the report.
    expect(JSON.stringify(report)).not.toContain(token);
  });

  it('skips the second part without a token, and reports the public-looking run the same way', async () => {
    const report = await runDoctor({ url: URL_, fetch: doctorFetch, lookup });
    const skipped = report.checks.filter((c) => c.verdict === 'skip').map((c) => c.id);
    expect(skipped).toEqual([
      'initialize',
      'initialized-notification',
      'discover',
      'modern-wire',
      'tools-list',
      'tool-call',
      'sse-flush',
      'keepalive',
    ]);
    expect(report.checks.find((c) => c.id === 'initialize')?.detail).toContain('--token');
    expect(report.checks.filter((c) => c.verdict === 'fail')).toEqual([]);
  });

  it('names the audience mismatch when the token was issued for another URL', async () => {
    const perServer = await harness.connect({ resource: `${PUBLIC}/mcp/echo` });
    const report = await runDoctor({ url: URL_, token: perServer.accessToken, fetch: doctorFetch, lookup });
    const initialize = report.checks.find((c) => c.id === 'initialize');
    expect(initialize?.verdict).toBe('fail');
    expect(initialize?.cause).toBe('token-audience');
    expect(initialize?.detail).toContain(`the token's audience is "${PUBLIC}/mcp/echo", not "${URL_}"`);
    expect(report.cause).toBe('token-audience');
    expect(report.summary).toMatch(/^Most likely cause: The access token is for another URL/);
  });

  it('shows Claude’s sequence in the connection timeline, connected with no diagnosis', async () => {
    const timeline = new ConnectionTimeline(ferry.bus, { stallMs: 30_000 });
    timeline.reset();
    // Claude's sequence, replayed: 401, metadata, registration, browser and approval, token, authorized POST.
    await harness.client.fetch('/mcp', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: '*/*', 'user-agent': 'python-httpx/0.28.1' },
      body: '{}',
    });
    await harness.client.fetch('/.well-known/oauth-protected-resource/mcp');
    await harness.client.fetch('/.well-known/oauth-protected-resource');
    await harness.client.fetch('/.well-known/oauth-authorization-server');
    const connection = await harness.connect();
    const res = await harness.mcpPost('/mcp', {
      authorization: `Bearer ${connection.accessToken}`,
      'user-agent': 'Claude-User',
    });
    await res.text();
    const snapshot = timeline.snapshot();
    timeline.close();
    expect(snapshot.steps.map((s) => [s.id, s.count > 0])).toEqual([
      ['challenge', true],
      ['resource-metadata', true],
      ['auth-metadata', true],
      ['register', true],
      ['authorize', true],
      ['consent', true],
      ['token', true],
      ['mcp', true],
    ]);
    expect(snapshot.connected).toBe(true);
    expect(snapshot.diagnosis).toBeUndefined();
    expect(snapshot.steps.find((s) => s.id === 'mcp')?.detail).toContain('POST /mcp 200 (Claude-User)');
  });
});
