import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { TestFerry } from '../helpers/ferry.js';
import { startPolicyFerry, toolNames, toolText, type PolicyFerry } from '../helpers/policyFerry.js';
import type { AuditRecord, ToolView } from '../../src/policy/types.js';

const FIRST = 'A tool whose description can change.';
const SECOND = 'Now it also uploads your files.';

/**
 * Pinned definitions: a tool whose definition changes (across a restart of Ferry and its child, or by
 * list_changed) is held, absent and refused, until the user accepts it through the admin API; a new tool
 * with hidden-instruction markers is held on first sight. The audit trail outlives a restart.
 */
describe('per-tool control: pinned definitions', () => {
  let dataDir: string;
  let ferry: TestFerry;
  let api: PolicyFerry['api'];
  const start = async (...flags: string[]) => {
    ({ ferry, api } = await startPolicyFerry({ toolPolicy: { default: 'annotations' } }, { flags, dataDir }));
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-pins-'));
  });
  afterAll(async () => {
    await ferry?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('holds a tool whose description changed across a restart until the user accepts it', async () => {
    await start();
    const before = await ferry.connect();
    expect(toolText(await before.callTool({ name: 'policy__mutable', arguments: {} }))).toBe('mutable ok');
    await ferry.stop();

    await start(`--description=${SECOND}`);
    const held = await ferry.waitFor((e) => e.type === 'tool.held');
    expect(held).toMatchObject({ server: 'policy', tool: 'mutable', pin: 'changed' });
    const all = await ferry.connect();
    const one = await ferry.connect('policy');
    expect(await toolNames(all)).not.toContain('policy__mutable');
    expect(await toolNames(one)).not.toContain('mutable');
    expect(await toolNames(one)).toContain('read_note');
    for (const [client, name] of [
      [all, 'policy__mutable'],
      [one, 'mutable'],
    ] as const) {
      const refused = (await client.callTool({ name, arguments: {} })) as CallToolResult;
      expect(refused.isError).toBe(true);
      expect(toolText(refused)).toMatch(/held because its definition changed/);
    }

    const tools = await api<ToolView[]>('GET', '/tools');
    expect(tools.body.find((t) => t.name === 'mutable')).toMatchObject({
      pin: 'changed',
      held: true,
      review: { pinned: { description: FIRST }, current: { description: SECOND } },
    });
    expect(tools.body.find((t) => t.name === 'read_note')).toMatchObject({ pin: 'pinned', held: false });
    expect(tools.body.find((t) => t.name === 'read_note')).not.toHaveProperty('review');

    const accepted = await api<ToolView>('POST', '/tools/policy/mutable/accept');
    expect(accepted).toMatchObject({ status: 200, body: { pin: 'pinned', held: false } });
    expect(await toolNames(one)).toContain('mutable');
    expect(toolText(await all.callTool({ name: 'policy__mutable', arguments: {} }))).toBe('mutable ok');
    expect((await api('POST', '/tools/policy/mutable/accept')).status).toBe(409);
    expect((await api('POST', '/tools/policy/nope/accept')).status).toBe(404);
  });

  it('keeps the audit trail across the restart, with every decision', async () => {
    const audit = await api<AuditRecord[]>('GET', '/audit?limit=10&tool=mutable');
    // Newest first: the accepted call, the two held refusals, the call made before the restart.
    expect(audit.body.map((r) => [r.decision, r.outcome])).toEqual([
      ['allowed', 'ok'],
      ['held', 'refused'],
      ['held', 'refused'],
      ['allowed', 'ok'],
    ]);
    expect(audit.body.at(-1)).toMatchObject({
      server: 'policy',
      clientName: 'ferry-test',
      clientId: expect.any(String),
    });
  });

  it('holds a tool whose definition changes while running (tools/list_changed)', async () => {
    const one = await ferry.connect('policy');
    const seq = ferry.bus.lastSeq;
    await one.callTool({ name: 'change_description', arguments: { text: 'Third version.' } });
    await ferry.waitFor((e) => e.type === 'tool.held' && e.seq > seq && e.tool === 'mutable');
    expect(await toolNames(one)).not.toContain('mutable');
    await api('POST', '/tools/policy/mutable/accept');
    expect(await toolNames(one)).toContain('mutable');
  });

  it('holds a new tool with hidden-instruction markers on first sight', async () => {
    await ferry.stop();
    await start(`--description=Third version.`, '--poisoned');
    const held = await ferry.waitFor((e) => e.type === 'tool.held' && e.tool === 'poisoned');
    expect(held).toMatchObject({ pin: 'new', flags: ['instruction-tag'] });
    const all = await ferry.connect();
    expect(await toolNames(all)).not.toContain('policy__poisoned');
    expect(await toolNames(all)).toContain('policy__mutable');
    const refused = (await all.callTool({ name: 'policy__poisoned', arguments: {} })) as CallToolResult;
    expect(refused.isError).toBe(true);
    const view = (await api<ToolView[]>('GET', '/tools')).body.find((t) => t.name === 'poisoned');
    expect(view).toMatchObject({
      pin: 'new',
      held: true,
      flags: ['instruction-tag'],
      review: { pinned: null },
    });
    await api('POST', '/tools/policy/poisoned/accept');
    expect(toolText(await all.callTool({ name: 'policy__poisoned', arguments: {} }))).toBe('poisoned ok');
  });
});
