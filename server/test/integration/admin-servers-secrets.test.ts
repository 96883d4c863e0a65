import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { MemorySecretStore } from '../../src/secrets/memory.js';
import { SecretStoreError } from '../../src/secrets/types.js';

/** A secret store whose writes can be made to fail, as a locked or broken keychain does. */
class FlakyStore extends MemorySecretStore {
  failWrites = false;
  override set(key: string, value: string): Promise<void> {
    if (this.failWrites)
      return Promise.reject(new SecretStoreError('secret_store_io', 'the keychain refused the write'));
    return super.set(key, value);
  }
}

const SECRET = 'sk-ferrytest0123456789abcdefXYZ';

describe('adding and editing servers keeps secrets out of the config, and out of the store unless saved', () => {
  let ferry: TestFerry;
  let store: FlakyStore;
  let desktopHome: string;
  const echo = echoServer();
  const admin = (p: string, method = 'GET', body?: unknown) =>
    fetch(`${ferry.runtime.adminUrl as string}/api${p}`, {
      method,
      headers: {
        authorization: `Bearer ${ferry.runtime.adminToken as string}`,
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const config = () => readFile(ferry.configPath, 'utf8');
  const envKeys = () => store.keys().filter((k) => k.startsWith('env/'));

  beforeAll(async () => {
    // Claude Desktop's config at its Linux place under a home of this test's own (this worker only).
    desktopHome = await mkdtemp(path.join(os.tmpdir(), 'ferry-desktop-'));
    process.env.XDG_CONFIG_HOME = desktopHome;
    await mkdir(path.join(desktopHome, 'Claude'));
    await writeFile(
      path.join(desktopHome, 'Claude', 'claude_desktop_config.json'),
      JSON.stringify({
        mcpServers: {
          notes: { command: echo.command, args: echo.args, env: { NOTES_API_KEY: SECRET } },
          remote: { url: 'https://mcp.example.com/sse' },
        },
      }),
    );
    store = new FlakyStore();
    ferry = await startFerry({ echo: echo }, { secrets: store });
    await serverState(ferry, 'echo', 'ready');
  });
  afterAll(async () => {
    await ferry?.stop();
    await rm(desktopHome, { recursive: true, force: true });
  });

  it('stores a secret typed in an edit only once the whole edit is valid', async () => {
    const before = await config();
    const res = await admin('/servers/echo', 'PATCH', {
      spec: { command: '' },
      envChanges: { set: { OPENAI_API_KEY: SECRET } },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_input');
    expect(envKeys()).toEqual([]);
    expect(await config()).toBe(before);
  });

  it('leaves the config untouched when the secret store refuses the write', async () => {
    const before = await config();
    store.failWrites = true;
    try {
      const res = await admin('/servers/echo', 'PATCH', { envChanges: { set: { OPENAI_API_KEY: SECRET } } });
      expect(res.status).toBe(503);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('unavailable');
      expect(error.message).toMatch(
        /^OPENAI_API_KEY could not be saved in the secret store, so nothing was changed/,
      );
    } finally {
      store.failWrites = false;
    }
    expect(await config()).toBe(before);
    expect(envKeys()).toEqual([]);
  });

  it('saves a valid edit with a reference in the config, and forgets the secret once the variable goes', async () => {
    const set = await admin('/servers/echo', 'PATCH', { envChanges: { set: { OPENAI_API_KEY: SECRET } } });
    expect(set.status).toBe(200);
    expect(((await set.json()) as { secretEnvNames: string[] }).secretEnvNames).toEqual(['OPENAI_API_KEY']);
    expect(await config()).not.toContain(SECRET);
    expect(await store.get('env/echo/OPENAI_API_KEY')).toBe(SECRET);
    const removed = await admin('/servers/echo', 'PATCH', { envChanges: { remove: ['OPENAI_API_KEY'] } });
    expect(removed.status).toBe(200);
    expect(envKeys()).toEqual([]);
  });

  it('adds a server with its secret-looking env value in the store, and none for a refused add', async () => {
    const refused = await admin('/servers', 'POST', {
      name: 'echo',
      spec: {
        command: echo.command,
        args: echo.args,
        env: { GITHUB_TOKEN: 'ghp_ferrytestABCDEFGHIJKLMNOPQRSTUV' },
      },
    });
    expect(refused.status).toBe(409);
    const invalid = await admin('/servers', 'POST', {
      name: 'other',
      spec: { command: '', env: { GITHUB_TOKEN: 'ghp_ferrytestABCDEFGHIJKLMNOPQRSTUV' } },
    });
    expect(invalid.status).toBe(400);
    expect(envKeys()).toEqual([]);
    const added = await admin('/servers', 'POST', {
      name: 'other',
      spec: {
        command: echo.command,
        args: echo.args,
        env: { GITHUB_TOKEN: 'ghp_ferrytestABCDEFGHIJKLMNOPQRSTUV', MODE: 'x' },
      },
    });
    expect(added.status).toBe(200);
    const text = await config();
    expect(text).not.toContain('ghp_ferrytest');
    const saved = JSON.parse(text) as { mcpServers: Record<string, { env?: Record<string, string> }> };
    expect(saved.mcpServers.other?.env).toEqual({
      GITHUB_TOKEN: '${secret:env/other/GITHUB_TOKEN}',
      MODE: 'x',
    });
    expect(envKeys()).toEqual(['env/other/GITHUB_TOKEN']);
    expect((await admin('/servers/other', 'DELETE')).status).toBe(200);
    expect(envKeys()).toEqual([]);
  });

  it('previews an import of Claude Desktop’s config without writing or storing anything', async () => {
    const before = await config();
    const res = await admin('/servers/import', 'POST', { fromClaudeDesktop: true, preview: true });
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      source: string;
      imported: { name: string; movedSecrets: string[]; command?: string }[];
      skipped: { name: string; reason: string }[];
    };
    expect(report.source).toBe(path.join(desktopHome, 'Claude', 'claude_desktop_config.json'));
    expect(report.imported).toEqual([
      { name: 'notes', movedSecrets: ['NOTES_API_KEY'], replaced: false, command: echo.command },
    ]);
    expect(report.skipped.map((s) => s.name)).toEqual(['remote']);
    expect(JSON.stringify(report)).not.toContain(SECRET);
    expect(await config()).toBe(before);
    expect(envKeys()).toEqual([]);
    // Then the import itself.
    const imported = await admin('/servers/import', 'POST', { fromClaudeDesktop: true });
    expect(imported.status).toBe(200);
    expect(await config()).not.toContain(SECRET);
    expect(await store.get('env/notes/NOTES_API_KEY')).toBe(SECRET);
    // Imported again: the clash says what to do in the window's words, not with a CLI flag.
    const again = (await (
      await admin('/servers/import', 'POST', { fromClaudeDesktop: true, preview: true })
    ).json()) as { skipped: { name: string; reason: string }[] };
    const clash = again.skipped.find((s) => s.name === 'notes')?.reason ?? '';
    expect(clash).toContain('remove or rename the one Ferry has first');
    expect(clash).not.toContain('--overwrite');
  });

  it('refuses bad import bodies with spec-shaped 400s', async () => {
    for (const body of [
      { preview: 'yes', fromClaudeDesktop: true },
      {},
      { servers: {}, fromClaudeDesktop: true },
      { servers: [] },
      '{not json',
    ]) {
      const res = await admin('/servers/import', 'POST', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('invalid_input');
      expect(error.message.length).toBeGreaterThan(0);
    }
  });
});
