import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runDoctorCli } from '../../src/cli/doctor.js';
import { UsageError } from '../../src/cli/args.js';
import { CAUSES } from '../../src/doctor/causes.js';
import { runDoctor, type CauseId, type CheckId, type DoctorReport } from '../../src/doctor/index.js';
import { startBrokenServer, type BrokenServer, type Fault } from '../fixtures/broken-servers.js';

/**
 * The doctor against small local servers that are right in every way but one: each fault must be named by
 * the check that sees it, with the cause the summary leads with and a fix that says what to change.
 */
let server: BrokenServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function diagnose(fault: Fault): Promise<DoctorReport> {
  server = await startBrokenServer(fault);
  return runDoctor({
    url: server.url,
    token: server.token,
    sseWaitMs: 3000,
    callTool: { name: 'echo', arguments: { text: 'hello' } },
    slowTool: { name: 'slow', arguments: { ms: 700 } },
  });
}

const failed = (report: DoctorReport) => report.checks.filter((c) => c.verdict === 'fail').map((c) => c.id);
const check = (report: DoctorReport, id: CheckId) => report.checks.find((c) => c.id === id);

describe('the doctor on deliberately broken servers', () => {
  it('finds nothing wrong with the fault-free server but its loopback address', async () => {
    const report = await diagnose('none');
    const notPassed = report.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.id} ${c.verdict}`);
    // Plain http on loopback: no TLS to check. The fixture speaks MCP up to 2025-11-25 only: the
    // 2026-07-28 discovery Claude opens with since August 2026 is a warning (cause 8).
    expect(notPassed).toEqual(['reachability warn', 'tls skip', 'discover warn', 'modern-wire warn']);
    expect(check(report, 'discover')?.cause).toBe('no-modern-protocol');
    expect(check(report, 'modern-wire')?.cause).toBe('no-modern-protocol');
    expect(report.verdict).toBe('warn');
    expect(report.testClientId).toBe('fixture-client-1');
  });

  const cases: Array<{ fault: Fault; checks: CheckId[]; cause: CauseId; detail: RegExp; fix: RegExp }> = [
    {
      fault: 'no-suffixed-prm',
      checks: ['prm-suffixed'],
      cause: 'resource-metadata',
      detail: /no protected-resource metadata at \/\.well-known\/oauth-protected-resource\/mcp \(HTTP 404\)/,
      fix: /Serve the protected-resource metadata \(RFC 9728\) at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp/,
    },
    {
      fault: 'relative-resource-metadata',
      checks: ['challenge-post', 'challenge-get-head'],
      cause: 'resource-metadata',
      detail: /resource_metadata is "\/\.well-known\/oauth-protected-resource\/mcp", not an absolute URL/,
      fix: /Make it absolute: resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/,
    },
    {
      fault: 'no-s256',
      checks: ['as-pkce'],
      cause: 'pkce-s256',
      detail: /no "code_challenge_methods_supported"/,
      fix: /"code_challenge_methods_supported": \["S256"\]/,
    },
    {
      fault: 'not-acceptable-any',
      checks: ['challenge-post'],
      cause: 'accept-or-session',
      detail: /answered 406 Not Acceptable to "Accept: \*\/\*"/,
      fix: /Treat "Accept: \*\/\*"/,
    },
    {
      fault: 'resource-trailing-slash',
      checks: ['prm-resource'],
      cause: 'resource-metadata',
      detail:
        /"resource" is "http:\/\/127\.0\.0\.1:\d+\/mcp\/" but the connector URL is "http:\/\/127\.0\.0\.1:\d+\/mcp": trailing-slash drift/,
      fix: /Make "resource" exactly "http:\/\/127\.0\.0\.1:\d+\/mcp"/,
    },
    {
      fault: 'blocks-claude-user',
      checks: ['claude-user', 'initialize'],
      cause: 'edge-blocks-claude-user',
      detail: /as "Claude-User" got a Cloudflare block page \("Attention Required!", HTTP 403\)/,
      fix: /"Block AI bots".*AI Crawl Control/,
    },
    {
      fault: 'sse-buffered',
      checks: ['sse-flush', 'keepalive'],
      cause: 'sse-buffering',
      detail: /the first event arrived only when the stream closed, \d+ ms after the request/,
      fix: /flush after each event/,
    },
    {
      fault: 'prm-needs-auth',
      checks: ['prm-suffixed', 'prm-root'],
      cause: 'resource-metadata',
      detail: /answered HTTP 401: it is behind auth/,
      fix: /without auth/,
    },
    {
      fault: 'registration-refuses-scope',
      // Client metadata documents are advertised, so Claude can do without registration: a warning only.
      checks: [],
      cause: 'oauth-registration',
      detail: /registration refuses Claude's scope "claudeai"/,
      fix: /any "scope" string/,
    },
    {
      fault: 'invalid-scope',
      checks: ['authorize-scope'],
      cause: 'oauth-authorize',
      detail: /sent Claude back with error=invalid_scope for scope "claudeai"/,
      fix: /never|drop values you do not know/,
    },
    {
      fault: 'notification-needs-session',
      checks: ['initialized-notification'],
      cause: 'accept-or-session',
      detail: /answered HTTP 400 to notifications\/initialized without Mcp-Session-Id/,
      fix: /Answer 202/,
    },
  ];

  for (const { fault, checks, cause, detail, fix } of cases) {
    it(`names "${fault}" with its fix`, async () => {
      const report = await diagnose(fault);
      expect(failed(report)).toEqual(checks);
      const first = report.checks.find((c) => c.cause === cause && c.verdict !== 'pass');
      expect(first, JSON.stringify(report.checks, null, 1)).toBeDefined();
      expect(first?.detail).toMatch(detail);
      expect(first?.fix).toMatch(fix);
      expect(first?.evidence?.request.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      if (checks.length > 0) {
        expect(report.verdict).toBe('fail');
        expect(report.cause).toBe(cause);
        expect(report.summary.startsWith(`Most likely cause: ${CAUSES[cause].headline}`)).toBe(true);
        expect(report.summary).toContain(first?.fix);
      } else {
        expect(report.verdict).toBe('warn');
      }
    });
  }

  it('reports a refused connection once and skips everything that needed it', async () => {
    server = await startBrokenServer('none');
    const url = server.url;
    await server.close();
    server = undefined;
    const report = await runDoctor({ url, token: 'x' });
    expect(check(report, 'tls')).toMatchObject({ verdict: 'fail', cause: 'unreachable' });
    expect(check(report, 'tls')?.detail).toContain('ECONNREFUSED');
    expect(
      report.checks.slice(2).every((c) => c.verdict === 'skip' && c.detail.startsWith('not reached')),
    ).toBe(true);
    expect(report.cause).toBe('unreachable');
  });

  it('times out a server that never answers, and stays within its budget', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const report = await runDoctor({ url: `http://127.0.0.1:${port}/mcp`, timeoutMs: 300, budgetMs: 5000 });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(check(report, 'tls')).toMatchObject({ verdict: 'fail', cause: 'unreachable' });
      expect(check(report, 'tls')?.detail).toContain('timeout');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('skips the rest once the caller aborts the run', async () => {
    server = await startBrokenServer('none');
    const controller = new AbortController();
    const report = await runDoctor({
      url: server.url,
      token: server.token,
      signal: controller.signal,
      onCheck: (c) => {
        if (c.id === 'prm-root') controller.abort();
      },
    });
    const after = report.checks.slice(report.checks.findIndex((c) => c.id === 'prm-resource'));
    expect(after.every((c) => c.verdict === 'skip' && c.detail === 'the run was aborted')).toBe(true);
    expect(report.verdict).toBe('warn');
  });

  it('skips what would start after the total budget is spent', async () => {
    server = await startBrokenServer('none');
    const report = await runDoctor({
      url: server.url,
      token: server.token,
      budgetMs: 400,
      sseWaitMs: 10_000,
      slowTool: { name: 'slow', arguments: { ms: 5000 } },
    });
    // The GET stream wait is cut to what is left of the budget, and nothing runs after it.
    expect(check(report, 'keepalive')).toMatchObject({
      verdict: 'skip',
      detail: "the doctor's time budget ran out",
    });
    expect(report.durationMs).toBeLessThan(2000);
  });
});

describe('ferry doctor (the CLI)', () => {
  const capture = () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
    return { lines, restore: () => spy.mockRestore() };
  };

  it('prints a line per check, the fix under failures and the summary last; exit 1 on a failure', async () => {
    server = await startBrokenServer('no-s256');
    const out = capture();
    let code: number;
    try {
      code = await runDoctorCli([server.url, '--token', server.token, '--timeout', '5']);
    } finally {
      out.restore();
    }
    const text = out.lines.join('\n');
    expect(code).toBe(1);
    expect(out.lines[0]).toBe(`Ferry doctor — ${server.url}`);
    expect(text).toMatch(
      /\n {2}✗ PKCE S256 advertised: the metadata has no "code_challenge_methods_supported"( \(\d+ ms\))?\n {6}Claude needs: .*\n {6}fix: Add "code_challenge_methods_supported": \["S256"\]/,
    );
    expect(text).toMatch(/\n {2}✓ tools\/list: 2 tools: echo, slow \(\d+ ms\)/);
    expect(text).toMatch(/\n {2}- Keep-alives on a long call: skipped: no slow tool named/);
    expect(text).toMatch(
      /\n\nSummary: Most likely cause: The authorization server does not advertise PKCE S256.*\n\d+ passed, 3 warned, 1 failed, 3 skipped in [\d.]+ s\.\nThe registration check created the OAuth client fixture-client-1; it was never approved\.$/,
    );
    expect(text).not.toContain(server.token);
    console.info(`ferry doctor output (no-s256):\n${text}`);
  });

  it('exits 0 when nothing failed, and prints the report with --json', async () => {
    server = await startBrokenServer('none');
    const out = capture();
    let code: number;
    try {
      code = await runDoctorCli([server.url, '--json']);
    } finally {
      out.restore();
    }
    expect(code).toBe(0);
    const report = JSON.parse(out.lines.join('\n')) as DoctorReport;
    expect(report.url).toBe(server.url);
    expect(report.checks[0]?.id).toBe('reachability');
    expect(report.verdict).toBe('warn');
  });

  it('refuses bad usage with a UsageError (exit status 2 in main)', async () => {
    await expect(runDoctorCli([])).rejects.toThrow(UsageError);
    await expect(runDoctorCli(['not a url'])).rejects.toThrow(/not an http\(s\) URL/);
    await expect(runDoctorCli(['https://x.example/mcp', '--timeout', '0'])).rejects.toThrow(/--timeout/);
    await expect(runDoctorCli(['https://x.example/mcp', '--call-args', '{}'])).rejects.toThrow(/--call/);
    await expect(
      runDoctorCli(['https://x.example/mcp', '--call', 'x', '--call-args', '[1]']),
    ).rejects.toThrow(/JSON object/);
    await expect(runDoctorCli(['https://x.example/mcp', '--nope'])).rejects.toThrow(/Unknown option/);
  });
});
