import { describe, expect, it } from 'vitest';
import { parseChallenge } from '../../src/doctor/checks/common.js';
import { asMetadataUrls, prmUrls } from '../../src/doctor/checks/metadata.js';
import { harmlessTool } from '../../src/doctor/checks/session.js';
import { CAUSE_ORDER, summarize } from '../../src/doctor/causes.js';
import { edgeBlock } from '../../src/doctor/claude.js';
import { pausedReport } from '../../src/doctor/paused.js';
import { redactBody, rpcMessages, sseEvents } from '../../src/doctor/probe.js';
import {
  runDoctor,
  type CheckResult,
  type DoctorFetch,
  type DoctorLookup,
  type DoctorReport,
} from '../../src/doctor/index.js';
import { refusedFetch } from '../helpers/doctor.js';

/** Nothing here touches a network: every fetch is one of these, every lookup is given. */
const refused = refusedFetch;
const resolvesTo =
  (...addresses: string[]): DoctorLookup =>
  () =>
    Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
const answer =
  (status: number, body: string, headers: Record<string, string> = {}): DoctorFetch =>
  () =>
    Promise.resolve(new Response(body, { status, headers }));

const first = (report: DoctorReport, id: CheckResult['id']) => report.checks.find((c) => c.id === id);

describe('the reachability check', () => {
  const run = (url: string, lookup: DoctorLookup) => runDoctor({ url, lookup, fetch: refused });

  it('passes a public IPv4 host on https:443', async () => {
    const report = await run('https://mcp.example.com/mcp', resolvesTo('104.16.1.1', '2606:4700::1'));
    expect(first(report, 'reachability')).toMatchObject({
      verdict: 'pass',
      detail: 'mcp.example.com resolves to 104.16.1.1 (public IPv4); https on port 443',
    });
    expect(first(report, 'reachability')?.evidence).toMatchObject({
      request: { method: 'LOOKUP', url: 'mcp.example.com' },
      bodyExcerpt: '104.16.1.1 (IPv4), 2606:4700::1 (IPv6)',
    });
  });

  it.each([
    [
      'https://mcp.example.com:8443/mcp',
      resolvesTo('104.16.1.1'),
      /port 8443: Claude connects to port 443 only/,
    ],
    ['http://mcp.example.com/mcp', resolvesTo('104.16.1.1'), /plain http: Claude connects over https only/],
    ['https://mcp.example.com/mcp', resolvesTo('2606:4700::1'), /only IPv6 addresses .*IPv4 \(A\) record/],
    ['https://nas.lan/mcp', resolvesTo('192.168.1.20'), /only to private addresses \(192\.168\.1\.20\)/],
    ['https://100.101.102.103/mcp', resolvesTo(), /only to private addresses \(100\.101\.102\.103\)/],
  ])('fails %s with the reason', async (url, lookup, reason) => {
    const check = first(await run(url, lookup), 'reachability');
    expect(check?.verdict).toBe('fail');
    expect(check?.cause).toBe('reachability');
    expect(check?.detail).toMatch(reason);
    expect(check?.fix).toContain('tunnel');
  });

  it('warns for loopback: fine for local testing, Claude cannot reach it', async () => {
    const check = first(
      await run('http://localhost:8790/mcp', resolvesTo('127.0.0.1', '::1')),
      'reachability',
    );
    expect(check).toMatchObject({
      verdict: 'warn',
      detail:
        'localhost resolves to loopback (127.0.0.1, ::1): fine for local testing, Claude cannot reach it',
    });
  });

  it('fails a host that does not resolve, and skips everything after it', async () => {
    const lookup: DoctorLookup = () =>
      Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    const report = await run('https://gone-name.trycloudflare.com/mcp', lookup);
    expect(first(report, 'reachability')?.detail).toBe(
      'gone-name.trycloudflare.com does not resolve (ENOTFOUND)',
    );
    expect(report.checks.slice(1).every((c) => c.verdict === 'skip')).toBe(true);
    expect(report.cause).toBe('reachability');
  });

  it('fails something that is no URL without throwing', async () => {
    const report = await runDoctor({ url: 'mcp.example.com/mcp', fetch: refused });
    expect(first(report, 'reachability')?.detail).toBe('"mcp.example.com/mcp" is not an absolute https URL');
    expect(report.verdict).toBe('fail');
  });
});

describe('answers before the server is reached', () => {
  const lookup = resolvesTo('104.16.1.1');

  it('names a TLS failure', async () => {
    const tlsFailure: DoctorFetch = () =>
      Promise.reject(
        new TypeError('fetch failed', {
          cause: Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }),
        }),
      );
    const report = await runDoctor({ url: 'https://mcp.example.com/mcp', lookup, fetch: tlsFailure });
    expect(first(report, 'tls')).toMatchObject({ verdict: 'fail', cause: 'unreachable' });
    expect(first(report, 'tls')?.detail).toBe(
      'the TLS handshake failed: CERT_HAS_EXPIRED (certificate has expired)',
    );
    expect(first(report, 'tls')?.evidence?.error).toBe('CERT_HAS_EXPIRED');
  });

  it('recognises a Cloudflare tunnel that is down (530, error 1033)', async () => {
    const report = await runDoctor({
      url: 'https://mcp.example.com/mcp',
      lookup,
      fetch: answer(530, 'error code: 1033', { server: 'cloudflare' }),
    });
    expect(first(report, 'tls')?.verdict).toBe('pass');
    expect(first(report, 'challenge-post')).toMatchObject({ verdict: 'fail', cause: 'unreachable' });
    expect(first(report, 'challenge-post')?.detail).toContain('no connected tunnel');
  });

  it('recognises a bot challenge on Claude’s first request (python-httpx)', async () => {
    const report = await runDoctor({
      url: 'https://mcp.example.com/mcp',
      lookup,
      fetch: answer(403, '<!DOCTYPE html><title>Just a moment...</title>', {
        'cf-mitigated': 'challenge',
        server: 'cloudflare',
      }),
    });
    expect(first(report, 'challenge-post')).toMatchObject({
      verdict: 'fail',
      cause: 'edge-blocks-claude-user',
    });
    expect(first(report, 'claude-user')).toMatchObject({ verdict: 'fail', cause: 'edge-blocks-claude-user' });
    expect(report.cause).toBe('edge-blocks-claude-user');
  });

  it('warns about a server that needs no token and skips the OAuth checks', async () => {
    const report = await runDoctor({
      url: 'https://mcp.example.com/mcp',
      lookup,
      fetch: answer(200, '{"jsonrpc":"2.0","id":0,"result":{}}', { 'content-type': 'application/json' }),
    });
    expect(first(report, 'challenge-post')?.verdict).toBe('warn');
    expect(first(report, 'prm-suffixed')?.detail).toContain('answers without a token');
    expect(first(report, 'claude-user')?.verdict).toBe('pass');
  });
});

describe('doctor helpers', () => {
  it('parses Bearer challenges, quoted or not', () => {
    expect(
      parseChallenge(
        'Bearer resource_metadata="https://x.example/.well-known/oauth-protected-resource/mcp", scope="mcp"',
      ),
    ).toEqual({
      scheme: 'Bearer',
      params: {
        resource_metadata: 'https://x.example/.well-known/oauth-protected-resource/mcp',
        scope: 'mcp',
      },
    });
    expect(parseChallenge('Bearer error=invalid_token, error_description="token expired"').params).toEqual({
      error: 'invalid_token',
      error_description: 'token expired',
    });
    expect(parseChallenge(null)).toEqual({ scheme: '', params: {} });
  });

  it('tells an edge block from the server’s own 403', () => {
    const headers = (h: Record<string, string>) => new Headers(h);
    expect(edgeBlock({ status: 403, headers: headers({ 'cf-mitigated': 'challenge' }), text: '' })).toContain(
      'cf-mitigated',
    );
    expect(
      edgeBlock({
        status: 403,
        headers: headers({ server: 'cloudflare' }),
        text: '<h1>Sorry, you have been blocked</h1>',
      }),
    ).toBe('a Cloudflare block page ("Sorry, you have been blocked", HTTP 403)');
    expect(
      edgeBlock({ status: 403, headers: headers({}), text: '{"error":"insufficient_scope"}' }),
    ).toBeUndefined();
    expect(edgeBlock({ status: 401, headers: headers({}), text: '' })).toBeUndefined();
    // Through a tunnel the server's own JSON 403 carries Cloudflare's headers too: not the edge's.
    expect(
      edgeBlock({
        status: 403,
        headers: headers({ server: 'cloudflare', 'cf-ray': 'x', 'content-type': 'application/json' }),
        text: '{"error":"Origin not allowed"}',
      }),
    ).toBeUndefined();
    expect(
      edgeBlock({
        status: 403,
        headers: headers({ server: 'cloudflare', 'content-type': 'text/html' }),
        text: '<html>',
      }),
    ).toBe("an HTML 403 page from Cloudflare (not the server's JSON)");
  });

  it('leads the summary with the most frequent cause among the failures', () => {
    const failing = (id: CheckResult['id'], cause: CheckResult['cause']): CheckResult => ({
      id,
      title: id,
      verdict: 'fail',
      detail: `${id} failed`,
      need: '',
      fix: `fix ${id}`,
      ...(cause ? { cause } : {}),
    });
    const { summary, cause } = summarize([
      failing('prm-resource', 'resource-metadata'),
      failing('claude-user', 'edge-blocks-claude-user'),
      failing('as-pkce', 'pkce-s256'),
    ]);
    expect(cause).toBe('edge-blocks-claude-user');
    expect(summary).toMatch(/^Most likely cause: Requests with the user agent Claude-User are blocked/);
    expect(summary).toContain('Seen at "claude-user": claude-user failed. Fix: fix claude-user.');
    expect(summary).toContain('Also failing: The protected-resource metadata');
    expect(CAUSE_ORDER.slice(0, 4)).toEqual([
      'edge-blocks-claude-user',
      'token-audience',
      'resource-metadata',
      'pkce-s256',
    ]);
    expect(summarize([]).summary).toBe('Every check passed: Claude should connect to this URL.');
  });

  it('computes the metadata locations Claude tries', () => {
    expect(prmUrls(new URL('https://x.example/mcp'))).toEqual({
      suffixed: 'https://x.example/.well-known/oauth-protected-resource/mcp',
      root: 'https://x.example/.well-known/oauth-protected-resource',
    });
    expect(
      asMetadataUrls(new URL('https://x.example'), new URL('https://x.example/mcp')).map((c) => c.url),
    ).toEqual([
      'https://x.example/.well-known/oauth-authorization-server',
      'https://x.example/.well-known/openid-configuration',
      'https://x.example/.well-known/oauth-authorization-server/mcp',
    ]);
    expect(
      asMetadataUrls(new URL('https://auth.example/tenant/'), new URL('https://x.example/mcp')).map(
        (c) => c.url,
      ),
    ).toEqual([
      'https://auth.example/.well-known/oauth-authorization-server/tenant',
      'https://auth.example/.well-known/openid-configuration/tenant',
      'https://auth.example/tenant/.well-known/openid-configuration',
    ]);
  });

  it('calls only a tool known to be harmless', () => {
    const tools = [{ name: 'demo__current_time' }, { name: 'demo__calculate' }];
    expect(harmlessTool('ferry', tools, undefined)).toEqual({ name: 'demo__current_time', arguments: {} });
    expect(harmlessTool('ferry', [{ name: 'current_time' }], undefined)?.name).toBe('current_time');
    expect(harmlessTool('someone-else', tools, undefined)).toBeUndefined();
    expect(harmlessTool('ferry', [{ name: 'files__delete' }], undefined)).toBeUndefined();
    expect(harmlessTool('x', [], { name: 'echo' })).toEqual({ name: 'echo' });
  });

  it('reads SSE and JSON answers, and keeps secrets out of excerpts', () => {
    const stream =
      ': keep-alive\n\nevent: message\ndata: {"jsonrpc":"2.0","id":3,"result":{}}\n\ndata: {"partial":';
    expect(sseEvents(stream)).toEqual([
      { comment: 'keep-alive' },
      { event: 'message', data: '{"jsonrpc":"2.0","id":3,"result":{}}' },
    ]);
    const headers = (type: string) => new Headers({ 'content-type': type });
    expect(rpcMessages({ headers: headers('text/event-stream'), text: stream })).toEqual([
      { jsonrpc: '2.0', id: 3, result: {} },
    ]);
    expect(rpcMessages({ headers: headers('application/json'), text: '[{"id":1},{"id":2}]' })).toHaveLength(
      2,
    );
    expect(redactBody('{"access_token":"eyJ.x.y","token_type":"Bearer","refresh_token":"r1"}')).toBe(
      '{"access_token":"<redacted>","token_type":"Bearer","refresh_token":"<redacted>"}',
    );
    expect(redactBody('https://claude.ai/api/mcp/auth_callback?code=abc&state=s')).toBe(
      'https://claude.ai/api/mcp/auth_callback?code=<redacted>&state=s',
    );
  });

  it('refuses nonsensical options', async () => {
    await expect(runDoctor({ url: 'https://x.example/mcp', timeoutMs: 0 })).rejects.toThrow(RangeError);
  });
});

describe('the doctor while Ferry is paused', () => {
  const check = (id: CheckResult['id'], verdict: CheckResult['verdict'], cause?: CheckResult['cause']) =>
    ({
      id,
      title: id,
      verdict,
      detail: `${id} ${verdict}`,
      need: '',
      ...(cause ? { cause } : {}),
    }) as CheckResult;

  it('puts every failure down to the pause, which leads the summary; passes stay as they were', () => {
    const report = pausedReport({
      url: 'http://127.0.0.1:8790/mcp',
      startedAt: new Date(0).toISOString(),
      durationMs: 1,
      checks: [
        check('reachability', 'pass'),
        check('claude-user', 'fail', 'edge-blocks-claude-user'),
        check('prm-resource', 'fail', 'resource-metadata'),
      ],
      verdict: 'fail',
      summary: 'Most likely cause: Requests with the user agent Claude-User are blocked',
      cause: 'edge-blocks-claude-user',
    });
    expect(report.cause).toBe('ferry-paused');
    expect(report.summary).toMatch(/^Most likely cause: Ferry is paused by its user/);
    expect(report.checks.map((c) => c.cause)).toEqual([undefined, 'ferry-paused', 'ferry-paused']);
  });

  it('ranks a pause seen by one check above the most frequent cause', () => {
    const { cause } = summarize([
      check('claude-user', 'fail', 'edge-blocks-claude-user'),
      check('challenge-post', 'fail', 'ferry-paused'),
    ]);
    expect(cause).toBe('ferry-paused');
  });
});
