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

/**
 * The doctor's checks after sign-in, run from the window with a token Ferry makes for itself: no CLI
 * advice, no token to paste, and nothing left behind (no client, no working token).
 */
describe.skipIf(!haveChromium)('the doctor runs its token checks from the window', () => {
  let ferry: ServeProcess;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const admin = (route: string) =>
    fetch(`${ferry.runtime.adminUrl}/api${route}`, {
      headers: { authorization: `Bearer ${ferry.runtime.adminToken}` },
    });

  beforeAll(async () => {
    // A keep-alive every second, so the streaming check hears one at once rather than after 15 s.
    ferry = await startServeProcess({ mcpServers: { echo: echoServer() }, ferry: { keepAliveSeconds: 1 } }, [
      '--tunnel',
      'off',
      '--secret-store',
      'file',
    ]);
    browser = await launchChromium();
    page = await (await isolatedContext(browser)).newPage();
    errors = watchErrors(page);
    await page.goto(`${ferry.runtime.adminUrl}/#token=${ferry.runtime.adminToken}`);
    await page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('link', { name: /^Doctor/ })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Doctor' }).waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await ferry?.stop();
  });

  it('passes initialize, tools/list and the 2026-07-28 checks with its own token, then leaves no client', async () => {
    const withToken = page.getByLabel('Also run the checks after sign-in');
    expect(await withToken.isChecked()).toBe(true);
    // No token to paste for Ferry's own URL.
    expect(await page.getByLabel('Access token (optional)').count()).toBe(0);
    await page.getByRole('button', { name: 'Run doctor' }).click();
    const result = page.getByRole('region', { name: 'Result' });
    await result.locator('.doctor-summary').waitFor({ timeout: 60_000 });
    const check = (id: string) => result.locator(`li[data-check="${id}"]`);
    for (const id of [
      'initialize',
      'initialized-notification',
      'discover',
      'modern-wire',
      'tools-list',
      'sse-flush',
    ])
      await check(id).getByText('pass', { exact: true }).waitFor();
    expect(await check('initialize').locator('.check-detail').textContent()).toMatch(/session/);
    // Skipped checks say what to do in the window, never with a command line.
    expect(await occurrences(page, 'ferry doctor')).toBe(0);
    expect(await check('tool-call').textContent()).toContain('"Tool to call"');
    await screenshot(page, 'doctor-token');

    // The run's token is gone: no client to list, and the Clients screen shows none.
    expect(await (await admin('/clients')).json()).toEqual([]);
    await page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('link', { name: /^Clients/ })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Clients' }).waitFor();
    expect(await occurrences(page, 'Ferry doctor')).toBe(0);
    expect(await occurrences(page, 'ferry-doctor')).toBe(0);
    expect(errors).toEqual([]);
  }, 90_000);

  it('refuses a token of its own for another URL at the checkbox, said once', async () => {
    await page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('link', { name: /^Doctor/ })
      .click();
    await page.getByLabel('URL to check').fill('https://mcp.example.com/mcp');
    await page.getByRole('button', { name: 'Run doctor' }).click();
    const issue = page.locator('#doctor-with-token-issues');
    await issue.waitFor();
    const message = 'Ferry makes tokens only for its own connector URLs';
    expect(await issue.textContent()).toContain(message);
    expect(await occurrences(page, message)).toBe(1);
    await page.getByRole('alert').filter({ hasText: 'Correct the marked field' }).waitFor();
    expect(await page.getByLabel('Also run the checks after sign-in').getAttribute('aria-invalid')).toBe(
      'true',
    );
    // Unticked, the token field for that other URL appears.
    await page.getByLabel('Also run the checks after sign-in').uncheck();
    expect(await page.getByLabel('Access token (optional)').getAttribute('type')).toBe('password');
    await page.getByLabel('Also run the checks after sign-in').check();
    await page.getByLabel('URL to check').fill('');
    expect(errors).toEqual([]);
  });

  it('fits the doctor form and its result at 420 and 1280 px', async () => {
    try {
      for (const width of CHECK_WIDTHS) {
        await page.setViewportSize({ width, height: 860 });
        expect({ width, ...(await layoutProblems(page)) }).toEqual({ width, cut: [], overflow: false });
        if (width === 420) await screenshot(page, 'doctor-narrow');
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });
});
