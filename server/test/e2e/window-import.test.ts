import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, screenshot } from '../helpers/browser.js';
import { echoServer } from '../helpers/fixtures.js';
import { startServeProcess } from '../helpers/serveProcess.js';
import { useServeWindow } from '../helpers/window.js';
import { occurrences } from '../helpers/windowLayout.js';
import { until } from './support.js';

const SECRET = 'sk-ferrytest0123456789abcdefXYZ';
const REPLACED = 'sk-ferrytestREPLACED9876543210abc';

/**
 * Claude Desktop's servers imported from the window: the user sees what will be added and where its secrets
 * go before anything is written; afterwards a stored secret is shown as stored, replaceable, never revealed,
 * and a rejected edit stores nothing.
 */
describe.skipIf(!haveChromium)('importing from Claude Desktop in the window', () => {
  let home: string;
  const echo = echoServer();
  const config = () => readFile(path.join(win.ferry.dataDir, 'config.json'), 'utf8');
  const secrets = () => readFile(path.join(win.ferry.dataDir, 'secrets.json'), 'utf8').catch(() => '');
  const win = useServeWindow(async () => {
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
    return startServeProcess(
      { mcpServers: { echo: echo } },
      // A file store: this machine may have no keychain, and secrets must never fall back to the config.
      ['--tunnel', 'off', '--secret-store', 'file'],
      { env: { XDG_CONFIG_HOME: home } },
    );
  });

  beforeAll(async () => {
    await win.signIn();
    await win.open('Servers');
  });

  afterAll(() => rm(home, { recursive: true, force: true }));

  it('shows what will be imported, writes nothing until confirmed, then imports with secrets in the store', async () => {
    const before = await config();
    await win.page.getByRole('button', { name: 'Import from Claude Desktop' }).click();
    const panel = win.page.getByRole('region', { name: 'Import from Claude Desktop' });
    const toAdd = panel.getByRole('list', { name: 'Servers to add' });
    await toAdd.waitFor();
    expect(await toAdd.getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/^notes runs .*node.* · NOTES_API_KEY to the secret store$/),
      expect.stringMatching(/^search runs /),
    ]);
    expect(await panel.getByRole('list', { name: 'Not imported' }).textContent()).toMatch(
      /remote: Remote server \(url https:\/\/mcp\.example\.com\)/,
    );
    expect(await occurrences(win.page, SECRET)).toBe(0);
    // The store is named once, in full, where the panel says where secrets go.
    expect(await occurrences(win.page, 'Ferry’s secrets file')).toBe(1);
    expect(await config()).toBe(before);
    await screenshot(win.page, 'servers-import-preview');
    await win.expectFitsWidths();

    await panel.getByRole('button', { name: 'Import 2 servers' }).click();
    await panel.waitFor({ state: 'detached' });
    await win.page.locator('#server-notes').getByText('ready', { exact: true }).waitFor({ timeout: 15_000 });
    const text = await config();
    expect(text).not.toContain(SECRET);
    const saved = JSON.parse(text) as { mcpServers: Record<string, { env?: Record<string, string> }> };
    expect(saved.mcpServers.notes?.env).toEqual({
      NOTES_API_KEY: '${secret:env/notes/NOTES_API_KEY}',
      MODE: 'plain',
    });
    expect(await secrets()).toContain(SECRET);
    expect(win.errors).toEqual([]);
  }, 60_000);

  it('shows a stored secret as stored, stores nothing for a refused edit, and replaces it unseen', async () => {
    const card = win.page.locator('#server-notes');
    await card.getByRole('button', { name: 'Edit' }).click();
    const field = win.page.getByLabel('NOTES_API_KEY', { exact: true });
    expect(await field.getAttribute('type')).toBe('password');
    expect(await field.inputValue()).toBe('');
    await win.page.getByText('Stored in Ferry’s secrets file').waitFor();
    expect(await occurrences(win.page, SECRET)).toBe(0);
    await win.expectFitsWidths('servers-edit-secret-narrow');

    // A new value with an empty command: refused as a whole, and the new value is stored nowhere.
    const beforeConfig = await config();
    const beforeSecrets = await secrets();
    await field.fill(REPLACED);
    await win.page.getByLabel('Command').fill('');
    await win.page.getByRole('button', { name: 'Save changes' }).click();
    await win.page.locator('#edit-notes-command-issues').waitFor();
    expect(await config()).toBe(beforeConfig);
    expect(await secrets()).toBe(beforeSecrets);
    expect(await secrets()).not.toContain(REPLACED);

    await win.page.getByLabel('Command').fill(echo.command);
    await win.page.getByRole('button', { name: 'Save changes' }).click();
    await until('the new secret to be stored', async () => (await secrets()).includes(REPLACED));
    expect(await secrets()).not.toContain(SECRET);
    expect(await config()).not.toContain(REPLACED);
    expect(win.errors).toEqual([]);
  }, 60_000);

  it('says plainly when there is no Claude Desktop config', async () => {
    await rm(path.join(home, 'Claude', 'claude_desktop_config.json'));
    await win.page.getByRole('button', { name: 'Import from Claude Desktop' }).click();
    const message = 'Claude Desktop config not found at';
    await win.page.getByRole('alert').filter({ hasText: message }).waitFor();
    expect(await occurrences(win.page, message)).toBe(1);
    expect(await occurrences(win.page, 'explicitly')).toBe(0);
    await win.page.getByRole('button', { name: 'Close' }).click();
    expect(win.errors).toEqual([]);
  });
});
