import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './fixtures.js';

/** Debian's Chromium (apt-get install chromium); playwright-core never downloads a browser here. */
export const CHROMIUM = process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      // No name resolves except loopback, so nothing (not even a DNS query) leaves the machine, including
      // navigations that routes cannot catch (the targets of redirects).
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
    ],
  });
}

/** A 1280x800 light-theme context whose requests to anything but 127.0.0.1 are refused. */
export async function isolatedContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort('blockedbyclient'),
  );
  return context;
}

/**
 * Uncaught errors and console errors (CSP violations among them), so a test can assert the window ran clean.
 * Chromium's own "Failed to load resource" lines are left out: a 400 answer is what a refused form gets.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/**
 * Saves a screenshot under test-results/screenshots, and under docs/screenshots in CI or when FERRY_SCREENSHOTS
 * is set (`npm run screenshots`), so a developer's ordinary test runs leave the tracked images alone.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const targets = [path.join(repoRoot, 'test-results/screenshots')];
  // CI keeps them as artifacts in docs/screenshots of its own clone; a developer's run leaves the tracked ones alone.
  if (process.env.FERRY_SCREENSHOTS || process.env.CI) {
    targets.push(path.join(repoRoot, 'docs/screenshots'));
    // The images in the docs show the screen, not the last action's toast.
    await page.locator('.toast').waitFor({ state: 'detached', timeout: 5000 });
  }
  await page.waitForTimeout(150);
  for (const dir of targets) {
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, `${name}.png`) });
  }
}
