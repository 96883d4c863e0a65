import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchChromium, screenshot } from '../../server/test/helpers/browser.js';
import { trayView, type MenuEntry, type TrayInput } from '../src/main/tray/model.js';
import { repoRoot } from './helpers/desktop.js';

/**
 * The tray cannot be photographed without Electron's binary, so its pictures are drawn from the same model
 * the tray uses (`trayView`) and the shipped icons, in real Chromium: what the README shows is what the
 * code builds. The test fails when a label the model produces is not on the page or an icon does not load.
 */

const base: TrayInput = {
  platform: 'linux',
  phase: 'running',
  tunnel: {
    mode: 'quick',
    state: 'connected',
    publicUrl: 'https://calm-river-delta-fox.trycloudflare.com',
    reason: undefined,
  },
  servers: [
    { name: 'files', state: 'ready', reason: undefined, tools: 14 },
    { name: 'github', state: 'ready', reason: undefined, tools: 26 },
    { name: 'notes', state: 'ready', reason: undefined, tools: 3 },
  ],
  consents: [],
  openAtLogin: true,
  loginItemSupported: true,
};

const scenes: { name: string; input: TrayInput; open?: string }[] = [
  { name: 'tray-online', input: base, open: 'Servers' },
  {
    name: 'tray-consent',
    input: {
      ...base,
      consents: [{ id: 'c1', clientName: 'claudeai', redirectHost: 'claude.ai', matchCode: 'K7Q-4MX' }],
    },
    open: 'claudeai',
  },
  {
    name: 'tray-off',
    input: { ...base, tunnel: { mode: 'off', state: 'off', publicUrl: undefined, reason: undefined } },
  },
];

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

function menuHtml(
  entries: MenuEntry[],
  open: string | undefined,
): { html: string; submenu: MenuEntry[]; submenuTop: number } {
  let submenu: MenuEntry[] = [];
  let y = 0;
  let submenuTop = 0;
  const rows = entries.map((entry) => {
    y += entry.kind === 'separator' ? 11 : 25;
    switch (entry.kind) {
      case 'separator':
        return '<li class="sep"></li>';
      case 'label':
        return `<li class="label">${escape(entry.label)}</li>`;
      case 'submenu': {
        const isOpen = open !== undefined && entry.label.startsWith(open);
        if (isOpen) {
          submenu = entry.items;
          submenuTop = y - 25;
        }
        return `<li class="item${isOpen ? ' hot' : ''}">${escape(entry.label)}<span class="arrow">▸</span></li>`;
      }
      case 'action':
        return `<li class="item${entry.enabled === false ? ' off' : ''}">${
          entry.checked === undefined ? '' : `<span class="check">${entry.checked ? '✓' : ''}</span>`
        }${escape(entry.label)}</li>`;
    }
  });
  return { html: `<ul class="menu">${rows.join('')}</ul>`, submenu, submenuTop };
}

async function dataUri(file: string): Promise<string> {
  return `data:image/png;base64,${(await readFile(file)).toString('base64')}`;
}

async function scene(input: TrayInput, open: string | undefined): Promise<string> {
  const view = trayView(input);
  const icons = path.join(repoRoot, 'electron/assets/tray');
  const main = menuHtml(view.menu, open);
  const sub = main.submenu.length > 0 ? menuHtml(main.submenu, undefined).html : '';
  const neighbours = await Promise.all(
    ['off', 'connecting', 'online', 'attention', 'error'].map((s) =>
      dataUri(path.join(icons, `${s}@2x.png`)),
    ),
  );
  return `<!doctype html><html><head><style>
    body { margin: 0; font: 13px system-ui, 'DejaVu Sans', sans-serif; background: linear-gradient(160deg, #3b4a6b, #1d2333); height: 100vh; }
    .panel { display: flex; justify-content: flex-end; align-items: center; gap: 14px; height: 34px; padding: 0 16px; background: #16181d; color: #eee; }
    .panel img { width: 18px; height: 18px; }
    .panel .tray { padding: 6px; border-radius: 6px; background: #33363d; }
    .tip { position: absolute; right: 120px; top: 42px; background: #fffbe6; color: #222; border: 1px solid #bbb; padding: 4px 8px; border-radius: 4px; box-shadow: 0 2px 6px #0004; }
    .menus { position: absolute; right: 86px; top: 76px; display: flex; flex-direction: row-reverse; align-items: flex-start; gap: 2px; }
    .menu { list-style: none; margin: 0; padding: 6px 0; background: #fbfbfb; color: #1d1d1f; border-radius: 8px; box-shadow: 0 8px 28px #0007; min-width: 260px; }
    .menu li { padding: 5px 22px 5px 26px; white-space: nowrap; position: relative; }
    .menu .label { color: #777; }
    .menu .off { color: #aaa; }
    .menu .hot { background: #2f6fde; color: #fff; }
    .menu .sep { height: 1px; padding: 0; margin: 5px 0; background: #ddd; }
    .menu .arrow { position: absolute; right: 10px; }
    .menu .check { position: absolute; left: 9px; }
    .legend { position: absolute; left: 24px; bottom: 20px; color: #dde; display: flex; gap: 16px; align-items: center; }
    .legend img { width: 20px; height: 20px; vertical-align: middle; margin-right: 4px; }
  </style></head><body>
    <div class="panel"><span>Mon 23 Nov 21:30</span><span class="tray"><img alt="Ferry tray icon" src="${await dataUri(
      path.join(icons, `${view.icon}@2x.png`),
    )}"></span></div>
    <div class="tip">${escape(view.tooltip)}</div>
    <div class="menus">${sub ? `<div style="margin-top:${main.submenuTop}px">${sub}</div>` : ''}${main.html}</div>
    <div class="legend">${['off', 'connecting', 'online', 'attention', 'error']
      .map((state, i) => `<span><img alt="${state}" src="${neighbours[i]}">${state}</span>`)
      .join('')}</div>
  </body></html>`;
}

describe.skipIf(!haveChromium)('tray pictures drawn from the tray model', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it.each(scenes)(
    '$name shows every label of the model and the state’s icon',
    async ({ name, input, open }) => {
      const page = await browser.newPage({ viewport: { width: 900, height: 560 } });
      await page.setContent(await scene(input, open));
      const view = trayView(input);
      const text = await page.locator('body').innerText();
      for (const entry of view.menu) if (entry.kind !== 'separator') expect(text).toContain(entry.label);
      expect(text).toContain(view.tooltip);
      const widths = await page
        .locator('img')
        .evaluateAll((images) =>
          images.map((image) => (image as unknown as { naturalWidth: number }).naturalWidth),
        );
      expect(widths.every((width) => width === 32)).toBe(true);
      await screenshot(page, name);
      await page.close();
    },
  );
});
