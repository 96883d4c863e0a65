import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigError } from '../../src/config/errors.js';
import { formatImportReport, importClaudeDesktop } from '../../src/config/import.js';
import { ConfigFile } from '../../src/config/save.js';
import { MemorySecretStore } from '../../src/secrets/memory.js';
import { resolveEnv } from '../../src/secrets/resolve.js';
import { SecretStoreError } from '../../src/secrets/types.js';

const GITHUB_TOKEN = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
const ANTHROPIC_KEY = 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx0123';
const DB_PASSWORD = 'correct horse battery staple';

/** Shaped like a real claude_desktop_config.json, with every case the importer must handle. */
const CLAUDE_CONFIG = {
  globalShortcut: 'Alt+Space',
  mcpServers: {
    github: {
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-github'],
      env: { GITHUB_PERSONAL_ACCESS_TOKEN: GITHUB_TOKEN },
    },
    filesystem: {
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-filesystem', '/Users/me/Desktop', '/Users/me/Downloads'],
    },
    summarizer: {
      command: 'uvx',
      args: ['summarizer-mcp'],
      env: { UPSTREAM: ANTHROPIC_KEY, LOG_LEVEL: 'debug', DB_PASSWORD },
    },
    linear: { url: 'https://mcp.linear.app/sse?api_key=lin_api_SECRETSECRETSECRET' },
    'remote-typed': { type: 'streamable-http', command: 'ignored' },
    'my server': { command: 'node', args: ['server.js'] },
    broken: { command: '', args: 'not-a-list' },
    notes: { command: 'python3', args: ['-m', 'notes_mcp'] },
  },
};

let dir: string;
let source: string;
let target: ConfigFile;
let store: MemorySecretStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-config-import-'));
  source = path.join(dir, 'claude_desktop_config.json');
  await writeFile(source, JSON.stringify(CLAUDE_CONFIG, null, 2));
  target = new ConfigFile(path.join(dir, 'ferry', 'config.json'));
  // Ferry already has a server named like one of Claude's, plus keys of its own that must survive.
  await target.update((document) => {
    document.mcpServers = { notes: { command: 'node', args: ['my-notes.js'] } };
    document.ferry = { port: 9100, servers: { notes: { sessionMode: 'per-session' } } };
    document.comment = 'kept by hand';
  });
  store = new MemorySecretStore();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('importClaudeDesktop', () => {
  it('imports local servers, moves secrets, and skips what it cannot take, saying why', async () => {
    const report = await importClaudeDesktop({
      sourcePath: source,
      target,
      secrets: store,
      moveSecrets: 'detected',
    });

    expect(report.source).toBe(source);
    expect(report.target).toBe(target.path);
    expect(report.secretStore).toBe('memory');
    expect(report.imported).toEqual([
      { name: 'github', movedSecrets: ['GITHUB_PERSONAL_ACCESS_TOKEN'], replaced: false },
      { name: 'filesystem', movedSecrets: [], replaced: false },
      { name: 'summarizer', movedSecrets: ['UPSTREAM', 'DB_PASSWORD'], replaced: false },
    ]);
    const reasons = Object.fromEntries(report.skipped.map(({ name, reason }) => [name, reason]));
    expect(Object.keys(reasons)).toEqual(['linear', 'remote-typed', 'my server', 'broken', 'notes']);
    expect(reasons.linear).toMatch(/^remote server \(url https:\/\/mcp\.linear\.app\).*custom connector/);
    expect(reasons['remote-typed']).toContain('type "streamable-http"');
    expect(reasons['my server']).toMatch(/^invalid name: .*rename it/);
    expect(reasons.broken).toMatch(/^invalid definition: .*command.*args/);
    expect(reasons.notes).toContain('already has a server with this name');

    // The written config holds references, not the credentials.
    const text = await readFile(target.path, 'utf8');
    for (const secret of [GITHUB_TOKEN, ANTHROPIC_KEY, DB_PASSWORD, 'lin_api_'])
      expect(text).not.toContain(secret);
    expect(text).toContain(
      '"GITHUB_PERSONAL_ACCESS_TOKEN": "${secret:env/github/GITHUB_PERSONAL_ACCESS_TOKEN}"',
    );
    expect(text).toContain('"LOG_LEVEL": "debug"');
    if (process.platform !== 'win32') expect((await stat(target.path)).mode & 0o777).toBe(0o600);

    const { config, document } = await target.load();
    expect(document.comment).toBe('kept by hand');
    expect(document.globalShortcut).toBeUndefined();
    expect(config.ferry.port).toBe(9100);
    expect(config.mcpServers.notes?.args).toEqual(['my-notes.js']);
    expect(config.mcpServers.filesystem).toEqual(CLAUDE_CONFIG.mcpServers.filesystem);
    expect(store.keys().sort()).toEqual([
      'env/github/GITHUB_PERSONAL_ACCESS_TOKEN',
      'env/summarizer/DB_PASSWORD',
      'env/summarizer/UPSTREAM',
    ]);

    // And the server still gets the real values when it is spawned.
    expect(await resolveEnv(config.mcpServers.summarizer?.env, store, 'summarizer')).toEqual({
      UPSTREAM: ANTHROPIC_KEY,
      LOG_LEVEL: 'debug',
      DB_PASSWORD,
    });
    expect(await resolveEnv(config.mcpServers.github?.env, store, 'github')).toEqual({
      GITHUB_PERSONAL_ACCESS_TOKEN: GITHUB_TOKEN,
    });
  });

  it('describes the result for the terminal without leaking credentials', async () => {
    const report = await importClaudeDesktop({
      sourcePath: source,
      target,
      secrets: store,
      moveSecrets: 'detected',
    });
    const lines = formatImportReport(report);
    expect(lines[0]).toBe(`Imported 3 servers from ${source} into ${target.path}:`);
    expect(lines).toContain(
      '  + github (moved GITHUB_PERSONAL_ACCESS_TOKEN to memory (gone when Ferry exits))',
    );
    expect(lines).toContain('  + filesystem');
    expect(lines).toContain('Skipped 5 servers:');
    expect(lines.some((line) => line.startsWith('  - linear: remote server'))).toBe(true);
    expect(lines.join('\n')).not.toContain('SECRET');
  });

  it('replaces clashing servers with overwrite, keeping their Ferry options', async () => {
    const report = await importClaudeDesktop({
      sourcePath: source,
      target,
      secrets: store,
      moveSecrets: 'detected',
      overwrite: true,
    });
    expect(report.imported.find((s) => s.name === 'notes')).toEqual({
      name: 'notes',
      movedSecrets: [],
      replaced: true,
    });
    const { config } = await target.load();
    expect(config.mcpServers.notes).toEqual({ command: 'python3', args: ['-m', 'notes_mcp'] });
    expect(config.ferry.servers.notes?.sessionMode).toBe('per-session');
    expect(formatImportReport(report)).toContain('  + notes (replaced the existing server)');
  });

  it('leaves values in place with moveSecrets none, and needs no store for that', async () => {
    const report = await importClaudeDesktop({ sourcePath: source, target, moveSecrets: 'none' });
    expect(report.imported.every((s) => s.movedSecrets.length === 0)).toBe(true);
    expect(report.secretStore).toBeUndefined();
    expect(await readFile(target.path, 'utf8')).toContain(GITHUB_TOKEN);
  });

  it('moves every env value with moveSecrets all', async () => {
    const report = await importClaudeDesktop({
      sourcePath: source,
      target,
      secrets: store,
      moveSecrets: 'all',
    });
    expect(report.imported.find((s) => s.name === 'summarizer')?.movedSecrets).toEqual([
      'UPSTREAM',
      'LOG_LEVEL',
      'DB_PASSWORD',
    ]);
    expect(await readFile(target.path, 'utf8')).not.toContain('debug');
  });

  it('requires a store when secrets are to move', async () => {
    await expect(
      importClaudeDesktop({ sourcePath: source, target, moveSecrets: 'detected' }),
    ).rejects.toThrow(/needs a secret store/);
  });

  it('writes nothing when a second import finds everything already there', async () => {
    await importClaudeDesktop({ sourcePath: source, target, secrets: store, moveSecrets: 'detected' });
    const before = await stat(target.path);
    const text = await readFile(target.path, 'utf8');
    const again = await importClaudeDesktop({
      sourcePath: source,
      target,
      secrets: store,
      moveSecrets: 'detected',
    });
    expect(again.imported).toEqual([]);
    expect(again.skipped.filter((s) => s.reason.includes('already has'))).toHaveLength(4);
    expect(await readFile(target.path, 'utf8')).toBe(text);
    expect((await stat(target.path)).ino).toBe(before.ino);
    expect(formatImportReport(again)[0]).toBe(`Imported nothing from ${source}.`);
  });

  it('names the path when the source is missing or not JSON', async () => {
    const missing = path.join(dir, 'nope.json');
    const notFound = await importClaudeDesktop({ sourcePath: missing, target, moveSecrets: 'none' }).catch(
      (e: unknown) => e,
    );
    expect((notFound as ConfigError).code).toBe('config_not_found');
    expect((notFound as ConfigError).message).toContain(missing);

    await writeFile(source, '{ "mcpServers": { "a": { "command": "x" }, } }');
    const syntax = await importClaudeDesktop({ sourcePath: source, target, moveSecrets: 'none' }).catch(
      (e: unknown) => e,
    );
    expect((syntax as ConfigError).code).toBe('config_syntax');
    expect((syntax as ConfigError).message).toContain(`${source}:1:`);

    await writeFile(source, '{ "mcpServers": [] }');
    const shape = await importClaudeDesktop({ sourcePath: source, target, moveSecrets: 'none' }).catch(
      (e: unknown) => e,
    );
    expect((shape as ConfigError).code).toBe('config_invalid');
    expect((shape as ConfigError).issues[0]?.path).toBe('mcpServers');
  });

  it('reports an empty Claude config as nothing found', async () => {
    await writeFile(source, '{"globalShortcut": ""}');
    const report = await importClaudeDesktop({ sourcePath: source, target, moveSecrets: 'none' });
    expect(formatImportReport(report)).toEqual([`No MCP servers found in ${source}.`]);
  });

  it('moves no secret when Ferry’s config cannot be loaded', async () => {
    await writeFile(target.path, '{ broken');
    const error = await importClaudeDesktop({
      sourcePath: source,
      target,
      secrets: store,
      moveSecrets: 'all',
    }).catch((e: unknown) => e);
    expect((error as ConfigError).code).toBe('config_syntax');
    expect(store.keys()).toEqual([]);
    expect(await readFile(target.path, 'utf8')).toBe('{ broken');
  });

  it('puts the store back and writes nothing when moving a secret fails midway', async () => {
    await store.set('env/summarizer/UPSTREAM', 'value from an earlier import');
    const before = await readFile(target.path, 'utf8');
    let sets = 0;
    const realSet = store.set.bind(store);
    // The keychain failing on the third write: a boundary failure, injected at the boundary.
    store.set = (key, value) =>
      ++sets === 3
        ? Promise.reject(new SecretStoreError('keychain_unavailable', 'locked'))
        : realSet(key, value);
    const error = await importClaudeDesktop({
      sourcePath: source,
      target,
      secrets: store,
      moveSecrets: 'detected',
    }).catch((e: unknown) => e);
    expect((error as SecretStoreError).code).toBe('keychain_unavailable');
    store.set = realSet;
    expect(store.keys()).toEqual(['env/summarizer/UPSTREAM']);
    expect(await store.get('env/summarizer/UPSTREAM')).toBe('value from an earlier import');
    expect(await readFile(target.path, 'utf8')).toBe(before);
  });

  it('skips a server whose secret-looking env var cannot become a key, rather than write it in plain text', async () => {
    await writeFile(
      source,
      JSON.stringify({ mcpServers: { odd: { command: 'x', env: { 'MY TOKEN': 'abc' } } } }),
    );
    const report = await importClaudeDesktop({
      sourcePath: source,
      target,
      secrets: store,
      moveSecrets: 'detected',
    });
    expect(report.imported).toEqual([]);
    expect(report.skipped[0]?.reason).toContain('env MY TOKEN');
    expect(await readFile(target.path, 'utf8')).not.toContain('abc');
  });
});
