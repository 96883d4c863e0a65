import { readFile } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policyServer } from '../../server/test/helpers/fixtures.js';
import { eventually, launch, removeDirs, testDirs, writeConfig, type TestDirs } from './helpers/desktop.js';

let dirs: TestDirs;

/** The approval path is the same with OAuth on; off, a test client can call tools without a token dance. */
const NO_AUTH = { auth: false };

beforeEach(async () => {
  dirs = await testDirs();
  await writeConfig(dirs, {
    mcpServers: { policy: policyServer() },
    ferry: { toolPolicy: { default: 'annotations' } },
  });
});
afterEach(() => removeDirs(dirs));

/** A real MCP client on the core's local listener, calling a destructive tool (policy "ask"). */
async function askCall(
  localUrl: string,
): Promise<{ result: Promise<CallToolResult>; close: () => Promise<void> }> {
  const client = new Client({ name: 'desktop-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${localUrl}/mcp`)));
  const result = client.callTool({
    name: 'policy__write_note',
    arguments: { text: 'hi' },
  }) as Promise<CallToolResult>;
  return { result, close: () => client.close().catch(() => undefined) };
}

const text = (result: CallToolResult) => (result.content[0] as { text: string }).text;

describe('tool-call approval from notifications', () => {
  it('on macOS notifies with the buttons and lets the call run once "Allow once" is pressed', async () => {
    const { fake, desktop, quit } = await launch(dirs, {
      platform: 'darwin',
      argv: ['--hidden'],
      core: NO_AUTH,
    });
    const outcomes: string[] = [];
    desktop.core.events.on('approval.resolved', (event) => void outcomes.push(event.outcome));
    const call = await askCall(desktop.core.admin.status().localUrl);
    try {
      const notification = await eventually(() => fake.notifications.find((n) => n.shown), 'a notification');
      expect(notification.options.title).toBe('desktop-test wants to run policy › write_note');
      expect(notification.options.body).toContain('"hi"');
      expect(notification.options.actions?.map((action) => action.text)).toEqual([
        'Allow once',
        'Always allow',
        'Deny',
      ]);
      notification.press(0);
      expect(text(await call.result)).toBe('wrote hi');
      expect(outcomes).toEqual(['approved']);
      expect(notification.closed).toBe(true);
      // "Once" saves nothing.
      expect(await readFile(dirs.configPath, 'utf8')).not.toContain('"allow"');
    } finally {
      await call.close();
      await quit();
    }
  });

  it('"Always allow" runs the call and saves the policy allow for the tool', async () => {
    const { fake, desktop, quit } = await launch(dirs, {
      platform: 'darwin',
      argv: ['--hidden'],
      core: NO_AUTH,
    });
    const call = await askCall(desktop.core.admin.status().localUrl);
    try {
      const notification = await eventually(() => fake.notifications.find((n) => n.shown), 'a notification');
      notification.press(1);
      expect(text(await call.result)).toBe('wrote hi');
      // The call is let go first; the policy is saved right after.
      const tool = await eventually(
        () => desktop.core.admin.tools().find((t) => t.name === 'write_note' && t.policySource === 'tool'),
        'the policy to be saved',
      );
      expect(tool.policy).toBe('allow');
      const saved = JSON.parse(await readFile(dirs.configPath, 'utf8')) as {
        ferry: { servers?: { policy?: { tools?: Record<string, string> } } };
      };
      expect(saved.ferry.servers?.policy?.tools).toEqual({ write_note: 'allow' });
    } finally {
      await call.close();
      await quit();
    }
  });

  it('"Deny" fails the call with a tool error', async () => {
    const { fake, desktop, quit } = await launch(dirs, {
      platform: 'darwin',
      argv: ['--hidden'],
      core: NO_AUTH,
    });
    const call = await askCall(desktop.core.admin.status().localUrl);
    try {
      const notification = await eventually(() => fake.notifications.find((n) => n.shown), 'a notification');
      notification.press(2);
      const result = await call.result;
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/denied/);
      expect(notification.closed).toBe(true);
    } finally {
      await call.close();
      await quit();
    }
  });

  it('on Linux a click opens the Approvals screen, and an answer given elsewhere closes the notification', async () => {
    const { fake, desktop, quit } = await launch(dirs, {
      platform: 'linux',
      argv: ['--hidden'],
      core: NO_AUTH,
    });
    const call = await askCall(desktop.core.admin.status().localUrl);
    try {
      const notification = await eventually(() => fake.notifications.find((n) => n.shown), 'a notification');
      expect(notification.options.actions).toBeUndefined();
      notification.click();
      expect(fake.window?.loadedUrl).toBe('ferry://app/index.html#/approvals');
      const [pending] = desktop.core.admin.approvals();
      await desktop.core.admin.approveToolCall(pending?.id as string, 'once');
      expect(text(await call.result)).toBe('wrote hi');
      await eventually(() => notification.closed, 'the notification to close');
    } finally {
      await call.close();
      await quit();
    }
  });
});
