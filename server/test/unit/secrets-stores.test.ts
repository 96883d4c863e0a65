import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../src/secrets/file.js';
import { MemorySecretStore } from '../../src/secrets/memory.js';
import { openSecretStore, secretsFilePath } from '../../src/secrets/open.js';
import { SecretStoreError, type SecretStore } from '../../src/secrets/types.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-secrets-stores-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const posix = process.platform !== 'win32';

async function errorOf(promise: Promise<unknown>): Promise<SecretStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretStoreError);
  return error as SecretStoreError;
}

/** The contract every store meets. */
async function exerciseStore(store: SecretStore): Promise<void> {
  expect(await store.get('env/a/TOKEN')).toBeUndefined();
  await store.set('env/a/TOKEN', 'first');
  expect(await store.get('env/a/TOKEN')).toBe('first');
  await store.set('env/a/TOKEN', 'sëcond ✓ 🔑 "quoted" \n line');
  expect(await store.get('env/a/TOKEN')).toBe('sëcond ✓ 🔑 "quoted" \n line');
  await store.set('oauth/signing-key', '');
  expect(await store.get('oauth/signing-key')).toBe('');
  expect(await store.get('toString')).toBeUndefined();
  expect(await store.delete('env/a/TOKEN')).toBe(true);
  expect(await store.delete('env/a/TOKEN')).toBe(false);
  expect(await store.get('env/a/TOKEN')).toBeUndefined();
  for (const bad of ['', 'has space', 'a'.repeat(201), 'ü']) {
    expect((await errorOf(store.get(bad))).code).toBe('invalid_secret_key');
    expect((await errorOf(store.set(bad, 'v'))).code).toBe('invalid_secret_key');
    expect((await errorOf(store.delete(bad))).code).toBe('invalid_secret_key');
  }
}

describe('MemorySecretStore', () => {
  it('meets the store contract', async () => {
    const store = new MemorySecretStore();
    expect(store.kind).toBe('memory');
    await exerciseStore(store);
  });

  it('starts from initial values', async () => {
    expect(await new MemorySecretStore({ 'a/b': 'c' }).get('a/b')).toBe('c');
  });
});

describe('FileSecretStore', () => {
  it('meets the store contract', async () => {
    const store = new FileSecretStore(path.join(dir, 'secrets.json'));
    expect(store.kind).toBe('file');
    await exerciseStore(store);
  });

  it('persists to a 0600 file that another instance reads', async () => {
    const file = path.join(dir, 'secrets.json');
    await new FileSecretStore(file).set('env/a/KEY', 'value-1');
    expect(await new FileSecretStore(file).get('env/a/KEY')).toBe('value-1');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      version: 1,
      secrets: { 'env/a/KEY': 'value-1' },
    });
    if (posix) expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(['secrets.json']);
  });

  it('tightens a world-readable secrets file', async () => {
    const file = path.join(dir, 'secrets.json');
    await writeFile(file, JSON.stringify({ version: 1, secrets: { k: 'v' } }), { mode: 0o644 });
    expect(await new FileSecretStore(file).get('k')).toBe('v');
    if (posix) expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('refuses to use or overwrite a corrupt file', async () => {
    const file = path.join(dir, 'secrets.json');
    for (const text of [
      '{"version": 1, "secrets": {',
      '{"secrets": {"k": "v"}}',
      '{"version": 1, "secrets": {"k": 1}}',
    ]) {
      await writeFile(file, text);
      const store = new FileSecretStore(file);
      const error = await errorOf(store.set('k', 'new'));
      expect(error.code).toBe('secret_store_io');
      expect(error.message).toContain(file);
      expect(error.message).toContain('will not overwrite');
      expect((await errorOf(store.get('k'))).code).toBe('secret_store_io');
      expect(await readFile(file, 'utf8')).toBe(text);
    }
  });

  it('keeps every one of many concurrent writes', async () => {
    const file = path.join(dir, 'secrets.json');
    const a = new FileSecretStore(file);
    const b = new FileSecretStore(file);
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).set(`k/${i}`, `v${i}`)));
    const stored = (JSON.parse(await readFile(file, 'utf8')) as { secrets: Record<string, string> }).secrets;
    expect(Object.keys(stored)).toHaveLength(20);
    expect(stored['k/7']).toBe('v7');
  });
});

describe('openSecretStore with kind file', () => {
  it('opens secrets.json in the data dir without creating it', async () => {
    const store = await openSecretStore({ kind: 'file', dataDir: dir });
    expect(store.kind).toBe('file');
    expect(await readdir(dir)).toEqual([]);
    await store.set('a', 'b');
    expect(JSON.parse(await readFile(secretsFilePath(dir), 'utf8'))).toEqual({
      version: 1,
      secrets: { a: 'b' },
    });
  });

  it('fails at open, not later, when the file is corrupt', async () => {
    await writeFile(secretsFilePath(dir), 'not json');
    const error = await errorOf(openSecretStore({ kind: 'file', dataDir: dir }));
    expect(error.code).toBe('secret_store_io');
  });
});
