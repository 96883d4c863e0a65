import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirEach } from '../helpers/tempDir.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';

let dir: string;
let file: string;
useTempDirEach('ferry-config-load-', (fresh) => {
  dir = fresh;
  file = path.join(dir, 'config.json');
});

async function loadError(text: string): Promise<ConfigError> {
  await writeFile(file, text);
  const error: unknown = await loadConfig(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfig', () => {
  it('treats a missing file as a fresh install with defaults', async () => {
    const loaded = await loadConfig(file);
    expect(loaded.exists).toBe(false);
    expect(loaded.document).toEqual({});
    expect(loaded.config.mcpServers).toEqual({});
    expect(loaded.config.ferry.port).toBe(8790);
    expect(loaded.config.ferry.secretStore).toBe('keychain');
  });

  it('returns the validated config and the raw document with unknown keys', async () => {
    const raw = {
      globalShortcut: 'Ctrl+Space',
      mcpServers: { github: { command: 'npx', args: ['-y', 'server-github'], type: 'stdio' } },
      ferry: { port: 9000 },
    };
    await writeFile(file, JSON.stringify(raw));
    const loaded = await loadConfig(file);
    expect(loaded.exists).toBe(true);
    expect(loaded.document).toEqual(raw);
    expect(loaded.config.ferry.port).toBe(9000);
    expect(loaded.config.ferry.host).toBe('127.0.0.1');
    expect(loaded.config.mcpServers.github?.command).toBe('npx');
  });

  it('accepts a UTF-8 byte order mark and a blank file', async () => {
    await writeFile(file, '\uFEFF{"ferry": {"port": 1234}}');
    expect((await loadConfig(file)).config.ferry.port).toBe(1234);
    await writeFile(file, '  \n');
    const blank = await loadConfig(file);
    expect(blank.exists).toBe(true);
    expect(blank.config.mcpServers).toEqual({});
  });

  it('reports an unreadable path as config_io naming the file', async () => {
    await mkdir(file);
    const error = await loadConfig(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('config_io');
    expect((error as ConfigError).message).toContain(file);
    expect((error as ConfigError).message).toContain('is a directory');
  });
});

describe('loadConfig on invalid JSON', () => {
  it('names the file, line, column and fix for a trailing comma', async () => {
    const error = await loadError('{\n  "mcpServers": {\n    "a": { "command": "x" },\n  }\n}\n');
    expect(error.code).toBe('config_syntax');
    expect(error.file).toBe(file);
    expect(error.line).toBe(3);
    expect(error.column).toBe(28);
    expect(error.message).toBe(
      `${file}:3:28: not valid JSON: trailing comma before "}". Fix: remove this comma.`,
    );
  });

  it('explains single backslashes in Windows paths', async () => {
    const error = await loadError('{"mcpServers": {"fs": {"command": "C:\\Tools\\node.exe"}}}');
    expect(error.line).toBe(1);
    expect(error.column).toBe(38);
    expect(error.message).toContain('invalid escape "\\T"');
    expect(error.message).toContain('write every backslash twice');
  });

  it.each([
    ['{\n  // my servers\n  "mcpServers": {}\n}', 2, 3, 'comments are not allowed in JSON'],
    ["{'mcpServers': {}}", 1, 2, 'property names must be in double quotes'],
    ['{mcpServers: {}}', 1, 2, 'property name mcpServers is not in double quotes'],
    ['{"mcpServers": {"a": {"command": "x"}}', 1, 39, 'the object opened at line 1 column 1 is never closed'],
    ['{"a": 1 "b": 2}', 1, 9, 'expected "," or "}" after the value'],
    ['{"args": ["a", "b",]}', 1, 19, 'trailing comma before "]"'],
    ['{"a": tru}', 1, 7, 'unexpected word "tru"'],
    ['{"a": "one\nline"}', 1, 11, 'line break or control character inside a string'],
    ['{"port": 08790}', 1, 10, 'invalid number'],
    ['{} {}', 1, 4, 'unexpected text after the end of the top-level value'],
    ['{"a": "never closed}', 1, 7, 'this string is never closed'],
  ])('locates %j at %i:%i', async (text, line, column, problem) => {
    const error = await loadError(text);
    expect(error.code).toBe('config_syntax');
    expect([error.line, error.column]).toEqual([line, column]);
    expect(error.message).toContain(`${file}:${line}:${column}:`);
    expect(error.message).toContain(problem);
    expect(error.message).toMatch(/Fix: .+\.$/);
  });
});

describe('loadConfig on schema violations', () => {
  it('lists every issue with file, field path, message and fix', async () => {
    const error = await loadError(
      JSON.stringify({
        mcpServers: {
          github: { command: 'npx', env: { TOKEN: 5 } },
          nocommand: { args: ['x'] },
          badargs: { command: 'node', args: ['ok', 7] },
          'my server': { command: 'node' },
        },
        ferry: { prot: 9000, secretStore: 'vault', restart: { maxExits: 0.5 }, port: -1 },
      }),
    );
    expect(error.code).toBe('config_invalid');
    const byPath = new Map(error.issues.map((issue) => [issue.path, issue]));
    expect([...byPath.keys()].sort()).toEqual(
      [
        'ferry',
        'ferry.port',
        'ferry.restart.maxExits',
        'ferry.secretStore',
        'mcpServers.badargs.args[1]',
        'mcpServers.github.env.TOKEN',
        'mcpServers.nocommand.command',
        'mcpServers["my server"]',
      ].sort(),
    );
    expect(byPath.get('mcpServers.github.env.TOKEN')?.fix).toBe(
      'change it to a string in double quotes (it is the number 5 now)',
    );
    expect(byPath.get('mcpServers.nocommand.command')?.fix).toBe(
      'add "command" to mcpServers.nocommand; it must be a string in double quotes',
    );
    expect(byPath.get('ferry')?.fix).toContain('rename "prot" to "port"');
    expect(byPath.get('ferry.secretStore')?.fix).toBe('use one of "keychain", "file"');
    expect(byPath.get('ferry.restart.maxExits')?.fix).toContain('a whole number');
    expect(byPath.get('ferry.port')?.fix).toBe('use a number at least 0');
    expect(byPath.get('mcpServers["my server"]')?.fix).toContain('"my-server"');

    const lines = error.message.split('\n');
    expect(lines).toHaveLength(error.issues.length);
    for (const line of lines) expect(line).toMatch(new RegExp(`^${escape(file)}: \\S.*: .+\\. Fix: .+\\.$`));
    expect(lines).toContain(
      `${file}: mcpServers.github.env.TOKEN: Invalid input: expected string, received number. ` +
        'Fix: change it to a string in double quotes (it is the number 5 now).',
    );
  });

  it('reports refinements: bad names and options for unknown servers', async () => {
    const error = await loadError(
      JSON.stringify({
        mcpServers: { 'a.b': { command: 'x' } },
        ferry: { servers: { ghost: { sessionMode: 'shared' } } },
      }),
    );
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'ferry.servers.ghost',
      'mcpServers["a.b"]',
    ]);
    expect(error.message).toContain('Fix: remove "ghost" from ferry.servers, or add a server named "ghost"');
  });

  it('allows MCP Inspector as the only extra browser origin by default, and takes exact origins only', async () => {
    expect((await loadConfig(file)).config.ferry.allowedOrigins).toEqual([
      'http://localhost:6274',
      'http://127.0.0.1:6274',
    ]);
    await writeFile(file, JSON.stringify({ ferry: { allowedOrigins: [] } }));
    expect((await loadConfig(file)).config.ferry.allowedOrigins).toEqual([]);
    const error = await loadError(
      JSON.stringify({
        ferry: { allowedOrigins: ['http://localhost:5173/', 'localhost:5173', 'https://a.example/path'] },
      }),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'ferry.allowedOrigins[0]',
      'ferry.allowedOrigins[1]',
      'ferry.allowedOrigins[2]',
    ]);
    expect(error.message).toContain('scheme, host and port only');
  });

  it('rejects a server named after an Object.prototype member only when it has no definition', async () => {
    const error = await loadError(JSON.stringify({ ferry: { servers: { toString: {} } } }));
    expect(error.issues.map((issue) => issue.path)).toEqual(['ferry.servers.toString']);
  });

  it('does not let a server called __proto__ vanish silently', async () => {
    const error = await loadError('{"mcpServers": {"__proto__": {"command": "x"}}}');
    expect(error.issues.map((issue) => issue.path)).toEqual(['mcpServers.__proto__']);
    expect(error.issues[0]?.message).toContain('reserved');
  });

  it('requires a JSON object at the top level', async () => {
    const error = await loadError('[]');
    expect(error.code).toBe('config_invalid');
    expect(error.issues).toEqual([
      expect.objectContaining({ path: '', fix: expect.stringContaining('one JSON object') as unknown }),
    ]);
    expect(error.message).toContain(`${file}: (top level): `);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
