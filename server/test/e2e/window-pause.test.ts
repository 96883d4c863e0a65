import { describe, expect, it } from 'vitest';
import { haveChromium, screenshot } from '../helpers/browser.js';
import { echoServer } from '../helpers/fixtures.js';
import { startServeProcess } from '../helpers/serveProcess.js';
import { useServeWindow } from '../helpers/window.js';

/**
 * Pause exposure from the Status screen against a real `ferry serve`: the button pauses, the headline says
 * "Paused" with the one action to resume, the public endpoint really refuses meanwhile, and Resume undoes it.
 */
describe.skipIf(!haveChromium)('the window, pause exposure', () => {
  const win = useServeWindow(() =>
    startServeProcess({ mcpServers: { echo: echoServer() }, ferry: { toolPolicy: { default: 'allow' } } }),
  );

  const mcpStatus = async () =>
    (
      await fetch(`${win.ferry.runtime.localUrl}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      })
    ).status;

  it('pauses from the Status screen: the headline says Paused with Resume as its one action', async () => {
    await win.signIn();
    await win.page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const headline = win.page.getByTestId('headline');
    await headline.waitFor();
    expect(await headline.textContent()).not.toContain('Paused');

    await win.page.getByRole('button', { name: 'Pause exposure' }).click();
    await headline.getByText('Paused · Claude cannot reach your servers').waitFor();
    const buttons = headline.getByRole('button');
    expect(await buttons.allTextContents()).toEqual(['Resume exposure']);
    expect(await headline.textContent()).toContain('your servers keep running');
    await expect.poll(mcpStatus).toBe(503);
    await screenshot(win.page, 'status-paused');

    await headline.getByRole('button', { name: 'Resume exposure' }).click();
    await win.page.getByRole('button', { name: 'Pause exposure' }).waitFor();
    expect(await headline.textContent()).not.toContain('Paused');
    await expect.poll(mcpStatus).not.toBe(503);
    expect(win.errors).toEqual([]);
  });
});
