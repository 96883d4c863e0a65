import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { isolatedContext, launchChromium, screenshot, watchErrors } from './browser.js';
import { REQ } from '../e2e/support.js';
import { policyServer } from './fixtures.js';
import { startServeProcess, type ServeProcess } from './serveProcess.js';
import { CHECK_WIDTHS, layoutProblems } from './windowLayout.js';

/** How long a window test file may take to start its `ferry serve` and Chromium: both cold on a loaded box. */
export const WINDOW_START_TIMEOUT_MS = 60_000;
/** The viewport of `isolatedContext`, restored after a test checks other widths. */
const DESKTOP = { width: 1280, height: 800 } as const;
/** The height the layout checks use at every width: tall enough that a form's result is on screen. */
const CHECK_HEIGHT = 860;

export interface ServeWindowOptions {
  /** Browser permissions for the admin origin (the connector URL's copy button needs the clipboard). */
  permissions?: string[];
  /** A script run in the page before the window's own (stands in for browser APIs headless Chromium lacks). */
  initScript?: string;
  /** How to stop what `start` started; `ferry.stop()` unless told otherwise. */
  stop?: () => Promise<unknown>;
}

/**
 * The window under test: a real `ferry serve` and a page of an isolated Chromium context on its admin
 * listener, with the page's errors recorded. Its fields are set by the hooks of `useServeWindow`, so they
 * are there only inside tests and later hooks; a test may put a restarted Ferry into `ferry`.
 */
export class ServeWindow {
  ferry!: ServeProcess;
  browser!: Browser;
  context!: BrowserContext;
  page!: Page;
  errors: string[] = [];

  /** Opens the window the way Ferry does: the admin token in the fragment. */
  async signIn(): Promise<void> {
    await this.page.goto(`${this.ferry.runtime.adminUrl}/#token=${this.ferry.runtime.adminToken}`);
  }

  /** Goes to `screen` through the navigation and waits for its heading. */
  async open(screen: string): Promise<void> {
    await this.page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('link', { name: new RegExp(`^${screen}`) })
      .click();
    await this.page.getByRole('heading', { level: 1, name: screen }).waitFor();
  }

  /** The admin API of this Ferry, with its token, as the window calls it. */
  admin(route: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.ferry.runtime.adminUrl}/api${route}`, {
      ...init,
      headers: {
        authorization: `Bearer ${this.ferry.runtime.adminToken}`,
        'content-type': 'application/json',
      },
    });
  }

  /**
   * Checks that the screen as it stands fits every width of CHECK_WIDTHS (nothing cut off, no sideways
   * scrolling), with a screenshot named `narrowShot` at the narrow one; back at the desktop size afterwards.
   */
  async expectFitsWidths(narrowShot?: string): Promise<void> {
    try {
      for (const width of CHECK_WIDTHS) {
        await this.page.setViewportSize({ width, height: CHECK_HEIGHT });
        expect({ width, ...(await layoutProblems(this.page)) }).toEqual({ width, cut: [], overflow: false });
        if (narrowShot && width === CHECK_WIDTHS[0]) await screenshot(this.page, narrowShot);
      }
    } finally {
      await this.page.setViewportSize(DESKTOP);
    }
  }
}

/**
 * The per-file (or per-describe) setup of the window tests, as hooks: `start` a Ferry, launch Chromium,
 * open a page in an isolated context, and close both afterwards.
 */
export function useServeWindow<W extends ServeWindow = ServeWindow>(
  start: () => Promise<ServeProcess>,
  options: ServeWindowOptions = {},
  win: W = new ServeWindow() as W,
): W {
  beforeAll(async () => {
    win.ferry = await start();
    win.browser = await launchChromium();
    win.context = await isolatedContext(win.browser);
    if (options.permissions)
      await win.context.grantPermissions(options.permissions, { origin: win.ferry.runtime.adminUrl });
    win.page = await win.context.newPage();
    if (options.initScript) await win.page.addInitScript(options.initScript);
    win.errors = watchErrors(win.page);
  }, WINDOW_START_TIMEOUT_MS);
  afterAll(async () => {
    await win.browser?.close();
    await (options.stop ? options.stop() : win.ferry?.stop());
  });
  return win;
}

/** A window on the policy fixture, with a real MCP client of its own. */
export class PolicyWindow extends ServeWindow {
  client!: Client;
}

/**
 * The window's per-tool policy tests: the policy fixture behind a `ferry serve` without OAuth (policies
 * from its annotations), so a real MCP client named `clientName` calls its tools directly while the
 * window shows what happens.
 */
export function usePolicyWindow(clientName: string): PolicyWindow {
  const win = useServeWindow(
    () =>
      startServeProcess({
        mcpServers: { policy: policyServer() },
        ferry: { toolPolicy: { default: 'annotations' } },
      }),
    {},
    new PolicyWindow(),
  );
  beforeAll(async () => {
    win.client = new Client({ name: clientName, version: '1' });
    await win.client.connect(
      new StreamableHTTPClientTransport(new URL(`${win.ferry.runtime.localUrl}/mcp`)),
      REQ,
    );
  });
  afterAll(() => win.client?.close().catch(() => undefined));
  return win;
}

/** One check's row, by its id, in the doctor's result as the window shows it. */
export const doctorCheck = (result: Locator, id: string): Locator => result.locator(`li[data-check="${id}"]`);

/** Waits until every check of `ids` says "pass" in the doctor's result. */
export async function checksPass(result: Locator, ids: readonly string[]): Promise<void> {
  for (const id of ids) await doctorCheck(result, id).getByText('pass', { exact: true }).waitFor();
}
