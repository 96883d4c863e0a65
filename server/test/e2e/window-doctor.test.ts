import { beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, screenshot } from '../helpers/browser.js';
import { echoServer } from '../helpers/fixtures.js';
import { startServeProcess } from '../helpers/serveProcess.js';
import { checksPass, doctorCheck, useServeWindow } from '../helpers/window.js';
import { occurrences } from '../helpers/windowLayout.js';

/**
 * The doctor's checks after sign-in, run from the window with a token Ferry makes for itself: no CLI
 * advice, no token to paste, and nothing left behind (no client, no working token).
 */
describe.skipIf(!haveChromium)('the doctor runs its token checks from the window', () => {
  const win = useServeWindow(() =>
    // A keep-alive every second, so the streaming check hears one at once rather than after 15 s.
    startServeProcess({ mcpServers: { echo: echoServer() }, ferry: { keepAliveSeconds: 1 } }, [
      '--tunnel',
      'off',
      '--secret-store',
      'file',
    ]),
  );

  beforeAll(async () => {
    await win.signIn();
    await win.open('Doctor');
  });

  it('passes initialize, tools/list and the 2026-07-28 checks with its own token, then leaves no client', async () => {
    const withToken = win.page.getByLabel('Also run the checks after sign-in');
    expect(await withToken.isChecked()).toBe(true);
    // No token to paste for Ferry's own URL.
    expect(await win.page.getByLabel('Access token (optional)').count()).toBe(0);
    await win.page.getByRole('button', { name: 'Run doctor' }).click();
    const result = win.page.getByRole('region', { name: 'Result' });
    await result.locator('.doctor-summary').waitFor({ timeout: 60_000 });
    const check = (id: string) => doctorCheck(result, id);
    await checksPass(result, [
      'initialize',
      'initialized-notification',
      'discover',
      'modern-wire',
      'tools-list',
      'sse-flush',
    ]);
    expect(await check('initialize').locator('.check-detail').textContent()).toMatch(/session/);
    // Skipped checks say what to do in the window, never with a command line.
    expect(await occurrences(win.page, 'ferry doctor')).toBe(0);
    expect(await check('tool-call').textContent()).toContain('"Tool to call"');
    await screenshot(win.page, 'doctor-token');

    // The run's token is gone: no client to list, and the Clients screen shows none.
    expect(await (await win.admin('/clients')).json()).toEqual([]);
    await win.open('Clients');
    expect(await occurrences(win.page, 'Ferry doctor')).toBe(0);
    expect(await occurrences(win.page, 'ferry-doctor')).toBe(0);
    expect(win.errors).toEqual([]);
  }, 90_000);

  it('refuses a token of its own for another URL at the checkbox, said once', async () => {
    await win.open('Doctor');
    await win.page.getByLabel('URL to check').fill('https://mcp.example.com/mcp');
    await win.page.getByRole('button', { name: 'Run doctor' }).click();
    const issue = win.page.locator('#doctor-with-token-issues');
    await issue.waitFor();
    const message = 'Ferry makes tokens only for its own connector URLs';
    expect(await issue.textContent()).toContain(message);
    expect(await occurrences(win.page, message)).toBe(1);
    await win.page.getByRole('alert').filter({ hasText: 'Correct the marked field' }).waitFor();
    expect(await win.page.getByLabel('Also run the checks after sign-in').getAttribute('aria-invalid')).toBe(
      'true',
    );
    // Unticked, the token field for that other URL appears.
    await win.page.getByLabel('Also run the checks after sign-in').uncheck();
    expect(await win.page.getByLabel('Access token (optional)').getAttribute('type')).toBe('password');
    await win.page.getByLabel('Also run the checks after sign-in').check();
    await win.page.getByLabel('URL to check').fill('');
    expect(win.errors).toEqual([]);
  });

  it('fits the doctor form and its result at 420 and 1280 px', async () => {
    await win.expectFitsWidths('doctor-narrow');
  });
});
