import { describe, expect, it } from 'vitest';
import { locateJsonError } from '../../src/config/jsonSyntax.js';

const SAMPLES = [
  JSON.stringify(
    {
      mcpServers: {
        github: {
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-github'],
          env: { T: 'ghp_x\\y"z' },
        },
        fs: { command: 'C:\\node.exe', disabled: true, cwd: null },
      },
      ferry: { port: 8790, keepAliveSeconds: 1.5e1, allowedHosts: [], restart: { maxExits: -3 } },
    },
    null,
    2,
  ),
  '{"a":[1,2,{"b":[true,false,null]}],"c":"\\u00e9\\n","d":-0.5E-3}',
  '[]',
  '"text"',
];

/** Deterministic, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function mutate(text: string, next: () => number): string {
  const alphabet = '{}[]",:\'\\/ \n0a-.e*tfnu';
  const at = Math.floor(next() * (text.length + 1));
  const choice = next();
  if (choice < 0.4) return text.slice(0, at) + text.slice(at + 1);
  const char = alphabet[Math.floor(next() * alphabet.length)] ?? '';
  if (choice < 0.8) return text.slice(0, at) + char + text.slice(at);
  return text.slice(0, at) + char + text.slice(at + 1);
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('locateJsonError', () => {
  it('accepts valid JSON', () => {
    for (const sample of SAMPLES) expect(locateJsonError(sample)).toBeUndefined();
  });

  it('agrees with JSON.parse on thousands of corrupted documents and points inside the text', () => {
    const next = random(42);
    let invalid = 0;
    for (let round = 0; round < 4000; round++) {
      let text = SAMPLES[round % SAMPLES.length] ?? '';
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) text = mutate(text, next);
      const problem = locateJsonError(text);
      if (parses(text)) {
        expect(problem, text).toBeUndefined();
        continue;
      }
      invalid++;
      expect(problem, text).toBeDefined();
      const lines = text.split('\n');
      expect(problem!.line).toBeGreaterThanOrEqual(1);
      expect(problem!.line).toBeLessThanOrEqual(lines.length);
      expect(problem!.column).toBeLessThanOrEqual((lines[problem!.line - 1]?.length ?? 0) + 1);
      expect(problem!.fix.length).toBeGreaterThan(0);
    }
    // The corpus must actually exercise the error path.
    expect(invalid).toBeGreaterThan(2000);
  });
});
