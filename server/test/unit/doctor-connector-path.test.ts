import { describe, expect, it } from 'vitest';
import { CAUSES, summarize } from '../../src/doctor/causes.js';
import {
  runDoctor,
  type CheckResult,
  type DoctorFetch,
  type DoctorLookup,
  type DoctorReport,
} from '../../src/doctor/index.js';
import { refusedFetch } from '../helpers/doctor.js';

/** No network: every request is refused and the host resolves to a public address. */
const refused = refusedFetch;
const publicHost: DoctorLookup = () => Promise.resolve([{ address: '104.16.1.1', family: 4 }]);
/** A server that answers (401 to everything): the check runs once the first request got an answer. */
const answers: DoctorFetch = () => Promise.resolve(new Response('{}', { status: 401 }));
const check = (report: DoctorReport) => report.checks.find((c) => c.id === 'connector-path');
const run = (url: string) => runDoctor({ url, lookup: publicHost, fetch: answers });

describe('the connector-path check (claude-ai-mcp#878)', () => {
  it('passes a path of exactly /mcp, and runs right after the first request', async () => {
    const report = await run('https://mcp.example.com/mcp');
    expect(check(report)).toMatchObject({ verdict: 'pass', detail: 'the path is exactly /mcp' });
    expect(report.checks.map((c) => c.id).slice(0, 3)).toEqual(['reachability', 'tls', 'connector-path']);
  });

  it('passes a per-server hostname, whose path is exactly /mcp', async () => {
    expect(check(await run('https://files.example.com/mcp'))?.verdict).toBe('pass');
  });

  it('warns on a per-server path, names the risk and suggests /mcp or a hostname of its own', async () => {
    const result = check(await run('https://mcp.example.com/mcp/files'));
    expect(result).toMatchObject({ verdict: 'warn', cause: 'connector-path' });
    expect(result?.detail).toBe(
      'the path is /mcp/files, a per-server path: connectors at paths other than exactly /mcp have been reported to fail right after the token exchange (claude-ai-mcp#878)',
    );
    expect(result?.fix).toBe(
      'Use https://mcp.example.com/mcp (every server), or give "files" a hostname of its own ' +
        '(ferry.tunnel.serverHostnames, routed by a named tunnel) and add https://<that host>/mcp.',
    );
  });

  it.each(['https://mcp.example.com/mcp/', 'https://mcp.example.com/', 'https://mcp.example.com/api/mcp'])(
    'warns on %s (not exactly /mcp)',
    async (url) => {
      const result = check(await run(url));
      expect(result).toMatchObject({ verdict: 'warn', cause: 'connector-path' });
      expect(result?.detail).toMatch(/claude-ai-mcp#878/);
      expect(result?.fix).toContain('https://mcp.example.com/mcp');
    },
  );

  it('warns on a query after /mcp: Claude compares the URL byte for byte', async () => {
    expect(check(await run('https://mcp.example.com/mcp?x=1'))).toMatchObject({
      verdict: 'warn',
      cause: 'connector-path',
      fix: 'Add the connector as https://mcp.example.com/mcp, without a query.',
    });
  });

  it('names the risk in the summary, alone or next to a failure', async () => {
    const pathCheck = check(await run('https://mcp.example.com/mcp/files')) as CheckResult;
    expect(summarize([pathCheck]).summary).toContain(
      'Connector path is exactly /mcp: the path is /mcp/files, a per-server path',
    );
    const failure: CheckResult = {
      id: 'tls',
      title: 'Connection and TLS',
      verdict: 'fail',
      detail: 'no answer',
      need: '',
      cause: 'unreachable',
    };
    const both = summarize([failure, pathCheck]);
    expect(both.cause).toBe('unreachable');
    expect(both.summary).toContain(`Also at risk: ${CAUSES['connector-path'].headline}`);
    expect(summarize([failure]).summary).not.toContain('Also at risk');
  });

  it('is skipped when the server cannot be reached, like every check after the first request', async () => {
    const report = await runDoctor({
      url: 'https://mcp.example.com/mcp/files',
      lookup: publicHost,
      fetch: refused,
    });
    expect(check(report)).toMatchObject({ verdict: 'skip', detail: expect.stringMatching(/^not reached: /) });
  });

  it('is skipped when there is no URL to read', async () => {
    expect(check(await run('not a url'))?.verdict).toBe('skip');
  });
});
