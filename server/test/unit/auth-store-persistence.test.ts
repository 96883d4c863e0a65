import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from '../../src/util/atomicWrite.js';
import type { AuthStore } from '../../src/auth/store/index.js';
import {
  AuthStoreError,
  hashTokenId,
  type AdapterPayload,
  type AuthStoreOptions,
} from '../../src/auth/store/index.js';
import { at, storedClient, T0, useAuthStore } from '../helpers/authStore.js';

// Every write goes through the real function; the spy counts them and can make one fail.
vi.mock('../../src/util/atomicWrite.js', async (importOriginal) => {
  const actual = await importOriginal<{ writeFileAtomic: typeof writeFileAtomic }>();
  return { writeFileAtomic: vi.fn(actual.writeFileAtomic) };
});
const writes = vi.mocked(writeFileAtomic);

const fx = useAuthStore('ferry-auth-store-persist-');
const posix = process.platform !== 'win32';
const openStore = (options: AuthStoreOptions = {}) => fx.open(options);

beforeEach(() => {
  writes.mockClear();
});

async function errorOf(promise: Promise<unknown>): Promise<AuthStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthStoreError);
  return error as AuthStoreError;
}

async function tempFiles(): Promise<string[]> {
  return (await readdir(fx.dir)).filter((name) => name.endsWith('.tmp'));
}

const RT = 'persisted-refresh-token-value-abcdefghijklmnopqrstuvwxyz';

const client = (id: string, extra: AdapterPayload = {}) => storedClient(id, `Claude ${id}`, extra);
const grant = (clientId: string, extra: AdapterPayload = {}): AdapterPayload => ({
  kind: 'Grant',
  accountId: 'owner',
  clientId,
  resources: { 'https://ferry.example/mcp': 'mcp' },
  ...extra,
});
const token = (kind: string, clientId: string, grantId: string): AdapterPayload => ({
  kind,
  clientId,
  grantId,
  accountId: 'owner',
});

/** A client with a grant, a refresh token, and one entry of each in-memory model. */
async function populate(store: AuthStore): Promise<void> {
  await store.adapterFor('Client').upsert('c1', client('c1'));
  await store.adapterFor('Grant').upsert('g1', grant('c1', { jti: 'g1' }), 14 * 86400);
  await store.adapterFor('RefreshToken').upsert(RT, { ...token('RefreshToken', 'c1', 'g1'), jti: RT }, 86400);
  await store.adapterFor('AccessToken').upsert('at-1', token('AccessToken', 'c1', 'g1'), 3600);
  await store.adapterFor('AuthorizationCode').upsert('code-1', token('AuthorizationCode', 'c1', 'g1'), 60);
  await store.adapterFor('Session').upsert('s1', { uid: 'u1', accountId: 'owner' }, 86400);
  await store.adapterFor('Interaction').upsert('i1', { kind: 'Interaction' }, 3600);
}

describe('AuthStore persistence', () => {
  it('keeps Client, Grant and RefreshToken across close/open and forgets the in-memory models', async () => {
    const first = await openStore();
    await populate(first);
    fx.clock = at(10);
    await first.adapterFor('RefreshToken').consume(RT);
    await first.close();

    fx.clock = at(100);
    const second = await openStore();
    expect(await second.adapterFor('Client').find('c1')).toEqual(client('c1'));
    expect(await second.adapterFor('Grant').find('g1')).toEqual(grant('c1', { jti: 'g1' }));
    expect(second.grantExists('g1')).toBe(true);
    expect(await second.adapterFor('RefreshToken').find(RT)).toEqual({
      ...token('RefreshToken', 'c1', 'g1'),
      jti: RT,
      consumed: T0 + 10,
    });
    expect(await second.adapterFor('AccessToken').find('at-1')).toBeUndefined();
    expect(await second.adapterFor('AuthorizationCode').find('code-1')).toBeUndefined();
    expect(await second.adapterFor('Session').find('s1')).toBeUndefined();
    expect(await second.adapterFor('Session').findByUid('u1')).toBeUndefined();
    expect(await second.adapterFor('Interaction').find('i1')).toBeUndefined();
    // Indexes are rebuilt on load.
    await second.adapterFor('RefreshToken').revokeByGrantId('g1');
    expect(await second.adapterFor('RefreshToken').find(RT)).toBeUndefined();
    expect(second.listClients()[0]?.createdAt).toBe(T0);
  });

  it('writes the versioned layout, mode 0600, with no raw refresh token and no temp files left', async () => {
    const store = await openStore();
    await populate(store);
    await store.flush();
    const text = await readFile(fx.file, 'utf8');
    expect(text).not.toContain(RT);
    expect(JSON.parse(text)).toEqual({
      version: 1,
      models: {
        Client: { c1: { createdAt: T0, approvedAt: T0, payload: client('c1') } },
        Grant: { g1: { createdAt: T0, expiresAt: T0 + 14 * 86400, payload: grant('c1', { jti: 'g1' }) } },
        RefreshToken: {
          [hashTokenId(RT)]: {
            createdAt: T0,
            expiresAt: T0 + 86400,
            payload: token('RefreshToken', 'c1', 'g1'),
          },
        },
      },
    });
    if (posix) expect((await stat(fx.file)).mode & 0o777).toBe(0o600);
    expect(await tempFiles()).toEqual([]);
  });

  it('does not load entries that expired while Ferry was stopped, and drops them from the file', async () => {
    const first = await openStore();
    await first.adapterFor('Grant').upsert('short', grant('c1'), 60);
    await first.adapterFor('Grant').upsert('long', grant('c1'), 6000);
    await first.close();
    fx.clock = at(60);
    const second = await openStore();
    expect(second.grantExists('short')).toBe(false);
    expect(second.grantExists('long')).toBe(true);
    await second.adapterFor('Grant').upsert('other', grant('c2'), 6000);
    const state = JSON.parse(await readFile(fx.file, 'utf8')) as { models: { Grant: object } };
    expect(Object.keys(state.models.Grant)).toEqual(['long', 'other']);
  });

  it('upsert of a persisted model resolves only once the change is on disk', async () => {
    const store = await openStore();
    await store.adapterFor('Grant').upsert('g1', grant('c1'), 600);
    const state = JSON.parse(await readFile(fx.file, 'utf8')) as { models: { Grant: object } };
    expect(Object.keys(state.models.Grant)).toEqual(['g1']);
  });

  it('coalesces concurrent upserts into one write that holds all of them', async () => {
    const store = await openStore();
    const ids = Array.from({ length: 25 }, (_, i) => `client-${i}`);
    await Promise.all(
      ids.flatMap((id, i) => [
        store.adapterFor('Client').upsert(id, client(id)),
        store.adapterFor('Grant').upsert(`grant-${i}`, grant(id), 600),
        store
          .adapterFor('RefreshToken')
          .upsert(`rt-${i}-${RT}`, token('RefreshToken', id, `grant-${i}`), 600),
      ]),
    );
    expect(writes).toHaveBeenCalledTimes(1);
    const state = JSON.parse(await readFile(fx.file, 'utf8')) as { models: Record<string, object> };
    expect(Object.keys(state.models.Client ?? {})).toEqual(ids);
    expect(Object.keys(state.models.Grant ?? {})).toHaveLength(25);
    expect(Object.keys(state.models.RefreshToken ?? {})).toHaveLength(25);
    await store.flush();
    expect(writes).toHaveBeenCalledTimes(1);
  });

  it('never writes for in-memory models', async () => {
    const store = await openStore();
    await store.adapterFor('Session').upsert('s1', { uid: 'u1' }, 600);
    await store.adapterFor('AccessToken').upsert('at', token('AccessToken', 'c1', 'g1'), 600);
    await store.flush();
    expect(writes).not.toHaveBeenCalled();
  });

  it('flush() writes pending changes at once instead of after the delay', async () => {
    const store = await openStore({ flushDelayMs: 60_000 });
    const pending = store.adapterFor('Grant').upsert('g1', grant('c1'), 600);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(writes).not.toHaveBeenCalled();
    await store.flush();
    await pending;
    expect(writes).toHaveBeenCalledTimes(1);
    expect(await readFile(fx.file, 'utf8')).toContain('"g1"');
  });
});

describe('AuthStore write failures and shutdown', () => {
  it('rejects the upsert with auth_state_io when the write fails, and the next write carries the change', async () => {
    const store = await openStore();
    writes.mockRejectedValueOnce(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    const error = await errorOf(store.adapterFor('Grant').upsert('g1', grant('c1'), 600));
    expect(error.code).toBe('auth_state_io');
    expect(error.message).toContain(fx.file);
    expect(error.message).toContain('free some disk space');
    await store.flush();
    const state = JSON.parse(await readFile(fx.file, 'utf8')) as { models: { Grant: object } };
    expect(Object.keys(state.models.Grant)).toEqual(['g1']);
  });

  it('reports a failed background write through onWriteError', async () => {
    const onWriteError = vi.fn();
    const store = await openStore({ onWriteError });
    await store.adapterFor('Client').upsert('c1', client('c1'));
    await store.adapterFor('Grant').upsert('g1', grant('c1'), 600);
    writes.mockRejectedValueOnce(new Error('EIO'));
    fx.clock = at(120);
    store.touchClient('c1');
    await vi.waitFor(() => expect(onWriteError).toHaveBeenCalledTimes(1));
    expect(onWriteError.mock.calls[0]?.[0]).toBeInstanceOf(AuthStoreError);
    await store.flush();
    const state = JSON.parse(await readFile(fx.file, 'utf8')) as {
      models: { Client: Record<string, { lastUsedAt?: number }> };
    };
    expect(state.models.Client.c1?.lastUsedAt).toBe(T0 + 120);
  });

  it('close() writes what is pending and refuses persisted changes afterwards', async () => {
    const store = await openStore({ flushDelayMs: 60_000 });
    const pending = store.adapterFor('Grant').upsert('g1', grant('c1'), 600);
    await store.close();
    await pending;
    expect(writes).toHaveBeenCalledTimes(1);
    const error = await errorOf(store.adapterFor('Grant').upsert('g2', grant('c1'), 600));
    expect(error.code).toBe('auth_store_closed');
    await expect(store.adapterFor('Session').upsert('s1', { uid: 'u1' }, 60)).resolves.toBeUndefined();
  });
});

describe('AuthStore refuses a state file it cannot read', () => {
  const cases: [string, string, string][] = [
    ['not JSON', '{"version": 1, "models": {', 'auth_state_corrupt'],
    ['not an object', '[]', 'auth_state_corrupt'],
    ['no version', '{"models": {}}', 'auth_state_corrupt'],
    ['a model that is not an object', '{"version": 1, "models": {"Client": []}}', 'auth_state_corrupt'],
    ['an unknown model', '{"version": 1, "models": {"Session": {}}}', 'auth_state_corrupt'],
    [
      'an entry without createdAt',
      '{"version": 1, "models": {"Grant": {"g1": {"payload": {}}}}}',
      'auth_state_corrupt',
    ],
    [
      'a non-numeric expiry',
      '{"version": 1, "models": {"Grant": {"g1": {"createdAt": 1, "expiresAt": "soon", "payload": {}}}}}',
      'auth_state_corrupt',
    ],
    ['a newer version', '{"version": 2, "models": {}}', 'auth_state_version'],
  ];

  it.each(cases)('with %s, and leaves it byte for byte', async (_label, text, code) => {
    await writeFile(fx.file, text);
    const error = await errorOf(openStore());
    expect(error.code).toBe(code);
    expect(error.file).toBe(fx.file);
    expect(error.message).toContain(fx.file);
    expect(error.message).toMatch(/move (it|the file) aside/);
    expect(await readFile(fx.file, 'utf8')).toBe(text);
    expect(await tempFiles()).toEqual([]);
  });

  it('reports an unreadable path as auth_state_io', async () => {
    await mkdir(fx.file);
    const error = await errorOf(openStore());
    expect(error.code).toBe('auth_state_io');
    expect(error.message).toContain('is a directory');
  });

  it('starts fresh when the file does not exist, without creating it until something is saved', async () => {
    const store = await openStore();
    expect(store.listClients()).toEqual([]);
    await store.close();
    expect(await readdir(fx.dir)).toEqual([]);
  });

  it('accepts a file with models missing', async () => {
    await writeFile(fx.file, '{"version": 1, "models": {"Client": {"c1": {"createdAt": 5, "payload": {}}}}}');
    const store = await openStore();
    expect(store.hasClient('c1')).toBe(true);
  });
});
