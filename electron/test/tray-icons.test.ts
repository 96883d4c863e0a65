import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchChromium } from '../../server/test/helpers/browser.js';
import { repoRoot } from './helpers/desktop.js';

/**
 * Pixels of a 16 px icon pair that must differ in shape (alpha, not colour) for "attention" and "error" to be
 * told apart in a menu bar that tints template icons one colour: about a tenth of the mark's ~100 pixels.
 */
const MIN_SHAPE_DIFFERENCE = 10;

/** The 16 px tray icons as the menu bar shows them: decoded in Chromium, compared by their alpha channel. */
describe.skipIf(!haveChromium)('tray icons at 16 px', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function alpha(name: string): Promise<number[]> {
    const file = path.join(repoRoot, 'electron/assets/tray', name);
    const uri = `data:image/png;base64,${(await readFile(file)).toString('base64')}`;
    const page = await browser.newPage();
    try {
      // (A string: the test project has no DOM types.)
      return await page.evaluate(`(async () => {
        const image = new Image();
        image.src = ${JSON.stringify(uri)};
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = 16;
        canvas.height = 16;
        const context = canvas.getContext('2d');
        context.drawImage(image, 0, 0);
        const data = context.getImageData(0, 0, 16, 16).data;
        return [...data].filter((_, i) => i % 4 === 3);
      })()`);
    } finally {
      await page.close();
    }
  }

  it.each([
    ['attentionTemplate.png', 'errorTemplate.png'],
    ['attention.png', 'error.png'],
  ])('%s and %s differ in shape, not only in colour', async (a, b) => {
    const [first, second] = await Promise.all([alpha(a), alpha(b)]);
    expect(first).toHaveLength(256);
    const differing = first.filter((value, i) => Math.abs(value - (second[i] ?? 0)) > 128).length;
    expect(differing).toBeGreaterThanOrEqual(MIN_SHAPE_DIFFERENCE);
  });
});
