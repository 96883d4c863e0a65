import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { toolText as text, usePolicyFerry } from '../helpers/policyFerry.js';
import type { AuditRecord, ToolView } from '../../src/policy/types.js';
import { modernMeta, modernPost } from '../helpers/http.js';

const names = async (client: Client) => (await client.listTools()).tools.map((t) => t.name).sort();

/**
 * Policy "deny": the tool is absent from every list (aggregated and per-server, both wires) and a call
 * is refused with a tool error naming the policy; a policy edit through the admin API applies at once
 * to sessions already open.
 */
describe('per-tool policy: deny', () => {
  const policy = usePolicyFerry({
    toolPolicy: { default: 'annotations' },
    servers: { policy: { tools: { write_note: 'deny' } } },
  });

  it('leaves a denied tool out of /mcp and /mcp/<server> lists', async () => {
    expect(await names(policy.all)).toEqual([
      'policy__change_description',
      'policy__mutable',
      'policy__plain',
      'policy__read_note',
    ]);
    expect(await names(policy.one)).toEqual(['change_description', 'mutable', 'plain', 'read_note']);
  });

  it('refuses a call of a denied tool with a tool error that names the policy, on both endpoints', async () => {
    for (const [client, name] of [
      [policy.all, 'policy__write_note'],
      [policy.one, 'write_note'],
    ] as const) {
      const result = (await client.callTool({ name, arguments: { text: 'x' } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/blocked by the policy "deny" set for policy\/write_note/);
    }
    const audit = await policy.api<AuditRecord[]>('GET', '/audit?limit=2&decision=denied');
    expect(audit.body).toHaveLength(2);
    expect(audit.body[0]).toMatchObject({ server: 'policy', tool: 'write_note', outcome: 'refused' });
  });

  it('applies a policy edit through the admin API to open sessions at once, then undoes it', async () => {
    const changed = new Promise<void>((resolve) =>
      policy.one.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
    );
    const pid = policy.ferry.core.admin.server('policy').pid;
    const patch = await policy.api('PATCH', '/tools/policy/plain', { policy: 'deny' });
    expect(patch).toMatchObject({ status: 200, body: { policy: 'deny', policySource: 'tool' } });
    await changed;
    expect(await names(policy.one)).not.toContain('plain');
    expect(await names(policy.all)).not.toContain('policy__plain');
    const refused = (await policy.all.callTool({
      name: 'policy__plain',
      arguments: { text: 'x' },
    })) as CallToolResult;
    expect(refused.isError).toBe(true);
    const saved = JSON.parse(await readFile(policy.ferry.configPath, 'utf8')) as {
      ferry: { servers: { policy: { tools: Record<string, string> } } };
    };
    expect(saved.ferry.servers.policy.tools).toEqual({ write_note: 'deny', plain: 'deny' });
    const tools = await policy.api<ToolView[]>('GET', '/tools');
    expect(tools.body.find((t) => t.name === 'plain')).toMatchObject({
      server: 'policy',
      exposedName: 'policy__plain',
      policy: 'deny',
      pin: 'pinned',
      held: false,
      flags: [],
    });

    await policy.api('PATCH', '/tools/policy/plain', { policy: null });
    expect(await names(policy.one)).toContain('plain');
    // A policy edit is not a server edit: the child was never restarted for it.
    expect(policy.ferry.core.admin.server('policy')).toMatchObject({ state: 'ready', pid });
  });

  it('refuses a bad policy value with a clear admin error', async () => {
    const bad = await policy.api('PATCH', '/tools/policy/plain', { policy: 'maybe' });
    expect(bad.status).toBe(400);
    const unknownServer = await policy.api('PATCH', '/tools/nope/plain', { policy: 'deny' });
    expect(unknownServer.status).toBe(404);
  });

  it('applies the same policy on the stateless 2026-07-28 wire', async () => {
    const post = async (method: string, params: Record<string, unknown>) => {
      const res = await modernPost(
        `${policy.ferry.runtime.localUrl}/mcp`,
        method,
        { ...params, _meta: modernMeta() },
        typeof params.name === 'string' ? { 'mcp-name': params.name } : {},
      );
      return (await res.json()) as { result: Record<string, unknown> };
    };
    const list = await post('tools/list', {});
    const listed = (list.result.tools as { name: string }[]).map((t) => t.name);
    expect(listed).toContain('policy__read_note');
    expect(listed).not.toContain('policy__write_note');
    const called = await post('tools/call', { name: 'policy__write_note', arguments: { text: 'x' } });
    expect(called.result.isError).toBe(true);
    expect(text(called.result)).toMatch(/policy "deny"/);
  });
});
