import { describe, expect, it } from 'vitest';
import { textStats, WORDS_PER_MINUTE } from '../../src/demo/textStats.js';

describe('textStats', () => {
  it('reports zeros for empty text', () => {
    expect(textStats('')).toEqual({
      characters: 0,
      charactersExcludingWhitespace: 0,
      words: 0,
      lines: 0,
      paragraphs: 0,
      readingTimeSeconds: 0,
    });
  });

  it('counts a simple sentence', () => {
    const stats = textStats('Hello, world! How are you?');
    expect(stats.characters).toBe(26);
    expect(stats.charactersExcludingWhitespace).toBe(22);
    expect(stats.words).toBe(5);
    expect(stats.lines).toBe(1);
    expect(stats.paragraphs).toBe(1);
  });

  it('counts characters as people see them', () => {
    // Decomposed é (e + combining acute), a skin-toned thumbs-up and a family emoji: one each.
    const stats = textStats('e\u0301 👍🏽 👨‍👩‍👧');
    expect(stats.characters).toBe(5);
    expect(stats.charactersExcludingWhitespace).toBe(3);
  });

  it('does not count punctuation or numbers-with-separators as extra words', () => {
    expect(textStats("It's 3.14 -- isn't it?").words).toBe(4);
    expect(textStats('...  !!!  ---').words).toBe(0);
  });

  it('counts words in text without spaces', () => {
    expect(textStats('今日は良い天気です').words).toBeGreaterThan(1);
  });

  it('counts lines for every newline convention, without an extra line for a trailing newline', () => {
    expect(textStats('a\nb\r\nc\rd').lines).toBe(4);
    expect(textStats('a\nb\n').lines).toBe(2);
    expect(textStats('a\n\n').lines).toBe(2);
    expect(textStats('\n').lines).toBe(1);
    expect(textStats('no newline').lines).toBe(1);
  });

  it('splits paragraphs on blank lines, including lines holding only spaces', () => {
    expect(textStats('one\ntwo\n\nthree\n \t \nfour\r\n\r\n\r\nfive').paragraphs).toBe(4);
    expect(textStats('\n\n  \n').paragraphs).toBe(0);
  });

  it('estimates reading time at the advertised pace, never 0 s for text with words', () => {
    expect(textStats('word').readingTimeSeconds).toBe(1);
    expect(textStats('word '.repeat(WORDS_PER_MINUTE)).readingTimeSeconds).toBe(60);
    expect(textStats('word '.repeat(WORDS_PER_MINUTE * 3 + WORDS_PER_MINUTE / 2)).readingTimeSeconds).toBe(
      210,
    );
  });

  it('handles large input in reasonable time', () => {
    const text = 'The quick brown fox jumps over the lazy dog.\n'.repeat(5_000);
    const stats = textStats(text);
    expect(stats.words).toBe(45_000);
    expect(stats.lines).toBe(5_000);
  });
});
