import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
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
import { echoServer } from '../helpers/fixtures.js';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.js';
import { CHECK_WIDTHS, layoutProblems, occurrences } from '../helpers/windowLayout.js';
import { until } from './support.js';

const SECRET = 'sk-ferrytest0123456789abcdefXYZ';
const REPLACED = 'sk-ferrytestREPLACED9876543210abc';

/**
 * Claude Desktop's servers imported from the window: the user sees what will be added and where its secrets
 * go before anything is written; afterwards a stored secret is shown as stored, replaceable, never revealed,
 * and a rejected edit stores nothing.
 */
describe.skipIf(!haveChromium)('importing from Claude Desktop in the window', () => {
  let ferry: ServeProcess;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let home: string;
  const echo = echoServer();
  const config = () => readFile(path.join(ferry.dataDir, 'config.json'), 'utf8');
  const secrets = () => readFile(path.join(ferry.dataDir, 'secrets.json'), 'utf8').catch(() => '');

  beforeAll(async () => {
    // Claude Desktop's config where it lives on Linux, under a config home of this test's own.
    home = await mkdtemp(path.join(os.tmpdir(), 'ferry-desktop-'));
    await mkdir(path.join(home, 'Claude'));
    await writeFile(
      path.join(home, 'Claude', 'claude_desktop_config.json'),
      JSON.stringify({
        mcpServers: {
          notes: { command: echo.command, args: echo.args, env: { NOTES_API_KEY: SECRET, MODE: 'plain' } },
          search: { command: echo.command, args: echo.args },
          remote: { url: 'https://mcp.example.com/sse' },
        },
      }),
    );
    ferry = await startServeProcess(
      { mcpServers: { echo: echo } },
      // A file store: this machine may have no keychain, and secrets must never fall back to the config.
      ['--tunnel', 'off', '--secret-store', 'file'],
      { env: { XDG_CONFIG_HOME: home } },
    );
    browser = await launchChromium();
    page = await (await isolatedContext(browser)).newPage();
    errors = watchErrors(page);
    await page.goto(`${ferry.runtime.adminUrl}/#token=${ferry.runtime.adminToken}`);
    await page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('link', { name: /^Servers/ })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Servers' }).waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await ferry?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('shows what will be imported, writes nothing until confirmed, then imports with secrets in the store', async () => {
    const before = await config();
    await page.getByRole('button', { name: 'Import from Claude Desktop' }).click();
    const panel = page.getByRole('region', { name: 'Import from Claude Desktop' });
    const toAdd = panel.getByRole('list', { name: 'Servers to add' });
    await toAdd.waitFor();
    expect(await toAdd.getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/^notes runs .*node.* · NOTES_API_KEY to the secret store$/),
      expect.stringMatching(/^search runs /),
    ]);
    expect(await panel.getByRole('list', { name: 'Not imported' }).textContent()).toMatch(
      /remote: Remote server \(url https:\/\/mcp\.example\.com\)/,
    );
    expect(await occurrences(page, SECRET)).toBe(0);
    // The store is named once, in full, where the panel says where secrets go.
    expect(await occurrences(page, 'Ferry’s secrets file')).toBe(1);
    expect(await config()).toBe(before);
    await screenshot(page, 'servers-import-preview');
    for (const width of CHECK_WIDTHS) {
      await page.setViewportSize({ width, height: 860 });
      expect({ width, ...(await layoutProblems(page)) }).toEqual({ width, cut: [], overflow: false });
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    await panel.getByRole('button', { name: 'Import 2 servers' }).click();
    await panel.waitFor({ state: 'detached' });
    await page.locator('#server-notes').getByText('ready', { exact: true }).waitFor({ timeout: 15_000 });
    const text = await config();
    expect(text).not.toContain(SECRET);
    const saved = JSON.parse(text) as { mcpServers: Record<string, { env?: Record<string, string> }> };
    expect(saved.mcpServers.notes?.env).toEqual({
      NOTES_API_KEY: '${secret:env/notes/NOTES_API_KEY}',
      MODE: 'plain',
    });
    expect(await secrets()).toContain(SECRET);
    expect(errors).toEqual([]);
  }, 60_000);

  it('shows a stored secret as stored, stores nothing for a refused edit, and replaces it unseen', async () => {
    const card = page.locator('#server-notes');
    await card.getByRole('button', { name: 'Edit' }).click();
    const field = page.getByLabel('NOTES_API_KEY', { exact: true });
    expect(await field.getAttribute('type')).toBe('password');
    expect(await field.inputValue()).toBe('');
    await page.getByText('Stored in Ferry’s secrets file').waitFor();
    expect(await occurrences(page, SECRET)).toBe(0);
    for (const width of CHECK_WIDTHS) {
      await page.setViewportSize({ width, height: 860 });
      expect({ width, ...(await layoutProblems(page)) }).toEqual({ width, cut: [], overflow: false });
      if (width === 420) await screenshot(page, 'servers-edit-secret-narrow');
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    // A new value with an empty command: refused as a whole, and the new value is stored nowhere.
    const beforeConfig = await config();
    const beforeSecrets = await secrets();
    await field.fill(REPLACED);
    await page.getByLabel('Command').fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#edit-notes-command-issues').waitFor();
    expect(await config()).toBe(beforeConfig);
    expect(await secrets()).toBe(beforeSecrets);
    expect(await secrets()).not.toContain(REPLACED);

    await page.getByLabel('Command').fill(echo.command);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await until('the new secret to be stored', async () => (await secrets()).includes(REPLACED));
    expect(await secrets()).not.toContain(SECRET);
    expect(await config()).not.toContain(REPLACED);
    expect(errors).toEqual([]);
  }, 60_000);

  it('says plainly when there is no Claude Desktop config', async () => {
    await rm(path.join(home, 'Claude', 'claude_desktop_config.json'));
    await page.getByRole('button', { name: 'Import from Claude Desktop' }).click();
    const message = 'Claude Desktop config not found at';
    await page.getByRole('alert').filter({ hasText: message }).waitFor();
    expect(await occurrences(page, message)).toBe(1);
    expect(await occurrences(page, 'explicitly')).toBe(0);
    await page.getByRole('button', { name: 'Close' }).click();
    expect(errors).toEqual([]);
  });
});
