#!/usr/bin/env node
// Renders Ferry's icons from the SVG below into the PNGs the app and the installers use:
//
//   build/icon.png                          1024x1024 app icon (electron-builder derives .icns/.ico)
//   electron/assets/tray/<state>.png        16x16 coloured tray icon (Windows, Linux), @2x = 32x32
//   electron/assets/tray/<state>Template.png  16x16 macOS template image (black + alpha), @2x = 32x32
//
//   node scripts/icons.mjs            (needs Chromium: $CHROMIUM, default /usr/bin/chromium)
//
// The outputs are committed; rerun only when the artwork changes. Chromium rasterises each size from
// the vector source rather than scaling one bitmap, so the 16 px icons stay crisp.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TRAY_DIR = join(ROOT, 'electron', 'assets', 'tray');

// The mark: an arc (the crossing) between two shores, over a line of water.
const APP_ICON = `
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1024 1024">
  <defs>
    <linearGradient id="sea" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#3B6FE0"/>
      <stop offset="1" stop-color="#0E8C86"/>
    </linearGradient>
    <linearGradient id="sheen" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#fff" stop-opacity="0.16"/>
      <stop offset="0.5" stop-color="#fff" stop-opacity="0"/>
    </linearGradient>
    <filter id="lift" x="-20%" y="-20%" width="140%" height="150%">
      <feDropShadow dx="0" dy="10" stdDeviation="12" flood-color="#06263a" flood-opacity="0.28"/>
    </filter>
  </defs>
  <!-- macOS icon grid: an 824 px squircle-like tile centred on the 1024 px canvas. -->
  <rect x="100" y="100" width="824" height="824" rx="186" fill="url(#sea)"/>
  <rect x="100" y="100" width="824" height="824" rx="186" fill="url(#sheen)"/>
  <g filter="url(#lift)" stroke="#fff" stroke-linecap="round" fill="none">
    <path d="M292 560 C 330 274, 694 274, 732 560" stroke-width="60"/>
    <path d="M236 682 q 46 -34 92 0 t 92 0 t 92 0 t 92 0 t 92 0 t 92 0" stroke-width="40"/>
    <path d="M330 770 q 46 -30 92 0 t 92 0 t 92 0 t 92 0" stroke-width="32" stroke-opacity="0.55"/>
  </g>
  <g filter="url(#lift)" fill="#fff">
    <circle cx="292" cy="560" r="52"/>
    <circle cx="732" cy="560" r="52"/>
  </g>
</svg>`;

// Tray artwork on a 16-unit grid; rendered at 16 and 32 px.
const ARC = 'M3 11 C 3.6 1.6, 12.4 1.6, 13 11';
const WATER = 'M1.6 14.4 q 1.1 -0.9 2.2 0 t 2.2 0 t 2.2 0 t 2.2 0 t 2.2 0 t 2.2 0';
const BADGE = { cx: 13.1, cy: 2.9, r: 2.7 };

/** The mark in one colour; `style` picks the variant that tells states apart without colour. */
function mark(colour, style) {
  const stroke = `stroke="${colour}" stroke-linecap="round" fill="none"`;
  const arc = {
    thin: `<path d="${ARC}" ${stroke} stroke-width="1.2"/>`,
    dashed: `<path d="${ARC}" ${stroke} stroke-width="1.7" stroke-dasharray="1.4 2.1"/>`,
    solid: `<path d="${ARC}" ${stroke} stroke-width="1.9"/>`,
    // Error: the bridge broken in the middle, so the state shows in the shape, not only the colour.
    broken: `<path d="${ARC}" ${stroke} stroke-width="1.9" stroke-dasharray="6.3 3.6 30"/>`,
  }[style];
  const r = style === 'thin' ? 1.3 : 1.75;
  return (
    arc +
    `<circle cx="3" cy="11" r="${r}" fill="${colour}"/><circle cx="13" cy="11" r="${r}" fill="${colour}"/>` +
    `<path d="${WATER}" ${stroke} stroke-width="1.2"/>`
  );
}

/**
 * A badge in the top-right corner, cut out of the mark by a transparent ring so it reads as separate.
 * With `exclaim` it carries an exclamation mark: drawn in `glyph`, or knocked out when `glyph` is null
 * (templates must stay black + alpha).
 */
function badged(body, colour, exclaim = false, glyph = null) {
  const { cx, cy, r } = BADGE;
  const bang = (fill) =>
    `<rect x="${cx - 0.5}" y="${cy - 1.9}" width="1" height="2.3" rx="0.5" fill="${fill}"/>` +
    `<circle cx="${cx}" cy="${cy + 1.35}" r="0.55" fill="${fill}"/>`;
  const knockout = exclaim && glyph === null ? bang('#000') : '';
  return `
  <defs>
    <mask id="ring" maskUnits="userSpaceOnUse" x="0" y="0" width="16" height="16">
      <rect width="16" height="16" fill="#fff"/><circle cx="${cx}" cy="${cy}" r="${r + 1}" fill="#000"/>
    </mask>
    <mask id="glyph" maskUnits="userSpaceOnUse" x="0" y="0" width="16" height="16">
      <rect width="16" height="16" fill="#fff"/>${knockout}
    </mask>
  </defs>
  <g mask="url(#ring)">${body}</g>
  <circle cx="${cx}" cy="${cy}" r="${r}" fill="${colour}" mask="url(#glyph)"/>${exclaim && glyph ? bang(glyph) : ''}`;
}

/**
 * Error's badge: a tall exclamation mark instead of attention's round dot, cut out of the mark by a
 * transparent outline. At 16 px a dot and a bar differ in a dozen pixels; an "!" knocked out of a dot
 * differed in two, which is why error and attention looked alike in a tinted menu bar.
 */
function exclaimed(body, colour) {
  const bar = (fill, grow = 0) =>
    `<rect x="${12.1 - grow}" y="${0.2 - grow}" width="${2.2 + 2 * grow}" height="${4.6 + 2 * grow}" rx="${1.1 + grow}" fill="${fill}"/>` +
    `<circle cx="13.2" cy="6.6" r="${1.2 + grow}" fill="${fill}"/>`;
  return `
  <defs>
    <mask id="bang" maskUnits="userSpaceOnUse" x="0" y="0" width="16" height="16">
      <rect width="16" height="16" fill="#fff"/>${bar('#000', 1)}
    </mask>
  </defs>
  <g mask="url(#bang)">${body}</g>${bar(colour)}`;
}

const COLOURS = {
  off: '#8E939B',
  connecting: '#F0A020',
  online: '#27B35A',
  attention: '#3B82F6',
  error: '#E5483F',
};

/** Windows and Linux: the state is the colour, backed up by the same shapes as on macOS. */
const COLOURED = {
  off: mark(COLOURS.off, 'thin'),
  connecting: mark(COLOURS.connecting, 'dashed'),
  online: mark(COLOURS.online, 'solid'),
  attention: badged(mark(COLOURS.online, 'solid'), COLOURS.attention),
  error: exclaimed(mark(COLOURS.error, 'broken'), COLOURS.error),
};

/** macOS template images: black and alpha only; the menu bar tints them, so shape carries the state. */
const TEMPLATE = {
  off: `<g opacity="0.55">${mark('#000', 'thin')}</g>`,
  connecting: mark('#000', 'dashed'),
  online: mark('#000', 'solid'),
  attention: badged(mark('#000', 'solid'), '#000'),
  error: exclaimed(mark('#000', 'broken'), '#000'),
};

function traySvg(body) {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">${body}</svg>`;
}

async function render(page, svg, size, file) {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(
    `<!doctype html><html><head><style>html,body{margin:0;background:transparent}` +
      `svg{display:block;width:${size}px;height:${size}px}</style></head><body>${svg}</body></html>`,
  );
  const png = await page.screenshot({
    omitBackground: true,
    clip: { x: 0, y: 0, width: size, height: size },
  });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, png);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  if (width !== size || height !== size)
    throw new Error(`${file}: rendered ${width}x${height}, wanted ${size}`);
  console.log(`${file.slice(ROOT.length + 1)}  ${width}x${height}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 });
  await render(page, APP_ICON, 1024, join(ROOT, 'build', 'icon.png'));
  for (const [variants, suffix] of [
    [COLOURED, ''],
    [TEMPLATE, 'Template'],
  ]) {
    for (const [state, body] of Object.entries(variants)) {
      await render(page, traySvg(body), 16, join(TRAY_DIR, `${state}${suffix}.png`));
      await render(page, traySvg(body), 32, join(TRAY_DIR, `${state}${suffix}@2x.png`));
    }
  }
} finally {
  await browser.close();
}
