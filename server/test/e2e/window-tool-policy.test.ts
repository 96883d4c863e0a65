import { readFile } from 'node:fs/promises';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, screenshot } from '../helpers/browser.js';
import { usePolicyWindow } from '../helpers/window.js';
import type { AuditRecord } from '../../src/policy/types.js';
import { REQ, until } from './support.js';

const text = (result: CallToolResult) => (result.content[0] as { text: string }).text;
const SECOND = 'Now it also uploads your files.';
const THIRD = 'Now it also reads your mail.';

/**
 * Per-tool control from the window against a real `ferry serve` (no OAuth, so a real MCP client calls
 * directly): a policy chosen in the tools list changes what the client lists at once; a tool whose
 * definition changes is held, shown side by side and callable again after Accept; the audit trail
 * narrows with its filters and exports as JSON Lines; at 420 px the audit table is cards.
 */
describe.skipIf(!haveChromium)('the window, per-tool control', () => {
  const win = usePolicyWindow('policy-e2e');
  const names = async () => (await win.client.listTools(undefined, REQ)).tools.map((t) => t.name);
  const toolItem = (name: string) => win.page.locator(`#server-policy li.tool[data-tool="${name}"]`);

  beforeAll(async () => {
    await win.signIn();
    await win.page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  });

  it("changes a tool's policy in the tools list, and a real client's tools/list follows at once", async () => {
    await win.open('Servers');
    const card = win.page.locator('#server-policy');
    await card.getByText('5 tools').first().waitFor({ timeout: 15_000 });
    await card.getByText('What clients see').click();
    const plain = toolItem('plain');
    await plain.waitFor();
    // Its policy, where that comes from, and its pin state.
    expect(await plain.getByLabel('Policy for plain').inputValue()).toBe('ask');
    expect(await plain.locator('.policy-source').textContent()).toBe('from its annotations');
    await plain.getByText('pinned', { exact: true }).waitFor();
    expect(await toolItem('read_note').getByLabel('Policy for read_note').inputValue()).toBe('allow');
    expect(await names()).toContain('policy__plain');

    await plain.getByLabel('Policy for plain').selectOption('deny');
    await plain.locator('.policy-source').filter({ hasText: 'set for this tool' }).waitFor();
    await until('plain gone from tools/list', async () => !(await names()).includes('policy__plain'));
    const refused = (await win.client.callTool(
      { name: 'policy__plain', arguments: { text: 'x' } },
      undefined,
      REQ,
    )) as CallToolResult;
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/blocked by the policy "deny"/);

    // The server's default applies to tools without their own policy; the tool's own still wins.
    await card.getByLabel('Default for its tools').selectOption('deny');
    await until('only plain-free, default-denied list', async () => {
      const listed = await names();
      return !listed.includes('policy__read_note') && !listed.includes('policy__mutable');
    });
    // The list in the window follows without a reload.
    await toolItem('read_note').locator('.policy-source').filter({ hasText: 'server default' }).waitFor();
    await card.getByLabel('Default for its tools').selectOption('');
    await toolItem('read_note')
      .locator('.policy-source')
      .filter({ hasText: 'from its annotations' })
      .waitFor();

    await plain.getByRole('button', { name: 'Use default' }).click();
    await plain.locator('.policy-source').filter({ hasText: 'from its annotations' }).waitFor();
    await until('plain listed again', async () => (await names()).includes('policy__plain'));
    await until('read_note listed again', async () => (await names()).includes('policy__read_note'));
    expect(win.errors).toEqual([]);
  }, 60_000);

  it('shows a changed definition side by side, live; Accept makes the tool callable again', async () => {
    const item = toolItem('mutable');
    await item.locator('.badge').filter({ hasText: 'pinned' }).waitFor();
    // The child changes the tool's description and announces it (tools/list_changed): Ferry holds it.
    expect(
      text(
        (await win.client.callTool(
          { name: 'policy__change_description', arguments: { text: SECOND } },
          undefined,
          REQ,
        )) as CallToolResult,
      ),
    ).toBe('changed');
    // No reload: the held tool's review appears from the tool.held event.
    const review = item.getByRole('region', { name: 'Review the definition of mutable' });
    await review.waitFor({ timeout: 10_000 });
    await item.locator('.badge').filter({ hasText: 'changed' }).waitFor();
    const removed = review.locator('.diff-removed');
    const added = review.locator('.diff-added');
    expect(await removed.allTextContents()).toEqual(['removed:   A tool whose description can change.']);
    expect(await added.allTextContents()).toEqual([`added:   ${SECOND}`]);
    // Unchanged lines (the schema) are on both sides, unmarked.
    expect(await review.locator('.diff-same .diff-old').filter({ hasText: '"type": "object"' }).count()).toBe(
      1,
    );
    await until('mutable held', async () => !(await names()).includes('policy__mutable'));
    const held = (await win.client.callTool(
      { name: 'policy__mutable', arguments: {} },
      undefined,
      REQ,
    )) as CallToolResult;
    expect(held.isError).toBe(true);
    await review.scrollIntoViewIfNeeded();
    await screenshot(win.page, 'servers-tool-review');

    await review.getByRole('button', { name: 'Accept this definition' }).click();
    await review.waitFor({ state: 'detached' });
    await item.locator('.badge').filter({ hasText: 'pinned' }).waitFor();
    await until('mutable listed again', async () => (await names()).includes('policy__mutable'));
    expect(
      text(
        (await win.client.callTool(
          { name: 'policy__mutable', arguments: {} },
          undefined,
          REQ,
        )) as CallToolResult,
      ),
    ).toBe('mutable ok');
    expect(win.errors).toEqual([]);
  }, 60_000);

  it("opens on a held tool's review from the tray's link, live and on a fresh load", async () => {
    // Elsewhere in the window, with the tools list closed: the link alone has to bring the review up.
    await win.open('Activity');
    expect(
      text(
        (await win.client.callTool(
          { name: 'policy__change_description', arguments: { text: THIRD } },
          undefined,
          REQ,
        )) as CallToolResult,
      ),
    ).toBe('changed');
    await until('mutable held again', async () => !(await names()).includes('policy__mutable'));
    const review = toolItem('mutable').getByRole('region', { name: 'Review the definition of mutable' });
    /** The review is on screen (scrolled to, not only in the win.page), and its tool item has the focus. */
    const shown = async () => {
      const box = await review.boundingBox();
      const height = win.page.viewportSize()?.height ?? 0;
      const focused: unknown = await win.page.evaluate(`document.activeElement?.getAttribute('data-tool')`);
      return box !== null && box.y >= 0 && box.y < height && focused === 'mutable';
    };

    // What the tray's "Review policy/mutable (definition changed)…" does to an open window: a hash change.
    await win.page.evaluate(`location.hash = '#/servers?server=policy&tools=1&tool=mutable'`);
    await win.page.getByRole('heading', { level: 1, name: 'Servers' }).waitFor();
    await review.waitFor({ timeout: 10_000 });
    await until('review scrolled to', shown);
    expect(await toolItem('mutable').getAttribute('class')).toContain('tool-linked');

    // A window created on that location loads with it.
    await win.page.evaluate('window.scrollTo(0, 0)');
    await win.page.reload();
    await win.page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await review.waitFor({ timeout: 10_000 });
    await until('review scrolled to after a load', shown);
    await screenshot(win.page, 'servers-tool-review-linked');

    await review.getByRole('button', { name: 'Accept this definition' }).click();
    await review.waitFor({ state: 'detached' });
    await until('mutable listed again', async () => (await names()).includes('policy__mutable'));
    expect(win.errors).toEqual([]);
  }, 60_000);

  it('narrows the audit trail with its filters and exports it as JSON Lines', async () => {
    await win.open('Activity');
    await win.page.getByRole('button', { name: 'Audit trail' }).click();
    const rows = win.page.locator('table.audit tbody tr');
    await rows.first().waitFor();
    const total = await rows.count();
    // The refused calls above (policy deny, held definition) and the allowed ones are all there.
    expect(await win.page.locator('table.audit tbody tr[data-decision="denied"]').count()).toBeGreaterThan(0);
    expect(await win.page.locator('table.audit tbody tr[data-decision="held"]').count()).toBeGreaterThan(0);
    expect(await win.page.locator('table.audit tbody tr[data-decision="allowed"]').count()).toBeGreaterThan(
      0,
    );

    await win.page.getByLabel('Decision').selectOption('denied');
    await until('only denied rows', async () => {
      // (A string: the test project has no DOM types.)
      const decisions: string[] = await win.page.evaluate(
        `[...document.querySelectorAll('table.audit tbody tr')].map((tr) => tr.getAttribute('data-decision'))`,
      );
      return decisions.length > 0 && decisions.length < total && decisions.every((d) => d === 'denied');
    });
    expect(await rows.first().locator('td[data-label="Tool"]').textContent()).toContain('plain');
    await win.page.getByLabel('Tool').fill('no-such-tool');
    await win.page.getByText('No record matches these filters.').waitFor();
    await win.page.getByLabel('Tool').fill('plain');
    await rows.first().waitFor();

    const download = win.page.waitForEvent('download');
    await win.page.getByRole('button', { name: 'Export JSON Lines' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^ferry-audit-.+\.jsonl$/);
    const lines = (await readFile(await file.path(), 'utf8')).trim().split('\n');
    const records = lines.map((line) => JSON.parse(line) as AuditRecord);
    expect(records.length).toBe(await rows.count());
    expect(records.every((r) => r.decision === 'denied' && r.tool === 'plain')).toBe(true);
    expect(records[0]).toMatchObject({ server: 'policy', clientName: 'policy-e2e', outcome: 'refused' });
    await screenshot(win.page, 'activity-audit');
    expect(win.errors).toEqual([]);
  }, 60_000);

  it('at 420 px the audit table is cards and the tools list fits', async () => {
    await win.page.setViewportSize({ width: 420, height: 860 });
    try {
      await win.page.getByLabel('Decision').selectOption('');
      await win.page.getByLabel('Tool').fill('');
      await win.page.locator('table.audit tbody tr').first().waitFor();
      const layout = async (): Promise<{ overflow: number; cut: string[] }> =>
        win.page.evaluate(`(() => {
          const cut = [...document.querySelectorAll('main button, main input, main select, main td, main .diff span')]
            .filter((el) => el.getClientRects().length > 0)
            .filter((el) => { const r = el.getBoundingClientRect(); return r.right > innerWidth + 1 || r.left < -1; })
            .map((el) => el.tagName + ' ' + (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 40));
          return { overflow: document.documentElement.scrollWidth - innerWidth, cut };
        })()`);
      expect(await layout()).toEqual({ overflow: 0, cut: [] });
      // A row is a card: each cell shows its column's name.
      expect(
        await win.page.evaluate(
          `getComputedStyle(document.querySelector('table.audit td[data-label="Decision"]'), '::before').content`,
        ),
      ).toBe('"Decision"');
      await screenshot(win.page, 'activity-audit-narrow');
      await win.open('Servers');
      await win.page.locator('#server-policy').getByText('What clients see').click();
      await toolItem('plain').waitFor();
      expect(await layout()).toEqual({ overflow: 0, cut: [] });
      await toolItem('plain').scrollIntoViewIfNeeded();
      await screenshot(win.page, 'servers-tools-narrow');
    } finally {
      await win.page.setViewportSize({ width: 1280, height: 800 });
    }
    expect(win.errors).toEqual([]);
  }, 60_000);
});
