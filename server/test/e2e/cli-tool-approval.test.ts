import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { policyServer } from '../helpers/fixtures.js';
import { HOSTILE_NAME, RAW_CONTROL } from '../helpers/hostileText.js';
import { startServeProcess } from '../helpers/serveProcess.js';

/**
 * Headless `ferry serve` and policy "ask": the waiting call is printed like a consent (client, tool,
 * redacted arguments, the admin calls that decide it), with every client-chosen text escaped, and the
 * call completes once approved through the admin API.
 */
describe('ferry serve, a tool call waiting for approval', () => {
  it('prints the request escaped, with the admin calls, and runs the call once approved', async () => {
    const ferry = await startServeProcess({
      mcpServers: { policy: policyServer() },
      ferry: { toolPolicy: { default: 'annotations' } },
    });
    const client = new Client({ name: HOSTILE_NAME, version: '1' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${ferry.runtime.localUrl}/mcp`)));
      const call = client.callTool({
        name: 'policy__write_note',
        arguments: { text: 'hello\u001b[2J', password: 'hunter2-secret' },
      });
      const deadline = Date.now() + 15_000;
      while (!ferry.output().includes('/approve') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const output = ferry.output();
      expect(output).toContain('Tool call waiting for approval');
      expect(output).toContain('policy/write_note');
      expect(output).toContain('Claude\\x1b]52;c;');
      expect(output).not.toMatch(RAW_CONTROL);
      expect(output).not.toContain('hunter2-secret');
      const id = /\/api\/approvals\/([0-9a-f-]{36})\/approve/.exec(output)?.[1] as string;
      expect(output).toContain(`/api/approvals/${id}/deny`);
      const approved = await fetch(`${ferry.runtime.adminUrl}/api/approvals/${id}/approve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ferry.runtime.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ remember: 'once' }),
      });
      expect(approved.status).toBe(200);
      const result = (await call) as CallToolResult;
      expect((result.content[0] as { text: string }).text).toBe('wrote hello\u001b[2J');
    } finally {
      await client.close().catch(() => undefined);
      await ferry.stop();
    }
  }, 60_000);
});
