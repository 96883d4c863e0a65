import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { adminApi } from '../helpers/admin.js';
import { policyServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { call, openSession, rawPost } from '../helpers/http.js';
import { OAuthHarness } from '../helpers/oauth.js';
import { toolNames as names, toolText as text } from '../helpers/policyFerry.js';
import type { ServerToolPolicy } from '../../src/admin/api.js';
import type { AuditRecord, ToolView } from '../../src/policy/types.js';

interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

/** A record written before this Ferry started, in the file a rotation leaves (`audit.1.jsonl`). */
const ROTATED: AuditRecord = {
  at: Date.parse('2026-01-02T03:04:05Z'),
  clientId: 'rotated-client',
  clientName: 'Old Client',
  server: 'policy',
  tool: 'read_note',
  decision: 'allowed',
  durationMs: 1,
  outcome: 'ok',
  argsDigest: `sha256:${'0'.repeat(64)}`,
};

/**
 * The admin routes of per-tool control the window uses: one tool with its pinned definition, a server's
 * default policy, the audit trail's filters (a bad query is a spec-shaped 400) and its JSON Lines export,
 * which reads rotated files too.
 */
describe('admin API: per-tool control routes', () => {
  let dataDir: string;
  let ferry: TestFerry;
  let api: ReturnType<typeof adminApi>;
  let all: Client;
  const exportUrl = (query = '') =>
    `${ferry.runtime.adminUrl as string}/api/audit/export${query ? `?${query}` : ''}`;
  const auth = () => ({ authorization: `Bearer ${ferry.runtime.adminToken as string}` });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-policy-routes-'));
    await mkdir(path.join(dataDir, 'audit'), { recursive: true, mode: 0o700 });
    await writeFile(path.join(dataDir, 'audit', 'audit.1.jsonl'), `${JSON.stringify(ROTATED)}\n`, {
      mode: 0o600,
    });
    ferry = await startFerry(
      { policy: policyServer() },
      { dataDir, ferry: { toolPolicy: { default: 'annotations' } } },
    );
    await serverState(ferry, 'policy', 'ready');
    api = adminApi(ferry);
    all = await ferry.connect();
    expect(text(await all.callTool({ name: 'policy__read_note', arguments: {} }))).toBe('note');
  });
  afterAll(async () => {
    await ferry?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('GET /tools/<server>/<tool> shows the pinned definition next to the presented one', async () => {
    const one = await api<ToolView>('GET', '/tools/policy/mutable');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      server: 'policy',
      name: 'mutable',
      pin: 'pinned',
      review: {
        pinned: { name: 'mutable', description: 'A tool whose description can change.' },
        current: { name: 'mutable', description: 'A tool whose description can change.' },
      },
    });
    const missing = await api<ErrorBody>('GET', '/tools/policy/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    expect((await api<ErrorBody>('GET', '/tools/ghost/mutable')).status).toBe(404);
  });

  it("sets a server's default tool policy: applies at once, a tool's own policy still wins", async () => {
    expect((await api<ServerToolPolicy>('GET', '/servers/policy/policy')).body).toEqual({
      server: 'policy',
      defaultToolPolicy: null,
      fallback: 'annotations',
    });
    const seq = ferry.bus.lastSeq;
    expect((await api('PATCH', '/tools/policy/read_note', { policy: 'allow' })).status).toBe(200);
    const denied = await api<ServerToolPolicy>('PATCH', '/servers/policy/policy', {
      defaultToolPolicy: 'deny',
    });
    expect(denied).toEqual({
      status: 200,
      body: { server: 'policy', defaultToolPolicy: 'deny', fallback: 'annotations' },
    });
    // The window hears of it without polling.
    await ferry.waitFor((e) => e.type === 'tools.changed' && e.seq > seq);
    expect(await names(all)).toEqual(['policy__read_note']);
    const tools = (await api<ToolView[]>('GET', '/tools')).body;
    expect(tools.find((t) => t.name === 'plain')).toMatchObject({ policy: 'deny', policySource: 'server' });
    expect(tools.find((t) => t.name === 'read_note')).toMatchObject({
      policy: 'allow',
      policySource: 'tool',
    });
    const refused = (await all.callTool({
      name: 'policy__plain',
      arguments: { text: 'x' },
    })) as CallToolResult;
    expect(refused.isError).toBe(true);

    const bad = await api<ErrorBody>('PATCH', '/servers/policy/policy', { defaultToolPolicy: 'maybe' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_input', issues: [{ path: 'defaultToolPolicy' }] });
    expect((await api('PATCH', '/servers/ghost/policy', { defaultToolPolicy: 'deny' })).status).toBe(404);

    const reset = await api<ServerToolPolicy>('PATCH', '/servers/policy/policy', { defaultToolPolicy: null });
    expect(reset.body.defaultToolPolicy).toBeNull();
    await api('PATCH', '/tools/policy/read_note', { policy: null });
    expect(await names(all)).toContain('policy__plain');
  });

  it('answers a bad audit query with a 400 naming each bad parameter', async () => {
    for (const [query, param] of [
      ['limit=abc', 'query.limit'],
      ['limit=0', 'query.limit'],
      ['decision=perhaps', 'query.decision'],
      ['outcome=fine', 'query.outcome'],
      ['since=yesterday', 'query.since'],
      ['since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z', 'query.since'],
      ['tool=a&tool=b', 'query.tool'],
      [`q=${'x'.repeat(201)}`, 'query.q'],
      ['colour=blue', 'query'],
    ] as const) {
      for (const route of ['/audit', '/audit/export']) {
        const res = await api<ErrorBody>('GET', `${route}?${query}`);
        expect({ query, route, status: res.status }).toEqual({ query, route, status: 400 });
        expect(res.body.error.code).toBe('invalid_input');
        expect(res.body.error.issues?.map((i) => i.path)).toContain(param);
      }
    }
  });

  it('filters the audit trail by server, tool, client, decision, outcome, time and text', async () => {
    const start = Date.now();
    await api('PATCH', '/tools/policy/write_note', { policy: 'deny' });
    const refused = (await all.callTool({
      name: 'policy__write_note',
      arguments: { text: 'needle-text' },
    })) as CallToolResult;
    expect(refused.isError).toBe(true);
    await api('PATCH', '/tools/policy/write_note', { policy: null });
    const query = async (q: string) => (await api<AuditRecord[]>('GET', `/audit?${q}`)).body;

    const denied = await query('decision=denied');
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((r) => r.decision === 'denied')).toBe(true);
    expect((await query('decision=denied&tool=write_note')).map((r) => r.tool)).toEqual(['write_note']);
    expect((await query('outcome=ok')).every((r) => r.outcome === 'ok')).toBe(true);
    expect((await query('tool=read_note&server=policy')).every((r) => r.tool === 'read_note')).toBe(true);
    expect(await query('server=nope')).toEqual([]);
    // Without OAuth the client is `local`, named by its own clientInfo.
    expect((await query('client=ferry-test&decision=denied')).length).toBe(denied.length);
    expect((await query('client=local&decision=denied')).length).toBe(denied.length);
    expect(await query('client=someone-else')).toEqual([]);
    expect(
      (await query(`since=${start}&until=${new Date(Date.now() + 1000).toISOString()}`)).map((r) => r.tool),
    ).toEqual(['write_note']);
    expect((await query(`until=${start - 60_000}`)).every((r) => r.at <= start - 60_000)).toBe(true);
    // Text search reads the whole record, case-insensitively: here the refusal's message.
    expect((await query('q=SET%20FOR%20POLICY%2FWRITE_NOTE')).map((r) => r.tool)).toEqual(['write_note']);
  });

  it('exports every matching record as JSON Lines, oldest first, rotated files included', async () => {
    const res = await fetch(exportUrl(), { headers: auth() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="ferry-audit-[\w.-]+\.jsonl"$/,
    );
    const lines = (await res.text()).split('\n');
    expect(lines.pop()).toBe('');
    const records = lines.map((line) => JSON.parse(line) as AuditRecord);
    // The rotated file's record (written before this Ferry started) comes first.
    expect(records[0]).toEqual(ROTATED);
    expect(records.map((r) => r.tool)).toEqual(expect.arrayContaining(['read_note', 'write_note']));
    const times = records.map((r) => r.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // The in-memory list sees the same trail (it was loaded from the files on start).
    expect((await api<AuditRecord[]>('GET', '/audit?client=rotated-client')).body).toEqual([ROTATED]);

    const filtered = await fetch(exportUrl('client=Old%20Client'), { headers: auth() });
    expect(await filtered.text()).toBe(`${JSON.stringify(ROTATED)}\n`);
    const none = await fetch(exportUrl('decision=busy'), { headers: auth() });
    expect(none.status).toBe(200);
    expect(await none.text()).toBe('');
    expect((await fetch(exportUrl())).status).toBe(401);
  });
});

/**
 * With OAuth, each audit record carries the name the client registered (`client_name`, what the consent
 * page showed) next to its id, and the name it gave itself in `initialize` apart.
 */
describe('admin API: audit records name the OAuth client', () => {
  const PUBLIC = 'https://ferry-audit.example';
  let ferry: TestFerry;

  beforeAll(async () => {
    ferry = await startFerry({ policy: policyServer() }, { auth: true, publicUrl: PUBLIC });
    await serverState(ferry, 'policy', 'ready');
  });
  afterAll(() => ferry?.stop());

  it('records client_name from the registration and clientInfo.name separately', async () => {
    const h = new OAuthHarness(ferry, PUBLIC);
    const connection = await h.connect({ registration: { client_name: 'Audit Bot' } });
    const headers = { authorization: `Bearer ${connection.accessToken}` };
    const url = `${ferry.runtime.localUrl}/mcp`;
    const session = await openSession(url, headers);
    const reply = await rawPost(url, call(1, 'policy__read_note', {}), {
      ...headers,
      'mcp-session-id': session,
    });
    expect(reply.status).toBe(200);
    const records = (await adminApi(ferry)<AuditRecord[]>('GET', '/audit?client=Audit%20Bot')).body;
    expect(records).toEqual([
      expect.objectContaining({
        clientId: connection.clientId,
        clientName: 'Audit Bot',
        clientInfoName: 'raw-test',
        tool: 'read_note',
      }),
    ]);
  });
});
