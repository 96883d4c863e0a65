import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApprovalManager, type ApprovalInput } from '../../src/policy/approvals.js';
import { AuditLog } from '../../src/policy/auditLog.js';
import { PinStore } from '../../src/policy/pinStore.js';
import { TOOL_POLICY_LIMITS } from '../../src/policy/limits.js';
import type { AuditRecord } from '../../src/policy/types.js';

let dir: string;
const warnings: string[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-policy-'));
  warnings.length = 0;
});
afterEach(() => rm(dir, { recursive: true, force: true }));
const warn = (message: string) => warnings.push(message);
const posix = process.platform !== 'win32';

describe('pin store', () => {
  const definition = { name: 't', description: 'd', inputSchema: { type: 'object' as const } };

  it('persists pins (mode 0600) and reads them back after a restart', async () => {
    const file = path.join(dir, 'tool-pins.json');
    const store = new PinStore(file, warn, 1);
    await store.load();
    expect(store.pin('srv', 't', 'sha256:aa', definition)).toBe(true);
    await store.flush();
    if (posix) expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = new PinStore(file, warn, 1);
    await again.load();
    expect(again.get('srv', 't')).toMatchObject({ digest: 'sha256:aa', definition });
    expect(again.get('srv', 'other')).toBeUndefined();
  });

  it('moves an unreadable file aside and says so, rather than failing or overwriting it silently', async () => {
    const file = path.join(dir, 'tool-pins.json');
    await writeFile(file, '{ not json');
    const store = new PinStore(file, warn, 1);
    await store.load();
    expect(store.size).toBe(0);
    expect(warnings.join('\n')).toMatch(/unreadable.*moved to/);
    expect((await readdir(dir)).some((name) => name.startsWith('tool-pins.json.corrupt-'))).toBe(true);
  });

  it('keeps a definition too large for review as a digest only', async () => {
    const store = new PinStore(path.join(dir, 'p.json'), warn, 1);
    const huge = { ...definition, description: 'x'.repeat(TOOL_POLICY_LIMITS.pinnedDefinitionBytes) };
    store.pin('srv', 'big', 'sha256:bb', huge);
    expect(store.get('srv', 'big')).toMatchObject({ digest: 'sha256:bb', definition: null });
    await store.flush();
  });
});

describe('audit log', () => {
  const record = (i: number, extra: Partial<AuditRecord> = {}): AuditRecord => ({
    at: 1000 + i,
    clientId: 'c',
    server: 's',
    tool: `t${i % 3}`,
    decision: 'allowed',
    durationMs: 1,
    outcome: 'ok',
    argsDigest: 'sha256:00',
    ...extra,
  });

  it('appends JSON Lines (mode 0600), answers newest first with filters, and survives a restart', async () => {
    const log = new AuditLog(dir, warn);
    await log.load();
    for (let i = 0; i < 10; i++)
      log.append(record(i, i === 4 ? { decision: 'denied', outcome: 'refused' } : {}));
    await log.flush();
    if (posix) expect((await stat(log.file)).mode & 0o777).toBe(0o600);
    const lines = (await readFile(log.file, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ at: 1000, tool: 't0' });
    expect(log.recent(3).map((r) => r.at)).toEqual([1009, 1008, 1007]);
    expect(log.recent(100, { decision: 'denied' }).map((r) => r.at)).toEqual([1004]);
    expect(log.recent(100, { tool: 't1' }).map((r) => r.at)).toEqual([1007, 1004, 1001]);
    const reopened = new AuditLog(dir, warn);
    await reopened.load();
    expect(reopened.recent(2).map((r) => r.at)).toEqual([1009, 1008]);
  });

  it('rotates by size and keeps at most the configured number of files', async () => {
    const log = new AuditLog(dir, warn, { fileBytes: 2000, files: 3 });
    await log.load();
    for (let i = 0; i < 100; i++) {
      log.append(record(i));
      await log.flush();
    }
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['audit.1.jsonl', 'audit.2.jsonl', 'audit.jsonl']);
    for (const name of files) expect((await stat(path.join(dir, name))).size).toBeLessThanOrEqual(2000);
    // The newest records are in the current file; a restart still finds them, across the rotated ones too.
    const reopened = new AuditLog(dir, warn, { fileBytes: 2000, files: 3 });
    await reopened.load();
    const recent = reopened.recent(1000);
    expect(recent[0]?.at).toBe(1099);
    expect(recent.length).toBeGreaterThan((await readFile(log.file, 'utf8')).trim().split('\n').length);
  });

  it('exports every record on disk oldest first, across rotated files, with the filters', async () => {
    // About 11 lines per file: 30 records fill three files.
    const lineBytes = Buffer.byteLength(`${JSON.stringify(record(10))}\n`);
    const log = new AuditLog(dir, warn, { fileBytes: 11 * lineBytes + 50, files: 3, memory: 5 });
    await log.load();
    for (let i = 0; i < 30; i++) {
      log.append(record(i, i === 2 ? { decision: 'denied', outcome: 'refused', error: 'Needle' } : {}));
      await log.flush();
    }
    expect((await readdir(dir)).sort()).toEqual(['audit.1.jsonl', 'audit.2.jsonl', 'audit.jsonl']);
    const read = async (filter = {}) => {
      const out: AuditRecord[] = [];
      for await (const line of log.export(filter)) out.push(JSON.parse(line) as AuditRecord);
      return out;
    };
    const everything = await read();
    // Memory holds 5; the export reads all 30 from the three files, the oldest file first.
    expect(everything.map((r) => r.at)).toEqual(Array.from({ length: 30 }, (_, i) => 1000 + i));
    expect((await read({ decision: 'denied' })).map((r) => r.at)).toEqual([1002]);
    expect((await read({ text: 'needle' })).map((r) => r.at)).toEqual([1002]);
    expect((await read({ since: 1010, until: 1012, tool: 't1' })).map((r) => r.at)).toEqual([1010]);
    expect((await read({ client: 'c' })).length).toBe(30);
    expect(await read({ client: 'd' })).toEqual([]);

    // A rotation while an export is being read neither repeats nor skips a line of it.
    const during: number[] = [];
    const lines = log.export();
    const first = await lines.next();
    during.push((JSON.parse(first.value as string) as AuditRecord).at);
    for (let i = 30; i < 60; i++) {
      log.append(record(i));
      await log.flush();
    }
    for await (const line of lines) during.push((JSON.parse(line) as AuditRecord).at);
    expect(during).toEqual(Array.from({ length: 30 }, (_, i) => 1000 + i));
  });

  it('bounds a line: drops recorded arguments first, then cuts the error', async () => {
    const log = new AuditLog(dir, warn, { lineBytes: 1024 });
    await log.load();
    log.append(record(1, { arguments: { blob: 'x'.repeat(5000) } }));
    log.append(record(2, { error: 'e'.repeat(5000) }));
    await log.flush();
    const lines = (await readFile(log.file, 'utf8')).trim().split('\n');
    for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(1024);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ argumentsDropped: true, argsDigest: 'sha256:00' });
    expect(JSON.parse(lines[0] as string)).not.toHaveProperty('arguments');
    expect((JSON.parse(lines[1] as string) as AuditRecord).error).toMatch(/^e+…$/);
  });
});

describe('approval manager', () => {
  const input = (clientId: string, tool = 'write'): ApprovalInput => ({
    clientId,
    clientName: clientId,
    server: 's',
    tool,
    exposedName: `s__${tool}`,
    argsPreview: '{}',
  });
  const hooks = { requested: () => undefined, resolved: () => undefined };

  it('refuses over the per-client and the overall bound instead of queueing', async () => {
    const manager = new ApprovalManager(hooks, () => 60_000, { perClient: 2, total: 3 });
    const signal = new AbortController().signal;
    const waits = [manager.wait(input('a'), signal), manager.wait(input('a'), signal)];
    expect(await manager.wait(input('a'), signal)).toBe('busy');
    waits.push(manager.wait(input('b'), signal));
    expect(await manager.wait(input('c'), signal)).toBe('busy');
    expect(manager.pending()).toHaveLength(3);
    manager.close();
    expect(await Promise.all(waits)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('ends a wait once: on approval, denial, timeout or cancellation', async () => {
    const manager = new ApprovalManager(hooks, () => 50);
    const controller = new AbortController();
    const timedOut = manager.wait(input('a'), new AbortController().signal);
    expect(await timedOut).toBe('timeout');
    const cancelled = manager.wait(input('a'), controller.signal);
    controller.abort();
    expect(await cancelled).toBe('cancelled');
    const slow = new ApprovalManager(hooks, () => 60_000);
    const first = slow.wait(input('a'), new AbortController().signal);
    const second = slow.wait(input('b'), new AbortController().signal);
    const [one, two] = slow.pending();
    slow.approve(one?.id as string);
    slow.deny(two?.id as string);
    expect(await first).toBe('approved');
    expect(await second).toBe('denied');
    expect(() => slow.approve(one?.id as string)).toThrow(/no such approval/);
  });

  it('approves every waiting call of the same tool when remembered "always", and only those', async () => {
    const manager = new ApprovalManager(hooks, () => 60_000);
    const signal = new AbortController().signal;
    const same = [manager.wait(input('a', 'write'), signal), manager.wait(input('b', 'write'), signal)];
    const other = manager.wait(input('a', 'delete'), signal);
    manager.approve(manager.pending()[0]?.id as string, true);
    expect(await Promise.all(same)).toEqual(['approved', 'approved']);
    expect(manager.pending().map((p) => p.tool)).toEqual(['delete']);
    manager.close();
    expect(await other).toBe('cancelled');
  });
});
