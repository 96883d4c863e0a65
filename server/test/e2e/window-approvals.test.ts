import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  haveChromium,
  isolatedContext,
  launchChromium,
  screenshot,
  watchErrors,
} from '../helpers/browser.js';
import { policyServer } from '../helpers/fixtures.js';
import { HOSTILE_NAME, HOSTILE_NAME_SHOWN, RAW_CONTROL } from '../helpers/hostileText.js';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.js';
import { REQ } from './support.js';

const text = (result: CallToolResult) => (result.content[0] as { text: string }).text;

/**
 * The Approvals screen against a real `ferry serve` (no OAuth, so a test client can call tools directly):
 * a real call of a tool whose policy is "ask" appears live, with its client escaped and its secrets
 * redacted; "Allow once" lets it complete and "Deny" fails it, and the screen empties itself.
 */
describe.skipIf(!haveChromium)('the window, tool calls waiting for approval', () => {
  let ferry: ServeProcess;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let client: Client;

  beforeAll(async () => {
    ferry = await startServeProcess({
      mcpServers: { policy: policyServer() },
      ferry: { toolPolicy: { default: 'annotations' } },
    });
    browser = await launchChromium();
    page = await (await isolatedContext(browser)).newPage();
    errors = watchErrors(page);
    client = new Client({ name: HOSTILE_NAME, version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${ferry.runtime.localUrl}/mcp`)), REQ);
  }, 60_000);

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await browser?.close();
    await ferry?.stop();
  });

  it('shows nothing waiting, then a real ask call live; "Allow once" lets the call complete', async () => {
    await page.goto(`${ferry.runtime.adminUrl}/#token=${ferry.runtime.adminToken}`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('link', { name: /^Approvals/ })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor();
    await page.getByText('No tool call is waiting.').waitFor();

    // Longer than REQ: the call waits for the click below by design.
    const call = client.callTool(
      { name: 'policy__write_note', arguments: { text: 'hello', password: 'hunter2-secret' } },
      undefined,
      { timeout: 60_000 },
    ) as Promise<CallToolResult>;
    const card = page.getByRole('article').filter({ hasText: 'wants to run' });
    await card.waitFor();
    const heading = (await card.getByRole('heading').textContent()) ?? '';
    expect(heading).toContain('policy › write_note');
    expect(heading).toContain(`${HOSTILE_NAME_SHOWN.slice(0, 31)}…`);
    expect(heading).not.toMatch(RAW_CONTROL);
    const shown = (await card.textContent()) ?? '';
    expect(shown).toContain('"hello"');
    expect(shown).not.toContain('hunter2-secret');
    await screenshot(page, 'approvals');

    await card.getByRole('button', { name: 'Allow once' }).click();
    expect(text(await call)).toBe('wrote hello');
    await page.getByText('No tool call is waiting.').waitFor();
    expect(errors).toEqual([]);
  });

  it('"Deny" fails the waiting call with a tool error', async () => {
    const call = client.callTool({ name: 'policy__plain', arguments: { text: 'no' } }, undefined, {
      timeout: 60_000,
    }) as Promise<CallToolResult>;
    const card = page.getByRole('article').filter({ hasText: 'policy › plain' });
    await card.getByRole('button', { name: 'Deny' }).click();
    const result = await call;
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/denied/);
    await page.getByText('No tool call is waiting.').waitFor();
    expect(errors).toEqual([]);
  });
});
