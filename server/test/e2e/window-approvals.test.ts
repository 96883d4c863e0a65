import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { haveChromium, screenshot } from '../helpers/browser.js';
import { HOSTILE_NAME, HOSTILE_NAME_SHOWN, RAW_CONTROL } from '../helpers/hostileText.js';
import { usePolicyWindow } from '../helpers/window.js';

const text = (result: CallToolResult) => (result.content[0] as { text: string }).text;

/**
 * The Approvals screen against a real `ferry serve` (no OAuth, so a test client can call tools directly):
 * a real call of a tool whose policy is "ask" appears live, with its client escaped and its secrets
 * redacted; "Allow once" lets it complete and "Deny" fails it, and the screen empties itself.
 */
describe.skipIf(!haveChromium)('the window, tool calls waiting for approval', () => {
  const win = usePolicyWindow(HOSTILE_NAME);

  it('shows nothing waiting, then a real ask call live; "Allow once" lets the call complete', async () => {
    await win.signIn();
    await win.page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await win.open('Approvals');
    await win.page.getByText('No tool call is waiting.').waitFor();

    // Longer than REQ: the call waits for the click below by design.
    const call = win.client.callTool(
      { name: 'policy__write_note', arguments: { text: 'hello', password: 'hunter2-secret' } },
      undefined,
      { timeout: 60_000 },
    ) as Promise<CallToolResult>;
    const card = win.page.getByRole('article').filter({ hasText: 'wants to run' });
    await card.waitFor();
    const heading = (await card.getByRole('heading').textContent()) ?? '';
    expect(heading).toContain('policy › write_note');
    expect(heading).toContain(`${HOSTILE_NAME_SHOWN.slice(0, 31)}…`);
    expect(heading).not.toMatch(RAW_CONTROL);
    const shown = (await card.textContent()) ?? '';
    expect(shown).toContain('"hello"');
    expect(shown).not.toContain('hunter2-secret');
    await screenshot(win.page, 'approvals');

    await card.getByRole('button', { name: 'Allow once' }).click();
    expect(text(await call)).toBe('wrote hello');
    await win.page.getByText('No tool call is waiting.').waitFor();
    expect(win.errors).toEqual([]);
  });

  it('"Deny" fails the waiting call with a tool error', async () => {
    const call = win.client.callTool({ name: 'policy__plain', arguments: { text: 'no' } }, undefined, {
      timeout: 60_000,
    }) as Promise<CallToolResult>;
    const card = win.page.getByRole('article').filter({ hasText: 'policy › plain' });
    await card.getByRole('button', { name: 'Deny' }).click();
    const result = await call;
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/denied/);
    await win.page.getByText('No tool call is waiting.').waitFor();
    expect(win.errors).toEqual([]);
  });
});
