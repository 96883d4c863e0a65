import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, screenshot } from '../helpers/browser.js';
import { echoServer, node } from '../helpers/fixtures.js';
import { startServeProcess } from '../helpers/serveProcess.js';
import { FAKE_CLOUDFLARED } from '../helpers/tunnel.js';
import { useServeWindow } from '../helpers/window.js';
import { occurrences } from '../helpers/windowLayout.js';
import { PER_SERVER_PATH_RISK } from '../../src/util/connectorUrls.js';

/** A word said twice in a row of one message: "failed: failed to start", "failed (failed to request …". */
const STUTTER = /\b(failed|error)\b[^.\n]{0,4}\b\1\b/i;

/**
 * Every failure the window can be in at once (a program that does not exist, one that exits, a tunnel that
 * cannot start, a config file broken by hand), each screen driven into it, and every message said exactly
 * once there, in the user's words.
 */
describe.skipIf(!haveChromium)('errors are said once, in the user’s words', () => {
  const shown = (): Promise<string> => win.page.evaluate('document.body.innerText');

  const win = useServeWindow(() =>
    startServeProcess(
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
    ),
  );

  beforeAll(async () => {
    await win.signIn();
    await win.page.getByTestId('headline').waitFor();
  });

  it('Status: a failed tunnel and two crashed servers, each said once', async () => {
    await win.page.getByTestId('headline').getByRole('button', { name: 'Start quick tunnel' }).click();
    const tunnel = win.page.getByRole('region', { name: 'Tunnel' });
    await tunnel.getByText('failed', { exact: true }).waitFor({ timeout: 20_000 });
    const attention = win.page.getByRole('region', { name: 'Needs attention' });
    await attention.getByText(/Server "flaky" crashed/).waitFor({ timeout: 15_000 });
    await attention.getByText(/Server "ghost" crashed/).waitFor();
    expect(await win.page.getByTestId('headline').textContent()).toContain('the tunnel is down');
    expect(await occurrences(win.page, 'failed to request quick Tunnel')).toBe(1);
    expect(await occurrences(win.page, 'no such program')).toBe(1);
    expect(await occurrences(win.page, 'exited with code 3')).toBe(1);
    expect(await shown()).not.toMatch(STUTTER);
    expect(await shown()).not.toContain('1 times');
    await win.expectFitsWidths('status-failures-narrow');
    expect(win.errors).toEqual([]);
  }, 60_000);

  it('Servers: each crash reason and the /mcp/<server> risk once; a taken name said at its field only', async () => {
    await win.open('Servers');
    await win.page.locator('#server-ghost').getByText('crashed', { exact: true }).waitFor();
    expect(await occurrences(win.page, 'no such program')).toBe(1);
    expect(await occurrences(win.page, 'exited with code 3')).toBe(1);
    expect(await occurrences(win.page, PER_SERVER_PATH_RISK)).toBe(1);
    expect(await shown()).not.toMatch(STUTTER);

    await win.page.getByRole('button', { name: 'Add server' }).click();
    await win.page.getByLabel('Name').fill('echo');
    await win.page.getByLabel('Command').fill(node);
    await win.page.getByRole('button', { name: 'Add server' }).last().click();
    const nameIssues = win.page.locator('#add-name-issues');
    await nameIssues.waitFor();
    expect(await nameIssues.textContent()).toBe(
      'a server named "echo" already exists Fix: choose another name, or edit the existing server',
    );
    expect(await occurrences(win.page, 'already exists')).toBe(1);
    expect(await occurrences(win.page, 'choose another name')).toBe(1);
    // The file's path is on the Servers screen once (its header), not in the message.
    expect(await occurrences(win.page, path.join(win.ferry.dataDir, 'config.json'))).toBe(1);
    await win.page.getByRole('button', { name: 'Cancel' }).click();
    expect(win.errors).toEqual([]);
  });

  it('Servers: a config file broken by hand is named once, at its line, without saying the place twice', async () => {
    const configPath = path.join(win.ferry.dataDir, 'config.json');
    const good = await readFile(configPath, 'utf8');
    await writeFile(configPath, '{ "mcpServers": { "echo": ');
    try {
      await win.page.locator('#server-echo').getByRole('button', { name: 'Edit' }).click();
      await win.page.getByRole('button', { name: 'Save changes' }).click();
      const alert = win.page.getByRole('alert').filter({ hasText: 'Nothing was saved' });
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/config\.json:1:27: not valid JSON: the file ends/);
      expect(await occurrences(win.page, 'not valid JSON')).toBe(1);
      expect(await shown()).not.toContain('(line 1, column 27)');
      await screenshot(win.page, 'servers-config-broken');
      await win.page.getByRole('button', { name: 'Cancel' }).click();
    } finally {
      await writeFile(configPath, good);
    }
    expect(win.errors).toEqual([]);
  });

  it('Logs: a program that cannot start is one crash line, not a protocol error too; no "failed … failed"', async () => {
    await win.open('Logs');
    await win.page.locator('.log-line').filter({ hasText: 'server "ghost" crashed' }).first().waitFor();
    await win.page
      .locator('.log-line')
      .filter({ hasText: 'tunnel down (quick): failed to request' })
      .first()
      .waitFor();
    const text = await shown();
    expect(text).not.toContain('protocol error from the child (stdout must carry only JSON-RPC): spawn');
    expect(text).not.toMatch(STUTTER);
    expect(win.errors).toEqual([]);
  });
});
