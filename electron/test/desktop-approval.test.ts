import { readFile } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { policyServer } from '../../server/test/helpers/fixtures.js';
import type { FakeNotification } from './fakeElectron.js';
import { eventually, launch, shownNotification, useTestDirs, type Launched } from './helpers/desktop.js';

/** The approval path is the same with OAuth on; off, a test client can call tools without a token dance. */
const NO_AUTH = { auth: false };

const dirs = useTestDirs({
  mcpServers: { policy: policyServer() },
  ferry: { toolPolicy: { default: 'annotations' } },
});

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

/**
 * The desktop on `platform` with one tool call waiting for approval: `check` gets the call and the
 * notification it raised; the call's client and the desktop are closed whatever `check` does.
 */
async function withWaitingCall(
  platform: NodeJS.Platform,
  check: (
    launched: Launched & {
      call: Awaited<ReturnType<typeof askCall>>;
      notification: FakeNotification;
    },
  ) => Promise<void>,
): Promise<void> {
  const launched = await launch(dirs, { platform, argv: ['--hidden'], core: NO_AUTH });
  const call = await askCall(launched.desktop.core.admin.status().localUrl);
  try {
    await check({ ...launched, call, notification: await shownNotification(launched.fake) });
  } finally {
    await call.close();
    await launched.quit();
  }
}

const text = (result: CallToolResult) => (result.content[0] as { text: string }).text;

describe('tool-call approval from notifications', () => {
  it('on macOS notifies with the buttons and lets the call run once "Allow once" is pressed', async () => {
    await withWaitingCall('darwin', async ({ desktop, call, notification }) => {
      const outcomes: string[] = [];
      desktop.core.events.on('approval.resolved', (event) => void outcomes.push(event.outcome));
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
    });
  });

  it('"Always allow" runs the call and saves the policy allow for the tool', async () => {
    await withWaitingCall('darwin', async ({ desktop, call, notification }) => {
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
    });
  });

  it('"Deny" fails the call with a tool error', async () => {
    await withWaitingCall('darwin', async ({ call, notification }) => {
      notification.press(2);
      const result = await call.result;
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/denied/);
      expect(notification.closed).toBe(true);
    });
  });

  it('on Linux a click opens the Approvals screen, and an answer given elsewhere closes the notification', async () => {
    await withWaitingCall('linux', async ({ fake, desktop, call, notification }) => {
      expect(notification.options.actions).toBeUndefined();
      notification.click();
      expect(fake.window?.loadedUrl).toBe('ferry://app/index.html#/approvals');
      const [pending] = desktop.core.admin.approvals();
      await desktop.core.admin.approveToolCall(pending?.id as string, 'once');
      expect(text(await call.result)).toBe('wrote hi');
      await eventually(() => notification.closed, 'the notification to close');
    });
  });
});
