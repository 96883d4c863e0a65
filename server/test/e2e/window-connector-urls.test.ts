import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PER_SERVER_PATH_RISK, RECOMMENDED_NOTE } from '../../src/util/connectorUrls.js';
import { haveChromium, isolatedContext, launchChromium, watchErrors } from '../helpers/browser.js';
import { echoServer } from '../helpers/fixtures.js';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.js';
import { until } from './support.js';

const PUBLIC = 'https://ferry-window.example.test';

/**
 * Where Ferry shows a connector URL it recommends `/mcp` (claude-ai-mcp#878: other paths have failed right
 * after the token exchange), offers a server's own hostname when it has one, and marks `/mcp/<server>` as
 * not for Claude: the `ferry serve` banner and the window's Status and Servers screens.
 */
describe('connector URLs on the CLI banner and in the window', () => {
  let ferry: ServeProcess;

  beforeAll(async () => {
    ferry = await startServeProcess(
      {
        mcpServers: { echo: echoServer(), notes: echoServer() },
        ferry: { tunnel: { serverHostnames: { echo: 'echo.example.test' } } },
      },
      ['--tunnel', 'off', '--public-url', PUBLIC],
    );
    await until('the banner', () => Promise.resolve(ferry.output().includes('Press Ctrl+C to stop.')));
  }, 60_000);
  afterAll(() => ferry?.stop());

  it('prints /mcp as recommended, the server’s own hostname, and why /mcp/<name> is not for Claude', () => {
    const lines = ferry.output().split('\n');
    expect(lines).toContain(`  MCP endpoint (all servers)  ${PUBLIC}/mcp  recommended for Claude`);
    expect(lines).toContain(
      `  echo alone                  https://echo.example.test/mcp  own hostname, path /mcp`,
    );
    expect(lines).toContain(`  One server                  ${PUBLIC}/mcp/<name>`);
    expect(lines).toContain(`    ${PER_SERVER_PATH_RISK}`);
  });

  describe.skipIf(!haveChromium)('in the window', () => {
    let browser: Browser;
    let page: Page;
    let errors: string[];

    beforeAll(async () => {
      browser = await launchChromium();
      const context = await isolatedContext(browser);
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
        origin: ferry.runtime.adminUrl,
      });
      page = await context.newPage();
      errors = watchErrors(page);
      await page.goto(`${ferry.runtime.adminUrl}/#token=${ferry.runtime.adminToken}`);
    }, 60_000);
    afterAll(() => browser?.close());

    it('says on Status why /mcp, and which servers have a hostname of their own', async () => {
      expect(await page.getByLabel('Connector URL').inputValue()).toBe(`${PUBLIC}/mcp`);
      const note = page.getByTestId('connector-note');
      expect(await note.textContent()).toBe(
        `${RECOMMENDED_NOTE} One server alone: echo at https://echo.example.test/mcp.`,
      );
      expect(errors).toEqual([]);
    });

    it('shows each server’s own URL on Servers: its hostname, or /mcp/<name> with the risk', async () => {
      await page
        .getByRole('navigation', { name: 'Screens' })
        .getByRole('link', { name: /^Servers/ })
        .click();
      const echo = page.getByTestId('server-url-echo');
      await echo.waitFor();
      expect(await echo.getByLabel('Own URL').inputValue()).toBe('https://echo.example.test/mcp');
      expect(await echo.textContent()).toContain('the path is exactly /mcp, as Claude needs');
      const notes = page.getByTestId('server-url-notes');
      expect(await notes.getByLabel('This server alone').inputValue()).toBe(`${PUBLIC}/mcp/notes`);
      expect(await notes.textContent()).toContain('not recommended, see above');
      // The risk is said once above the cards, not again on every card without a hostname.
      const risk = page.getByTestId('path-risk');
      expect(await risk.textContent()).toContain(PER_SERVER_PATH_RISK);
      expect(await risk.textContent()).toContain(`Use ${PUBLIC}/mcp, or give a server a hostname of its own`);
      const shown: string = await page.evaluate('document.body.innerText');
      expect(shown.split(PER_SERVER_PATH_RISK)).toHaveLength(2);
      await echo.getByRole('button', { name: 'Copy' }).click();
      await page.getByText('Copied the URL of echo alone').waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe('https://echo.example.test/mcp');
      expect(errors).toEqual([]);
    });
  });
});
