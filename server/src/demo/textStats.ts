/** Counts for the demo's `text_stats` tool. */

/** A common estimate for silent reading of English prose. */
export const WORDS_PER_MINUTE = 200;

export interface TextStats {
  /** User-perceived characters (grapheme clusters): "é" and "👍🏽" count as one each. */
  characters: number;
  charactersExcludingWhitespace: number;
  /** Word-like segments per Unicode rules, so CJK text without spaces is still counted sensibly. */
  words: number;
  /** Lines as an editor shows them, except that a trailing newline ends the last line instead of adding one. */
  lines: number;
  /** Runs of non-blank lines separated by at least one blank line. */
  paragraphs: number;
  readingTimeSeconds: number;
}

// Segmenters are costly to build and stateless to use, so one of each serves every call.
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });

const LINE_BREAK = /\r\n|\r|\n/;

export function textStats(text: string): TextStats {
  let characters = 0;
  let whitespace = 0;
  for (const { segment } of graphemes.segment(text)) {
    characters += 1;
    if (/^\s+$/u.test(segment)) whitespace += 1;
  }

  let words = 0;
  for (const segment of wordSegmenter.segment(text)) {
    if (segment.isWordLike === true) words += 1;
  }

  let lines = 0;
  if (text !== '') {
    const parts = text.split(LINE_BREAK);
    lines = parts.at(-1) === '' ? parts.length - 1 : parts.length;
  }

  const paragraphs = text
    .split(/(?:\r\n|\r|\n)[^\S\r\n]*(?:\r\n|\r|\n)/)
    .filter((p) => p.trim() !== '').length;

  // Anything with words takes at least a second to read; rounding 1 word down to 0 s would look broken.
  const readingTimeSeconds = words === 0 ? 0 : Math.max(1, Math.round((words / WORDS_PER_MINUTE) * 60));

  return {
    characters,
    charactersExcludingWhitespace: characters - whitespace,
    words,
    lines,
    paragraphs,
    readingTimeSeconds,
  };
}
