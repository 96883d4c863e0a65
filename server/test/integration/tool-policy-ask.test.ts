import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { toolText as text, usePolicyFerry } from '../helpers/policyFerry.js';
import { initializeBody, modernMeta, modernPost } from '../helpers/http.js';
import type { Stamped } from '../../src/events/types.js';
import type { AuditRecord, PendingApproval } from '../../src/policy/types.js';
import { TOOL_POLICY_LIMITS } from '../../src/policy/limits.js';

/**
 * Policy "ask": the call waits for the user; it completes after an approval through the admin API, and
 * fails cleanly (a tool error, never a hang) after a denial, after the timeout, and over the bounds.
 * While it waits the POST stream carries keep-alives, on both wires.
 */
describe('per-tool policy: ask', () => {
  const policy = usePolicyFerry({
    toolPolicy: { default: 'annotations', approvalTimeoutSeconds: 5 },
    keepAliveSeconds: 1,
  });

  /** The next approval request emitted after `after` (a bus sequence number). */
  const nextApproval = async (after: number): Promise<PendingApproval> => {
    const event = await policy.ferry.waitFor((e) => e.type === 'approval.requested' && e.seq > after);
    return (event as Stamped<{ type: 'approval.requested'; approval: PendingApproval }>).approval;
  };

  it('runs a read-only tool at once and lists ask tools (ask is not deny)', async () => {
    expect(text(await policy.all.callTool({ name: 'policy__read_note', arguments: {} }))).toBe('note');
    const names = (await policy.all.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['policy__write_note', 'policy__plain']));
  });

  it('holds an unannotated or destructive call until the user approves it through the admin API', async () => {
    const seq = policy.ferry.bus.lastSeq;
    const call = policy.all.callTool({
      name: 'policy__write_note',
      arguments: { text: 'hi', token: 'sk-secretsecretsecret12' },
    });
    const approval = await nextApproval(seq);
    const pending = await policy.api<PendingApproval[]>('GET', '/approvals');
    expect(pending.body).toEqual([
      expect.objectContaining({
        id: approval.id,
        clientName: 'ferry-test',
        server: 'policy',
        tool: 'write_note',
        exposedName: 'policy__write_note',
      }),
    ]);
    // The preview shown to the user never carries a secret.
    expect(pending.body[0]?.argsPreview).toContain('"hi"');
    expect(pending.body[0]?.argsPreview).not.toContain('sk-secret');
    // The window and tray learn of it from the admin event stream.
    const stream = await fetch(`${policy.ferry.runtime.adminUrl as string}/api/events?since=${seq}`, {
      headers: { authorization: `Bearer ${policy.ferry.runtime.adminToken as string}` },
    });
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    let events = '';
    while (!events.includes(approval.id)) {
      const { value, done } = await reader.read();
      if (done) break;
      events += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(events).toContain('event: approval.requested');
    expect(events).toContain(approval.id);
    const approved = await policy.api('POST', `/approvals/${approval.id}/approve`, { remember: 'once' });
    expect(approved.status).toBe(200);
    expect(text(await call)).toBe('wrote hi');
    const audit = await policy.api<AuditRecord[]>('GET', '/audit?limit=1');
    expect(audit.body[0]).toMatchObject({ tool: 'write_note', decision: 'asked-allowed', outcome: 'ok' });
    expect(audit.body[0]?.argsDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(audit.body[0]).not.toHaveProperty('arguments');
  });

  it('fails with a tool error after the user denies it, and the child never runs it', async () => {
    const seq = policy.ferry.bus.lastSeq;
    const call = policy.one.callTool({ name: 'plain', arguments: { text: 'no' } });
    const approval = await nextApproval(seq);
    expect((await policy.api('POST', `/approvals/${approval.id}/deny`)).status).toBe(200);
    const result = (await call) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/The user denied this call of "plain"/);
    expect((await policy.api<AuditRecord[]>('GET', '/audit?limit=1')).body[0]).toMatchObject({
      decision: 'asked-denied',
      outcome: 'refused',
    });
    expect((await policy.api('POST', `/approvals/${approval.id}/approve`)).status).toBe(404);
  });

  it('fails with a tool error saying the user did not answer once the approval times out', async () => {
    const started = Date.now();
    const result = (await policy.all.callTool({
      name: 'policy__plain',
      arguments: { text: 'late' },
    })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/The user did not answer within 5 s/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4500);
    expect((await policy.api<PendingApproval[]>('GET', '/approvals')).body).toEqual([]);
    expect((await policy.api<AuditRecord[]>('GET', '/audit?limit=1')).body[0]).toMatchObject({
      decision: 'asked-timeout',
    });
  }, 20_000);

  it('keeps the stateful POST stream alive with keep-alives while the call waits', async () => {
    const url = `${policy.ferry.runtime.localUrl}/mcp`;
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const init = await fetch(url, { method: 'POST', headers, body: JSON.stringify(initializeBody()) });
    const session = init.headers.get('mcp-session-id') as string;
    await init.text();
    const seq = policy.ferry.bus.lastSeq;
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'mcp-session-id': session },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'policy__write_note', arguments: { text: 'sse' } },
      }),
    });
    const approval = await nextApproval(seq);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let body = '';
    while (!body.includes(': keep-alive')) {
      const { value, done } = await reader.read();
      if (done) break;
      body += decoder.decode(value, { stream: true });
    }
    expect(body).toContain(': keep-alive');
    await policy.api('POST', `/approvals/${approval.id}/approve`);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      body += decoder.decode(value, { stream: true });
    }
    expect(body).toContain('wrote sse');
  });

  it('waits, keeps alive and completes on the stateless 2026-07-28 wire too', async () => {
    const seq = policy.ferry.bus.lastSeq;
    const reply = modernPost(
      `${policy.ferry.runtime.localUrl}/mcp/policy`,
      'tools/call',
      {
        name: 'write_note',
        arguments: { text: 'modern' },
        _meta: {
          ...modernMeta(),
          'io.modelcontextprotocol/clientInfo': { name: 'modern-client', version: '1' },
        },
      },
      { 'mcp-name': 'write_note' },
      'm1',
    ).then((res) => res.text());
    const approval = await nextApproval(seq);
    expect(approval.clientName).toBe('modern-client');
    // Past one keep-alive interval before answering, so the wait shows on the stream.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await policy.api('POST', `/approvals/${approval.id}/approve`);
    const body = await reply;
    expect(body).toContain(': keep-alive');
    expect(body).toContain('wrote modern');
  });

  it('refuses at once, with a tool error, the calls of a client over its pending bound', async () => {
    const seq = policy.ferry.bus.lastSeq;
    const waiting = Array.from({ length: TOOL_POLICY_LIMITS.pendingPerClient }, (_, i) =>
      policy.all.callTool({ name: 'policy__plain', arguments: { text: `w${i}` } }),
    );
    await nextApproval(seq);
    while (policy.ferry.core.admin.approvals().length < TOOL_POLICY_LIMITS.pendingPerClient) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const over = (await policy.all.callTool({
      name: 'policy__plain',
      arguments: { text: 'over' },
    })) as CallToolResult;
    expect(over.isError).toBe(true);
    expect(text(over)).toMatch(/too many calls are already waiting/);
    for (const approval of (await policy.api<PendingApproval[]>('GET', '/approvals')).body) {
      await policy.api('POST', `/approvals/${approval.id}/deny`);
    }
    const results = (await Promise.all(waiting)) as CallToolResult[];
    expect(results.every((r) => r.isError === true)).toBe(true);
  });

  it('remembers "always": the tool becomes allow in the config and runs without asking', async () => {
    const seq = policy.ferry.bus.lastSeq;
    const call = policy.all.callTool({ name: 'policy__write_note', arguments: { text: 'first' } });
    const approval = await nextApproval(seq);
    await policy.api('POST', `/approvals/${approval.id}/approve`, { remember: 'always' });
    expect(text(await call)).toBe('wrote first');
    const saved = JSON.parse(await readFile(policy.ferry.configPath, 'utf8')) as {
      ferry: { servers: { policy: { tools: Record<string, string> } } };
    };
    expect(saved.ferry.servers.policy.tools.write_note).toBe('allow');
    const before = policy.ferry.bus.lastSeq;
    expect(
      text(await policy.all.callTool({ name: 'policy__write_note', arguments: { text: 'again' } })),
    ).toBe('wrote again');
    expect(policy.ferry.bus.since(before).some((e) => e.type === 'approval.requested')).toBe(false);
  });
});
