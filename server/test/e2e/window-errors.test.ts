import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  haveChromium,
  isolatedContext,
  launchChromium,
  screenshot,
  watchErrors,
} from '../helpers/browser.js';
import { echoServer, node } from '../helpers/fixtures.js';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.js';
import { FAKE_CLOUDFLARED } from '../helpers/tunnel.js';
import { CHECK_WIDTHS, layoutProblems, occurrences } from '../helpers/windowLayout.js';
import { PER_SERVER_PATH_RISK } from '../../src/util/connectorUrls.js';

/** A word said twice in a row of one message: "failed: failed to start", "failed (failed to request …". */
const STUTTER = /\b(failed|error)\b[^.\n]{0,4}\b\1\b/i;

/**
 * Every failure the window can be in at once (a program that does not exist, one that exits, a tunnel that
 * cannot start, a config file broken by hand), each screen driven into it, and every message said exactly
 * once there, in the user's words.
 */
describe.skipIf(!haveChromium)('errors are said once, in the user’s words', () => {
  let ferry: ServeProcess;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const shown = (): Promise<string> => page.evaluate('document.body.innerText');
  const open = async (screen: string) => {
    await page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('link', { name: new RegExp(`^${screen}`) })
      .click();
    await page.getByRole('heading', { level: 1, name: screen }).waitFor();
  };

  beforeAll(async () => {
    ferry = await startServeProcess(
      {
        mcpServers: {
          echo: echoServer(),
          ghost: { command: '/nonexistent/ferry-ghost-program' },
          flaky: {
            command: node,
            args: ['-e', "console.error('flaky cannot find its database'); process.exit(3)"],
          },
        },
        // maxExits 1: one exit and it is crashed for good, so the screens settle.
        ferry: { restart: { maxExits: 1 }, tunnel: { binary: FAKE_CLOUDFLARED } },
      },
      ['--tunnel', 'off', '--secret-store', 'file'],
      // A quick tunnel that never gets its hostname, as without network.
      { env: { FAKE_CLOUDFLARED_FAIL_ALWAYS: '1', FAKE_CLOUDFLARED_SPEED: '20' } },
    );
    browser = await launchChromium();
    page = await (await isolatedContext(browser)).newPage();
    errors = watchErrors(page);
    await page.goto(`${ferry.runtime.adminUrl}/#token=${ferry.runtime.adminToken}`);
    await page.getByTestId('headline').waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await ferry?.stop();
  });

  it('Status: a failed tunnel and two crashed servers, each said once', async () => {
    await page.getByTestId('headline').getByRole('button', { name: 'Start quick tunnel' }).click();
    const tunnel = page.getByRole('region', { name: 'Tunnel' });
    await tunnel.getByText('failed', { exact: true }).waitFor({ timeout: 20_000 });
    const attention = page.getByRole('region', { name: 'Needs attention' });
    await attention.getByText(/Server "flaky" crashed/).waitFor({ timeout: 15_000 });
    await attention.getByText(/Server "ghost" crashed/).waitFor();
    expect(await page.getByTestId('headline').textContent()).toContain('the tunnel is down');
    expect(await occurrences(page, 'failed to request quick Tunnel')).toBe(1);
    expect(await occurrences(page, 'no such program')).toBe(1);
    expect(await occurrences(page, 'exited with code 3')).toBe(1);
    expect(await shown()).not.toMatch(STUTTER);
    expect(await shown()).not.toContain('1 times');
    for (const width of CHECK_WIDTHS) {
      await page.setViewportSize({ width, height: 860 });
      expect({ width, ...(await layoutProblems(page)) }).toEqual({ width, cut: [], overflow: false });
      if (width === 420) await screenshot(page, 'status-failures-narrow');
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(errors).toEqual([]);
  }, 60_000);

  it('Servers: each crash reason and the /mcp/<server> risk once; a taken name said at its field only', async () => {
    await open('Servers');
    await page.locator('#server-ghost').getByText('crashed', { exact: true }).waitFor();
    expect(await occurrences(page, 'no such program')).toBe(1);
    expect(await occurrences(page, 'exited with code 3')).toBe(1);
    expect(await occurrences(page, PER_SERVER_PATH_RISK)).toBe(1);
    expect(await shown()).not.toMatch(STUTTER);

    await page.getByRole('button', { name: 'Add server' }).click();
    await page.getByLabel('Name').fill('echo');
    await page.getByLabel('Command').fill(node);
    await page.getByRole('button', { name: 'Add server' }).last().click();
    const nameIssues = page.locator('#add-name-issues');
    await nameIssues.waitFor();
    expect(await nameIssues.textContent()).toBe(
      'a server named "echo" already exists Fix: choose another name, or edit the existing server',
    );
    expect(await occurrences(page, 'already exists')).toBe(1);
    expect(await occurrences(page, 'choose another name')).toBe(1);
    // The file's path is on the Servers screen once (its header), not in the message.
    expect(await occurrences(page, path.join(ferry.dataDir, 'config.json'))).toBe(1);
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(errors).toEqual([]);
  });

  it('Servers: a config file broken by hand is named once, at its line, without saying the place twice', async () => {
    const configPath = path.join(ferry.dataDir, 'config.json');
    const good = await readFile(configPath, 'utf8');
    await writeFile(configPath, '{ "mcpServers": { "echo": ');
    try {
      await page.locator('#server-echo').getByRole('button', { name: 'Edit' }).click();
      await page.getByRole('button', { name: 'Save changes' }).click();
      const alert = page.getByRole('alert').filter({ hasText: 'Nothing was saved' });
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/config\.json:1:27: not valid JSON: the file ends/);
      expect(await occurrences(page, 'not valid JSON')).toBe(1);
      expect(await shown()).not.toContain('(line 1, column 27)');
      await screenshot(page, 'servers-config-broken');
      await page.getByRole('button', { name: 'Cancel' }).click();
    } finally {
      await writeFile(configPath, good);
    }
    expect(errors).toEqual([]);
  });

  it('Logs: a program that cannot start is one crash line, not a protocol error too; no "failed … failed"', async () => {
    await open('Logs');
    await page.locator('.log-line').filter({ hasText: 'server "ghost" crashed' }).first().waitFor();
    await page
      .locator('.log-line')
      .filter({ hasText: 'tunnel down (quick): failed to request' })
      .first()
      .waitFor();
    const text = await shown();
    expect(text).not.toContain('protocol error from the child (stdout must carry only JSON-RPC): spawn');
    expect(text).not.toMatch(STUTTER);
    expect(errors).toEqual([]);
  });
});
