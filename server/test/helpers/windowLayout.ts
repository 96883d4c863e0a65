import type { Page } from 'playwright-core';

/** The widths every new screen is checked at: a narrow window (cards) and a desktop one. */
export const CHECK_WIDTHS = [420, 1280] as const;

/**
 * What does not fit the window at its current width: controls and headings cut off at either edge, and
 * whether the page scrolls sideways. Empty and false when the screen fits.
 */
export async function layoutProblems(page: Page): Promise<{ cut: string[]; overflow: boolean }> {
  // (A string: the test project has no DOM types.)
  return page.evaluate(`(() => {
    const cut = [...document.querySelectorAll('main button, main a, main input, main select, main textarea, main td, main th, main h2, main li')]
      .filter((el) => el.getClientRects().length > 0)
      .filter((el) => { const r = el.getBoundingClientRect(); return r.right > innerWidth + 1 || r.left < -1; })
      .map((el) => el.tagName + ' ' + (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 40));
    return { cut, overflow: document.documentElement.scrollWidth - innerWidth > 0 };
  })()`);
}

/** How many times `text` appears in what the window shows (its rendered text, hidden parts left out). */
export async function occurrences(page: Page, text: string): Promise<number> {
  const shown: string = await page.evaluate('document.body.innerText');
  return shown.split(text).length - 1;
}
