import { describe, expect, it } from 'vitest';
import { cutText, DISPLAY_LIMITS, displayText, escapeUnsafe } from '../../src/util/displayText.js';
import { HOSTILE_NAME, HOSTILE_NAME_SHOWN, RAW_CONTROL } from '../helpers/hostileText.js';

/** Every character a client could use to rewrite a terminal, reorder a line or hide text. */
const UNSAFE: [string, string, string][] = [
  // C0 controls
  ['NUL', '\u0000', '\\x00'],
  ['BEL (ends an OSC)', '\u0007', '\\x07'],
  ['backspace', '\u0008', '\\x08'],
  ['tab', '\u0009', '\\x09'],
  ['line feed', '\u000a', '\\x0a'],
  ['carriage return', '\u000d', '\\x0d'],
  ['ESC', '\u001b', '\\x1b'],
  ['unit separator', '\u001f', '\\x1f'],
  ['DEL', '\u007f', '\\x7f'],
  // C1 controls
  ['C1 first (PAD)', '\u0080', '\\x80'],
  ['NEL', '\u0085', '\\x85'],
  ['DCS', '\u0090', '\\x90'],
  ['CSI', '\u009b', '\\x9b'],
  ['OSC', '\u009d', '\\x9d'],
  ['C1 last (APC)', '\u009f', '\\x9f'],
  // bidi embeddings, overrides, isolates and marks
  ['LRE', '\u202a', '\\u202a'],
  ['RLE', '\u202b', '\\u202b'],
  ['PDF', '\u202c', '\\u202c'],
  ['LRO', '\u202d', '\\u202d'],
  ['RLO', '\u202e', '\\u202e'],
  ['LRI', '\u2066', '\\u2066'],
  ['RLI', '\u2067', '\\u2067'],
  ['FSI', '\u2068', '\\u2068'],
  ['PDI', '\u2069', '\\u2069'],
  ['LRM', '\u200e', '\\u200e'],
  ['RLM', '\u200f', '\\u200f'],
  ['Arabic letter mark', '\u061c', '\\u061c'],
  // zero-width and invisible formatting
  ['zero-width space', '\u200b', '\\u200b'],
  ['zero-width non-joiner', '\u200c', '\\u200c'],
  ['zero-width joiner', '\u200d', '\\u200d'],
  ['word joiner', '\u2060', '\\u2060'],
  ['BOM / zero-width no-break space', '\ufeff', '\\ufeff'],
  ['soft hyphen', '\u00ad', '\\xad'],
  ['tag character (beyond the BMP)', '\u{e0041}', '\\u{e0041}'],
  // separators
  ['line separator', '\u2028', '\\u2028'],
  ['paragraph separator', '\u2029', '\\u2029'],
  // a lone surrogate half
  ['lone high surrogate', '\ud83d', '\\ud83d'],
  ['lone low surrogate', '\ude00', '\\ude00'],
];

describe('escapeUnsafe', () => {
  it.each(UNSAFE)('makes %s visible', (_name, character, escaped) => {
    const shown = escapeUnsafe(`a${character}b`);
    expect(shown).toBe(`a${escaped}b`);
    // Only printable ASCII remains of it: nothing a terminal or the bidi algorithm acts on.
    expect(shown).toMatch(/^[\x20-\x7e]+$/);
  });

  it('defuses a whole attack: OSC 52 clipboard write, line erase, carriage return, right-to-left override', () => {
    const hostile = 'Claude\u001b]52;c;ZWNobyBwd25lZA==\u0007\r\u001b[2K\u202eia.edualc';
    const shown = escapeUnsafe(hostile);
    expect(shown).toBe('Claude\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\x0d\\x1b[2K\\u202eia.edualc');
    expect(shown).not.toMatch(RAW_CONTROL);
    expect(escapeUnsafe(HOSTILE_NAME)).toBe(HOSTILE_NAME_SHOWN);
  });

  it('leaves printable text alone, in any script, with emoji and combining marks', () => {
    for (const text of [
      'Claude',
      'claude.ai',
      'Zoë’s agent — v1.2',
      'مساعد',
      'עוזר',
      '日本語のクライアント',
      '🚢 Ferry 🧭',
      'e\u0301', // e + combining acute: a mark, not a format character
      'a b', // a plain space
      '\\x1b', // what an escape looks like: text, not a control
    ]) {
      expect(escapeUnsafe(text)).toBe(text);
    }
  });

  it('is idempotent: the escapes are plain ASCII', () => {
    const once = displayText('x\u001b\u202e\u200by', 10);
    expect(displayText(once, 10)).toBe(once);
  });
});

describe('cutText', () => {
  it('keeps text within the limit whole', () => {
    expect(cutText('abc', 3)).toBe('abc');
    expect(cutText('', 3)).toBe('');
  });

  it('cuts with an ellipsis that counts towards the limit', () => {
    expect(cutText('abcdef', 4)).toBe('abc…');
    expect(Array.from(cutText('x'.repeat(500), 40))).toHaveLength(40);
  });

  it('counts code points, so a surrogate pair is never split', () => {
    // Eight emoji: sixteen UTF-16 units but eight characters, so within a limit of 8.
    const ships = '🚢'.repeat(8);
    expect(cutText(ships, 8)).toBe(ships);
    const cut = cutText(ships, 5);
    expect(cut).toBe(`${'🚢'.repeat(4)}…`);
    // No lone surrogate anywhere: every high half is followed by its low half.
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    expect(cutText(`a${'𝒜'.repeat(3)}`, 3)).toBe('a𝒜…');
  });
});

describe('displayText', () => {
  it('escapes first and then cuts, so the escapes count and the result stays within the limit', () => {
    const shown = displayText('\u001b'.repeat(30), DISPLAY_LIMITS.clientName);
    expect(Array.from(shown)).toHaveLength(DISPLAY_LIMITS.clientName);
    expect(shown.endsWith('…')).toBe(true);
    expect(shown).not.toContain('\u001b');
  });

  it('cuts a long client name so a line built from it keeps its match code on screen', () => {
    const name = displayText(`Totally Claude ${'A'.repeat(500)}`, DISPLAY_LIMITS.clientName);
    const line = `${name} → ${displayText('claude.ai', DISPLAY_LIMITS.host)} · K7Q-4MX`;
    expect(line.endsWith('K7Q-4MX')).toBe(true);
    expect(Array.from(line).length).toBeLessThanOrEqual(
      DISPLAY_LIMITS.clientName + DISPLAY_LIMITS.host + ' →  · K7Q-4MX'.length,
    );
  });

  it('has a default limit for log lines', () => {
    expect(Array.from(displayText('y'.repeat(10_000)))).toHaveLength(DISPLAY_LIMITS.line);
  });
});
