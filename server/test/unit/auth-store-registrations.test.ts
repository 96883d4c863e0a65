import { readFile, stat, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { clientSecretMatches } from '../../src/auth/store/clientSecret.js';
import type { AuthStore } from '../../src/auth/store/index.js';
import { type AdapterPayload, type AuthStoreOptions } from '../../src/auth/store/index.js';
import { at, storedClient, T0, useAuthStore } from '../helpers/authStore.js';

const fx = useAuthStore('ferry-auth-store-reg-', 'oauth-state.json');
const openStore = (options: AuthStoreOptions = {}) => fx.open({ flushDelayMs: 5, ...options });

const client = (id: string, extra: AdapterPayload = {}) => storedClient(id, `client ${id}`, extra);

async function register(store: AuthStore, id: string, extra: AdapterPayload = {}): Promise<void> {
  await store.adapterFor('Client').upsert(id, client(id, extra));
}

async function approve(store: AuthStore, clientId: string, grantId: string): Promise<void> {
  await store
    .adapterFor('Grant')
    .upsert(grantId, { kind: 'Grant', accountId: 'owner', clientId, jti: grantId }, 86400);
}

async function onDisk(): Promise<{ models: Record<string, Record<string, Record<string, unknown>>> }> {
  return JSON.parse(await readFile(fx.file, 'utf8')) as {
    models: Record<string, Record<string, Record<string, unknown>>>;
  };
}

describe('never-approved registrations stay out of the state file', () => {
  it('50 registrations nobody approves leave oauth-state.json byte for byte as it was', async () => {
    const store = await openStore();
    await register(store, 'known');
    await approve(store, 'known', 'g1');
    const before = await readFile(fx.file, 'utf8');
    const mtime = (await stat(fx.file)).mtimeMs;

    for (let i = 0; i < 50; i++) await register(store, `drive-by-${i}`, { client_name: 'x'.repeat(200) });
    await store.flush();

    expect(await readFile(fx.file, 'utf8')).toBe(before);
    expect((await stat(fx.file)).mtimeMs).toBe(mtime);
    // Still served from memory: oidc-provider finds them through the adapter.
    expect(await store.adapterFor('Client').find('drive-by-49')).toMatchObject({ client_id: 'drive-by-49' });
    expect(store.listClients().filter((c) => c.state === 'registered')).toHaveLength(50);
  });

  it('writes a client with its first grant, and a restart keeps it but forgets the unapproved', async () => {
    const first = await openStore();
    await register(first, 'approved');
    await register(first, 'pending');
    expect(first.listClients().map((c) => [c.clientId, c.state])).toEqual([
      ['approved', 'registered'],
      ['pending', 'registered'],
    ]);
    fx.clock = at(30);
    await approve(first, 'approved', 'g1');
    // On disk as soon as the grant's upsert resolves: the client goes with its first grant.
    const state = await onDisk();
    expect(Object.keys(state.models.Client ?? {})).toEqual(['approved']);
    expect(state.models.Client?.approved).toMatchObject({ createdAt: T0, approvedAt: T0 + 30 });
    expect(first.listClients().map((c) => [c.clientId, c.state])).toEqual([
      ['approved', 'approved'],
      ['pending', 'registered'],
    ]);
    await first.close();

    const second = await openStore();
    expect(await second.adapterFor('Client').find('approved')).toMatchObject({ client_id: 'approved' });
    expect(await second.adapterFor('Client').find('pending')).toBeUndefined();
    expect(second.listClients().map((c) => [c.clientId, c.state])).toEqual([['approved', 'approved']]);
  });

  it('keeps at most maxUnapprovedClients registrations, dropping the oldest, never an approved one', async () => {
    const store = await openStore({ maxUnapprovedClients: 3 });
    await register(store, 'old-approved');
    await approve(store, 'old-approved', 'g1');
    for (const id of ['r1', 'r2', 'r3', 'r4', 'r5']) await register(store, id);
    expect(store.listClients().map((c) => c.clientId)).toEqual(['old-approved', 'r3', 'r4', 'r5']);
    expect(await store.adapterFor('Client').find('r1')).toBeUndefined();
  });

  it('an approved client revoked through its grant stays approved and on disk', async () => {
    const store = await openStore();
    await register(store, 'c1');
    await approve(store, 'c1', 'g1');
    await store.adapterFor('Grant').destroy('g1');
    expect(store.listClients()[0]).toMatchObject({ clientId: 'c1', state: 'approved', grants: [] });
    expect(Object.keys((await onDisk()).models.Client ?? {})).toEqual(['c1']);
  });
});

describe('client secrets are stored hashed', () => {
  const SECRET = 'aW4gY2xlYXIgdGhpcyB3b3VsZCBiZSBhIGNyZWRlbnRpYWwgb24gZGlzaw-0123456789';

  it('keeps a salted SHA-256 of the secret, never the secret, and matches only the right one', async () => {
    const store = await openStore();
    await register(store, 'conf', {
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
    });
    await approve(store, 'conf', 'g1');
    const text = await readFile(fx.file, 'utf8');
    expect(text).not.toContain(SECRET);
    const stored = (await store.adapterFor('Client').find('conf'))?.client_secret;
    expect(stored).toMatch(/^sha256\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(text).toContain(stored as string);
    expect(clientSecretMatches(stored, SECRET)).toBe(true);
    expect(clientSecretMatches(stored, `${SECRET}x`)).toBe(false);
    expect(clientSecretMatches(stored, SECRET.slice(0, -1))).toBe(false);
    expect(clientSecretMatches(stored, stored)).toBe(false);
    // A clear value is never compared directly, even if one were stored.
    expect(clientSecretMatches(SECRET, SECRET)).toBe(false);
  });

  it('hashes a secret once: saving the stored payload again keeps the same hash', async () => {
    const store = await openStore();
    await register(store, 'conf', { client_secret: SECRET });
    const stored = await store.adapterFor('Client').find('conf');
    await store.adapterFor('Client').upsert('conf', stored as AdapterPayload);
    expect((await store.adapterFor('Client').find('conf'))?.client_secret).toBe(stored?.client_secret);
  });
});

describe('state files of earlier versions are migrated on load', () => {
  it('hashes clear secrets, approves clients that have grants, drops never-approved ones from disk', async () => {
    const legacy = {
      version: 1,
      models: {
        Client: {
          conf: { createdAt: T0, payload: client('conf', { client_secret: 'legacy-clear-secret-value' }) },
          granted: { createdAt: T0, payload: client('granted') },
          abandoned: { createdAt: T0, payload: client('abandoned') },
        },
        Grant: {
          g1: { createdAt: T0 + 5, expiresAt: T0 + 86400, payload: { kind: 'Grant', clientId: 'conf' } },
          g2: { createdAt: T0 + 7, expiresAt: T0 + 86400, payload: { kind: 'Grant', clientId: 'granted' } },
        },
      },
    };
    await writeFile(fx.file, JSON.stringify(legacy), { mode: 0o600 });
    fx.clock = at(100);
    const store = await openStore();

    const text = await readFile(fx.file, 'utf8');
    expect(text).not.toContain('legacy-clear-secret-value');
    const state = await onDisk();
    expect(Object.keys(state.models.Client ?? {})).toEqual(['conf', 'granted']);
    expect(state.models.Client?.conf).toMatchObject({ approvedAt: T0 + 5 });
    expect(state.models.Client?.granted).toMatchObject({ approvedAt: T0 + 7 });
    const secret = (await store.adapterFor('Client').find('conf'))?.client_secret;
    expect(clientSecretMatches(secret, 'legacy-clear-secret-value')).toBe(true);
    // The never-approved one is still usable until the sweep or a restart.
    expect(store.hasClient('abandoned')).toBe(true);
    expect(store.listClients().find((c) => c.clientId === 'abandoned')?.state).toBe('registered');
  });
});
