import { readFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { AuthStore, type AdapterPayload } from '../../src/auth/store/index.js';
import { at, storedClient, T0, useAuthStore } from '../helpers/authStore.js';

const fx = useAuthStore('ferry-auth-store-admin-');
let store: AuthStore;

beforeEach(async () => {
  store = await fx.open({ flushDelayMs: 5 });
});

const client = (id: string, name?: string) => storedClient(id, name);

async function register(id: string, name?: string): Promise<void> {
  await store.adapterFor('Client').upsert(id, client(id, name));
}

async function approve(clientId: string, grantId: string, payload: AdapterPayload = {}): Promise<void> {
  await store
    .adapterFor('Grant')
    .upsert(grantId, { kind: 'Grant', accountId: 'owner', clientId, jti: grantId, ...payload }, 86400);
}

async function issue(model: string, id: string, clientId: string, grantId: string): Promise<void> {
  await store
    .adapterFor(model)
    .upsert(id, { kind: model, clientId, grantId, accountId: 'owner', jti: id }, 3600);
}

async function stateOnDisk(): Promise<{ models: Record<string, Record<string, { lastUsedAt?: number }>> }> {
  return JSON.parse(await readFile(fx.file, 'utf8')) as {
    models: Record<string, Record<string, { lastUsedAt?: number }>>;
  };
}

describe('AuthStore.listClients', () => {
  it('lists every client with its live grants, scopes and times', async () => {
    await register('c1', 'Claude');
    fx.clock = at(10);
    await approve('c1', 'g1', {
      openid: { scope: 'openid offline_access' },
      resources: { 'https://ferry.example/mcp': 'mcp' },
    });
    await approve('c1', 'g-old');
    await register('c2');
    expect(store.listClients()).toEqual([
      {
        clientId: 'c1',
        state: 'approved',
        clientName: 'Claude',
        redirectUris: ['https://claude.ai/api/mcp/auth_callback'],
        createdAt: T0,
        grants: [
          {
            grantId: 'g1',
            scope: 'openid offline_access',
            resources: { 'https://ferry.example/mcp': 'mcp' },
            createdAt: T0 + 10,
            expiresAt: T0 + 10 + 86400,
          },
          { grantId: 'g-old', createdAt: T0 + 10, expiresAt: T0 + 10 + 86400 },
        ],
      },
      {
        clientId: 'c2',
        state: 'registered',
        redirectUris: ['https://claude.ai/api/mcp/auth_callback'],
        createdAt: T0 + 10,
        grants: [],
      },
    ]);
    fx.clock = at(10 + 86400);
    expect(store.listClients()[0]?.grants).toEqual([]);
  });

  it('keeps createdAt when a client or grant is saved again', async () => {
    await register('c1');
    await approve('c1', 'g1');
    fx.clock = at(500);
    await register('c1', 'renamed');
    await approve('c1', 'g1', { openid: { scope: 'openid' } });
    const [listed] = store.listClients();
    expect(listed?.createdAt).toBe(T0);
    expect(listed?.clientName).toBe('renamed');
    expect(listed?.grants[0]).toMatchObject({ createdAt: T0, scope: 'openid', expiresAt: T0 + 500 + 86400 });
  });
});

describe('AuthStore.touchClient', () => {
  it('records last use at most once a minute per client, and persists it', async () => {
    await register('c1');
    await register('c2');
    await approve('c1', 'g1');
    await approve('c2', 'g2');
    store.touchClient('c1');
    expect(store.listClients()[0]?.lastUsedAt).toBe(T0);
    store.touchClient('c1', T0 + 59);
    expect(store.listClients()[0]?.lastUsedAt).toBe(T0);
    store.touchClient('c2', T0 + 59);
    expect(store.listClients()[1]?.lastUsedAt).toBe(T0 + 59);
    fx.clock = at(60);
    store.touchClient('c1');
    expect(store.listClients()[0]?.lastUsedAt).toBe(T0 + 60);
    await store.flush();
    const state = await stateOnDisk();
    expect(state.models.Client?.c1?.lastUsedAt).toBe(T0 + 60);
    expect(state.models.Client?.c2?.lastUsedAt).toBe(T0 + 59);
  });

  it('ignores an unknown client and survives a re-registration', async () => {
    store.touchClient('nobody');
    expect(store.listClients()).toEqual([]);
    await register('c1');
    store.touchClient('c1');
    await register('c1', 'updated');
    expect(store.listClients()[0]?.lastUsedAt).toBe(T0);
  });
});

describe('AuthStore.deleteClient and grantExists', () => {
  it('removes the client, its grants and every token issued to it, on disk before it resolves', async () => {
    await register('c1');
    await register('c2');
    await approve('c1', 'g1');
    await approve('c1', 'g2');
    await approve('c2', 'g3');
    for (const [model, id, clientId, grantId] of [
      ['RefreshToken', 'rt-1', 'c1', 'g1'],
      ['AccessToken', 'at-1', 'c1', 'g1'],
      ['AccessToken', 'at-2', 'c1', 'g2'],
      ['AuthorizationCode', 'code-1', 'c1', 'g2'],
      ['RefreshToken', 'rt-3', 'c2', 'g3'],
      ['AccessToken', 'at-3', 'c2', 'g3'],
    ] as const)
      await issue(model, id, clientId, grantId);
    expect(store.grantExists('g1')).toBe(true);

    const removed = await store.deleteClient('c1');
    expect(removed.sort()).toEqual(['g1', 'g2']);
    expect(store.hasClient('c1')).toBe(false);
    expect(store.grantExists('g1')).toBe(false);
    expect(store.grantExists('g2')).toBe(false);
    expect(await store.adapterFor('Client').find('c1')).toBeUndefined();
    expect(await store.adapterFor('RefreshToken').find('rt-1')).toBeUndefined();
    expect(await store.adapterFor('AccessToken').find('at-1')).toBeUndefined();
    expect(await store.adapterFor('AccessToken').find('at-2')).toBeUndefined();
    expect(await store.adapterFor('AuthorizationCode').find('code-1')).toBeUndefined();

    expect(store.grantExists('g3')).toBe(true);
    expect(await store.adapterFor('RefreshToken').find('rt-3')).toBeDefined();
    expect(await store.adapterFor('AccessToken').find('at-3')).toBeDefined();
    expect(store.listClients().map((c) => c.clientId)).toEqual(['c2']);

    const state = await stateOnDisk();
    expect(Object.keys(state.models.Client ?? {})).toEqual(['c2']);
    expect(Object.keys(state.models.Grant ?? {})).toEqual(['g3']);
    expect(Object.keys(state.models.RefreshToken ?? {})).toHaveLength(1);
  });

  it('returns nothing for an unknown client', async () => {
    expect(store.hasClient('nobody')).toBe(false);
    expect(await store.deleteClient('nobody')).toEqual([]);
  });

  it('grantExists follows revocation through the adapter and expiry', async () => {
    await register('c1');
    await approve('c1', 'g1');
    await store.adapterFor('Grant').destroy('g1');
    expect(store.grantExists('g1')).toBe(false);
    await approve('c1', 'g2');
    fx.clock = at(86399);
    expect(store.grantExists('g2')).toBe(true);
    fx.clock = at(86400);
    expect(store.grantExists('g2')).toBe(false);
    expect(store.grantExists('never')).toBe(false);
  });
});

describe('AuthStore.sweepUnapprovedClients', () => {
  it('removes old clients that never had a grant and keeps the rest', async () => {
    await register('abandoned');
    await register('approved');
    await approve('approved', 'g1');
    await register('revoked');
    await approve('revoked', 'g2');
    await store.adapterFor('Grant').destroy('g2');
    fx.clock = at(3000);
    await register('fresh');

    fx.clock = at(3600);
    expect(await store.sweepUnapprovedClients(3600)).toEqual(['abandoned']);
    expect(store.listClients().map((c) => c.clientId)).toEqual(['approved', 'revoked', 'fresh']);
    // Never-approved clients were never written: the file holds the approved ones only.
    expect(Object.keys((await stateOnDisk()).models.Client ?? {})).toEqual(['approved', 'revoked']);

    fx.clock = at(7200);
    expect(await store.sweepUnapprovedClients(3600)).toEqual(['fresh']);
    expect(await store.sweepUnapprovedClients(3600)).toEqual([]);
  });

  it('remembers approval across a restart', async () => {
    await register('c1');
    await approve('c1', 'g1');
    await store.adapterFor('Grant').destroy('g1');
    await store.close();
    fx.clock = at(100_000);
    store = await AuthStore.open(fx.file, { now: () => fx.clock });
    expect(await store.sweepUnapprovedClients(60)).toEqual([]);
  });
});
