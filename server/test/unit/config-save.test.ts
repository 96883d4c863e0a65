import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirEach } from '../helpers/tempDir.js';
import { writeFileAtomic } from '../../src/util/atomicWrite.js';
import { ConfigError } from '../../src/config/errors.js';
import { ConfigFile } from '../../src/config/save.js';

let dir: string;
let file: string;
useTempDirEach('ferry-config-save-', (fresh) => {
  dir = fresh;
  file = path.join(dir, 'config.json');
});

const posix = process.platform !== 'win32';

async function readJson(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
}

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

async function leftovers(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.tmp'));
}

describe('ConfigFile mutations', () => {
  it('creates the file on the first addServer, 0600, and returns the validated config', async () => {
    const config = await new ConfigFile(file).addServer('github', { command: 'npx', args: ['-y', 'gh'] });
    expect(config.mcpServers.github).toEqual({ command: 'npx', args: ['-y', 'gh'] });
    expect(config.ferry.port).toBe(8790);
    expect(await readJson()).toEqual({ mcpServers: { github: { command: 'npx', args: ['-y', 'gh'] } } });
    if (posix) expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await leftovers()).toEqual([]);
  });

  it('keeps keys it does not know, at every level', async () => {
    await writeFile(
      file,
      JSON.stringify({
        globalShortcut: 'Ctrl+Space',
        mcpServers: { old: { command: 'node', type: 'stdio', extra: { nested: [1, 2] } } },
        ferry: { port: 9000 },
      }),
    );
    await new ConfigFile(file).addServer('new', { command: 'uvx' });
    expect(await readJson()).toEqual({
      globalShortcut: 'Ctrl+Space',
      mcpServers: {
        old: { command: 'node', type: 'stdio', extra: { nested: [1, 2] } },
        new: { command: 'uvx' },
      },
      ferry: { port: 9000 },
    });
  });

  it('refuses a duplicate name and leaves the file byte for byte', async () => {
    const target = new ConfigFile(file);
    await target.addServer('github', { command: 'npx' });
    const before = await readFile(file, 'utf8');
    const error = await rejection(target.addServer('github', { command: 'other' }));
    expect(error.code).toBe('server_exists');
    expect(error.message).toContain('"github"');
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('refuses an invalid server with field-level issues and writes nothing', async () => {
    const target = new ConfigFile(file);
    await target.addServer('ok', { command: 'node' });
    const before = await readFile(file, 'utf8');
    const error = await rejection(target.addServer('bad name', { command: '' }));
    expect(error.code).toBe('config_invalid');
    expect(error.message.split('\n')[0]).toBe('Change not saved: it would make the config invalid.');
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'mcpServers["bad name"]',
      'mcpServers["bad name"].command',
    ]);
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(await leftovers()).toEqual([]);
  });

  it('stores options with addServer and drops them with removeServer', async () => {
    const target = new ConfigFile(file);
    await target.addServer('a', { command: 'x' }, { sessionMode: 'per-session' });
    await target.addServer('b', { command: 'y' });
    expect((await readJson()).ferry).toEqual({ servers: { a: { sessionMode: 'per-session' } } });
    const config = await target.removeServer('a');
    expect(Object.keys(config.mcpServers)).toEqual(['b']);
    expect(await readJson()).toEqual({ mcpServers: { b: { command: 'y' } }, ferry: { servers: {} } });
    expect((await rejection(target.removeServer('a'))).code).toBe('server_not_found');
  });

  it('patches a server: sets given keys, deletes undefined ones, keeps the rest', async () => {
    const target = new ConfigFile(file);
    await target.addServer('a', { command: 'x', cwd: '/tmp', env: { A: '1' }, type: 'stdio' });
    const config = await target.updateServer('a', { args: ['--flag'], cwd: undefined, env: { B: '2' } });
    expect(config.mcpServers.a).toEqual({ command: 'x', args: ['--flag'], env: { B: '2' }, type: 'stdio' });
    expect((await readJson()).mcpServers).toEqual({
      a: { command: 'x', env: { B: '2' }, type: 'stdio', args: ['--flag'] },
    });
    expect((await rejection(target.updateServer('nope', { command: 'y' }))).code).toBe('server_not_found');
    expect((await rejection(target.updateServer('a', { command: '  ' }))).issues[0]?.path).toBe(
      'mcpServers.a.command',
    );
  });

  it('sets and clears disabled without leaving disabled: false behind', async () => {
    const target = new ConfigFile(file);
    await target.addServer('a', { command: 'x' });
    expect((await target.setDisabled('a', true)).mcpServers.a?.disabled).toBe(true);
    expect((await readJson()).mcpServers).toEqual({ a: { command: 'x', disabled: true } });
    expect((await target.setDisabled('a', false)).mcpServers.a?.disabled).toBeUndefined();
    expect((await readJson()).mcpServers).toEqual({ a: { command: 'x' } });
  });

  it('sets, validates and removes per-server options', async () => {
    const target = new ConfigFile(file);
    await target.addServer('a', { command: 'x' });
    const config = await target.setServerOptions('a', { requestTimeoutSeconds: 60 });
    expect(config.ferry.servers.a).toEqual({ sessionMode: 'shared', requestTimeoutSeconds: 60 });
    const error = await rejection(target.setServerOptions('a', { sessionMode: 'sometimes' as 'shared' }));
    expect(error.issues.map((issue) => issue.path)).toEqual(['ferry.servers.a.sessionMode']);
    expect(error.issues[0]?.fix).toBe('use one of "shared", "per-session"');
    await target.setServerOptions('a', undefined);
    expect((await readJson()).ferry).toEqual({ servers: {} });
    expect((await rejection(target.setServerOptions('ghost', {}))).code).toBe('server_not_found');
  });

  it('treats a server named like an Object.prototype member as an ordinary server', async () => {
    const target = new ConfigFile(file);
    expect((await rejection(target.removeServer('toString'))).code).toBe('server_not_found');
    const name: string = 'constructor';
    await target.addServer(name, { command: 'x' });
    expect((await target.setDisabled(name, true)).mcpServers[name]?.disabled).toBe(true);
    expect((await rejection(target.addServer('__proto__', { command: 'x' }))).code).toBe('config_invalid');
  });

  it('picks up edits made to the file by hand between mutations', async () => {
    const target = new ConfigFile(file);
    await target.addServer('a', { command: 'x' });
    await writeFile(file, JSON.stringify({ mcpServers: { a: { command: 'x' }, byHand: { command: 'y' } } }));
    const config = await target.addServer('b', { command: 'z' });
    expect(Object.keys(config.mcpServers).sort()).toEqual(['a', 'b', 'byHand']);
  });

  it('does not rewrite the file when a mutation changes nothing', async () => {
    const target = new ConfigFile(file);
    await target.addServer('a', { command: 'x' });
    const hand = '{"mcpServers":{"a":{"command":"x"}}}';
    await writeFile(file, hand);
    const before = await stat(file);
    await target.setDisabled('a', false);
    expect(await readFile(file, 'utf8')).toBe(hand);
    expect((await stat(file)).ino).toBe(before.ino);
  });

  it('serializes concurrent mutations so none is lost, across instances', async () => {
    const one = new ConfigFile(file);
    const two = new ConfigFile(path.join(dir, '.', 'config.json'));
    const names = Array.from({ length: 12 }, (_, i) => `s${i}`);
    const results = await Promise.allSettled(
      names.map((name, i) => (i % 2 === 0 ? one : two).addServer(name, { command: 'node', args: [name] })),
    );
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(Object.keys((await readJson()).mcpServers as object).sort()).toEqual([...names].sort());
    await Promise.all([
      one.setDisabled('s0', true),
      two.updateServer('s0', { cwd: '/srv' }),
      one.removeServer('s1'),
    ]);
    const final = await one.load();
    expect(final.config.mcpServers.s0).toEqual({
      command: 'node',
      args: ['s0'],
      disabled: true,
      cwd: '/srv',
    });
    expect(final.config.mcpServers.s1).toBeUndefined();
  });

  it('keeps the queue going after a failed mutation', async () => {
    const target = new ConfigFile(file);
    const [failed, ok] = await Promise.allSettled([
      target.removeServer('missing'),
      target.addServer('a', { command: 'x' }),
    ]);
    expect(failed.status).toBe('rejected');
    expect(ok.status).toBe('fulfilled');
  });
});

describe('ConfigFile never overwrites a config it could not load', () => {
  const cases: [string, string, string][] = [
    ['bad JSON', '{\n  "mcpServers": {\n    "a": {"command": "x"},\n  }\n}\n', 'config_syntax'],
    ['a schema violation', '{"mcpServers": {"a": {"command": 5}}, "mine": true}', 'config_invalid'],
  ];

  it.each(cases)('refuses every mutation on %s and leaves the file alone', async (_label, text, code) => {
    await writeFile(file, text);
    const before = await stat(file);
    const target = new ConfigFile(file);
    const attempts = [
      target.addServer('b', { command: 'y' }),
      target.updateServer('a', { command: 'y' }),
      target.removeServer('a'),
      target.setDisabled('a', true),
      target.setServerOptions('a', { sessionMode: 'per-session' }),
      target.update(() => undefined),
    ];
    for (const attempt of attempts) {
      const error = await rejection(attempt);
      expect(error.code).toBe(code);
      expect(error.file).toBe(file);
    }
    expect(await readFile(file, 'utf8')).toBe(text);
    const after = await stat(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(await leftovers()).toEqual([]);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file through a rename, mode 0600, leaving no temp file', async () => {
    await writeFile(file, 'old', { mode: 0o644 });
    const before = await stat(file);
    await writeFileAtomic(file, 'new ✓');
    expect(await readFile(file, 'utf8')).toBe('new ✓');
    const after = await stat(file);
    if (posix) {
      expect(after.mode & 0o777).toBe(0o600);
      expect(after.ino).not.toBe(before.ino);
    }
    expect(await leftovers()).toEqual([]);
  });

  it('creates missing parent directories', async () => {
    const nested = path.join(dir, 'a', 'b', 'config.json');
    await writeFileAtomic(nested, '{}');
    expect(await readFile(nested, 'utf8')).toBe('{}');
  });

  it.runIf(posix)('writes through a symlink to the file it points to', async () => {
    const real = path.join(dir, 'real.json');
    await writeFile(real, 'old');
    const { symlink, lstat } = await import('node:fs/promises');
    await symlink(real, file);
    await writeFileAtomic(file, 'new');
    expect((await lstat(file)).isSymbolicLink()).toBe(true);
    expect(await readFile(real, 'utf8')).toBe('new');
  });

  it('fails the rename onto a directory, leaving it intact and no temp file', async () => {
    await mkdir(file);
    await writeFile(path.join(file, 'inside'), 'keep');
    await expect(writeFileAtomic(file, 'new')).rejects.toThrow();
    expect(await readFile(path.join(file, 'inside'), 'utf8')).toBe('keep');
    expect(await leftovers()).toEqual([]);
  });

  it.runIf(posix)('leaves the old file when the temp file cannot be created', async () => {
    // A 250-character name is legal, but the temp name derived from it exceeds NAME_MAX (255): a real
    // failure of the temp-file step that does not depend on permissions (tests may run as root).
    const long = path.join(dir, `${'c'.repeat(245)}.json`);
    await writeFile(long, 'old content');
    const error = await writeFileAtomic(long, 'new content').catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ENAMETOOLONG');
    expect(await readFile(long, 'utf8')).toBe('old content');
    expect(await readdir(dir)).toEqual([path.basename(long)]);
  });

  it('reports a failed config write as config_io and keeps the old config', async () => {
    const target = new ConfigFile(path.join(dir, `${'c'.repeat(245)}.json`));
    await writeFile(target.path, '{"mcpServers": {}}');
    const error = await rejection(target.addServer('a', { command: 'x' }));
    expect(error.code).toBe('config_io');
    expect(error.message).toContain(target.path);
    expect(await readFile(target.path, 'utf8')).toBe('{"mcpServers": {}}');
  });
});
