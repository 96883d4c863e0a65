import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig, parseConfigText } from '../../src/config/load.js';
import { TunnelLogParser, type TunnelLogFact } from '../../src/tunnel/logParser.js';
import { anyText, fuzzOptions, fuzzTimeout } from './support.js';

/**
 * The two text inputs Ferry reads from outside a socket: the config file (a user's editor, an import, a
 * sync tool) and cloudflared's stderr. Invariants: the loader either returns a validated config or throws a
 * ConfigError with a message and a fix (never a TypeError from inside zod or the JSON locator); the log
 * parser never throws, yields only well-formed facts, and gives the same facts however the stream is cut.
 */

/** Pure functions: thousands of runs cost well under a second each. */
const PARSER_RUNS = 1_000;
const PER_RUN_MS = 5;

const jsonish = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  anyText(20),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);
/** Object keys that reach prototype lookups and the schema's own names. */
const keyName = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', ''),
  fc.string({ maxLength: 12 }),
  fc.stringMatching(/^[a-zA-Z0-9_-]{1,60}$/),
);
const serverSpec = fc.oneof(
  jsonish,
  fc.record(
    {
      command: jsonish,
      args: fc.oneof(jsonish, fc.array(jsonish, { maxLength: 3 })),
      env: fc.oneof(jsonish, fc.dictionary(anyText(10), jsonish, { maxKeys: 3 })),
      cwd: jsonish,
      disabled: jsonish,
      url: jsonish,
    },
    { requiredKeys: [] },
  ),
);
const ferrySettings = fc.record(
  {
    port: jsonish,
    host: jsonish,
    publicUrl: fc.oneof(jsonish, fc.webUrl()),
    redirectUris: fc.oneof(jsonish, fc.array(fc.oneof(fc.webUrl(), anyText(20)), { maxLength: 3 })),
    allowedHosts: fc.oneof(jsonish, fc.array(fc.domain(), { maxLength: 3 })),
    allowedOrigins: fc.oneof(jsonish, fc.array(fc.oneof(fc.webUrl(), anyText(20)), { maxLength: 3 })),
    maxBodyBytes: jsonish,
    maxMessageBytes: jsonish,
    keepAliveSeconds: jsonish,
    sessionIdleMinutes: jsonish,
    secretStore: fc.oneof(jsonish, fc.constantFrom('keychain', 'file')),
    tunnel: fc.oneof(
      jsonish,
      fc.record(
        {
          mode: fc.oneof(jsonish, fc.constantFrom('quick', 'named', 'off')),
          hostname: fc.oneof(jsonish, fc.domain()),
          serverHostnames: fc.oneof(jsonish, fc.dictionary(keyName, fc.oneof(fc.domain(), jsonish))),
          credentialsFile: jsonish,
          binary: jsonish,
        },
        { requiredKeys: [] },
      ),
    ),
    restart: fc.oneof(jsonish, fc.dictionary(keyName, jsonish, { maxKeys: 4 })),
    servers: fc.oneof(jsonish, fc.dictionary(keyName, fc.dictionary(keyName, jsonish, { maxKeys: 3 }))),
  },
  { requiredKeys: [] },
);
const configDocument = fc.oneof(
  fc.record(
    {
      mcpServers: fc.oneof(jsonish, fc.dictionary(keyName, serverSpec, { maxKeys: 4 })),
      ferry: fc.oneof(jsonish, ferrySettings),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 4 }),
);
/** Config text: well-formed documents, their truncations and edits, and plain garbage. */
const configText = fc.oneof(
  configDocument.map((doc) => JSON.stringify(doc, null, 2) ?? ''),
  fc
    .tuple(configDocument, fc.nat(), fc.constantFrom('', ',', '}', '"', '\\', '\u0000', '\ufeff', '/*', '\n'))
    .map(([doc, cut, junk]) => {
      const text = JSON.stringify(doc) ?? '';
      const at = text.length === 0 ? 0 : cut % text.length;
      return text.slice(0, at) + junk + text.slice(at);
    }),
  anyText(300),
  fc.constantFrom(
    '\ufeff{}',
    '{"mcpServers": {"a": {"command": "x"}}',
    '{"a":1,}',
    '[',
    '"\\u12',
    '{"x":1e999}',
  ),
);

describe('config loader fuzz', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-fuzz-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Either a config or a ConfigError that tells the user where and how to fix it. */
  const checkOutcome = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      expect(error, String((error as Error)?.stack)).toBeInstanceOf(ConfigError);
      const configError = error as ConfigError;
      expect(configError.message).toMatch(/\S/);
      expect(configError.message).toMatch(/Fix|fix|must|expected|invalid|not valid|Invalid/);
    }
  };

  it(
    'parseConfigText: a config or a ConfigError, never anything else',
    () => {
      fc.assert(
        fc.property(configText, (text) => checkOutcome(() => parseConfigText(text, 'config.json'))),
        fuzzOptions(PARSER_RUNS),
      );
    },
    fuzzTimeout(PARSER_RUNS, PER_RUN_MS),
  );

  it(
    'loadConfig on a real file of arbitrary bytes: a config or a ConfigError',
    async () => {
      const file = path.join(dir, 'config.json');
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            configText.map((t) => Buffer.from(t)),
            fc.uint8Array({ maxLength: 300 }),
          ),
          async (bytes) => {
            await writeFile(file, bytes);
            try {
              await loadConfig(file);
            } catch (error) {
              expect(error, String((error as Error)?.stack)).toBeInstanceOf(ConfigError);
            }
          },
        ),
        fuzzOptions(PARSER_RUNS / 5),
      );
    },
    fuzzTimeout(PARSER_RUNS / 5, PER_RUN_MS),
  );
});

/** Lines in cloudflared's zerolog console format, and what can break them. */
const level = fc.constantFrom('DBG', 'INF', 'WRN', 'ERR', 'FTL', 'XXX', '');
const knownMessage = fc.constantFrom(
  'Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):',
  '|  https://abc-def-ghi.trycloudflare.com                                                   |',
  'https://api.trycloudflare.com',
  'Registered tunnel connection connIndex=0 connection=abc event=0 ip=198.41.192.7 location=ams01 protocol=quic',
  'Unregistered tunnel connection connIndex=3 error="x"',
  'failed to request quick Tunnel: Post "https://api.trycloudflare.com/tunnel": dial tcp',
  'Provided Tunnel token is not valid.',
  'Registered tunnel connection connIndex=99999999999999999999999',
);
const logLine = fc.oneof(
  fc
    .tuple(fc.date({ noInvalidDate: true }), level, fc.oneof(knownMessage, anyText(120)))
    .map(([date, lvl, message]) => `${date.toISOString()} ${lvl} ${message}`),
  knownMessage,
  anyText(200),
);
/** Lines kept under the parser's 16 KiB partial-line cap, so cutting the stream cannot change them. */
const logStream = fc.array(logLine, { maxLength: 12 }).map((lines) => lines.join('\n'));

const wellFormed = (fact: TunnelLogFact) => {
  switch (fact.kind) {
    case 'url':
      expect(fact.url).toMatch(/^https:\/\/[a-z0-9-]+(\.[a-z0-9-]+)*\.trycloudflare\.com$/);
      expect(fact.url).not.toBe('https://api.trycloudflare.com');
      break;
    case 'registered':
    case 'unregistered':
      expect(Number.isFinite(fact.connIndex)).toBe(true);
      break;
    case 'failed':
      expect(typeof fact.message).toBe('string');
      break;
    case 'log':
      expect(['info', 'warn', 'error', 'debug']).toContain(fact.level);
      expect(typeof fact.message).toBe('string');
      break;
    default:
      throw new Error(`unknown fact ${JSON.stringify(fact)}`);
  }
};

describe('cloudflared log parser fuzz', () => {
  it(
    'never throws, yields only well-formed facts, and is independent of how the stream is chunked',
    () => {
      fc.assert(
        fc.property(logStream, fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
          const whole = new TunnelLogParser();
          const expected = [...whole.push(text), ...whole.push('\n')];
          expected.forEach(wellFormed);
          const points = [...new Set(cuts.map((c) => (text.length === 0 ? 0 : c % text.length)))].sort(
            (a, b) => a - b,
          );
          const chunked = new TunnelLogParser();
          const facts: TunnelLogFact[] = [];
          let from = 0;
          for (const at of [...points, text.length]) {
            facts.push(...chunked.push(text.slice(from, at)));
            from = at;
          }
          facts.push(...chunked.push('\n'));
          expect(facts).toEqual(expected);
        }),
        fuzzOptions(PARSER_RUNS),
      );
    },
    fuzzTimeout(PARSER_RUNS, PER_RUN_MS),
  );
});
