import { readFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AuthStore } from '../../src/auth/store/index.js';
import { hashTokenId, type AdapterPayload, type AuthStoreOptions } from '../../src/auth/store/index.js';
import { at, T0, useAuthStore } from '../helpers/authStore.js';

const fx = useAuthStore('ferry-auth-store-');
let store: AuthStore;
const openStore = (options: AuthStoreOptions = {}) => fx.open(options);

beforeEach(async () => {
  store = await openStore();
});

function token(grantId: string, extra: AdapterPayload = {}): AdapterPayload {
  return { iat: T0, kind: 'AccessToken', clientId: 'client-1', accountId: 'owner', grantId, ...extra };
}

describe('AuthStore adapter: upsert, find, expiry', () => {
  it('finds what was upserted, as a copy the caller cannot use to change stored state', async () => {
    const adapter = store.adapterFor('AccessToken');
    await adapter.upsert('at-1', token('g1', { jti: 'at-1', scope: 'mcp' }), 3600);
    const found = await adapter.find('at-1');
    expect(found).toEqual(token('g1', { jti: 'at-1', scope: 'mcp' }));
    found!.scope = 'changed';
    expect((await adapter.find('at-1'))?.scope).toBe('mcp');
    expect(await adapter.find('missing')).toBeUndefined();
  });

  it('returns an entry until its expiry second and never after it', async () => {
    const adapter = store.adapterFor('AuthorizationCode');
    await adapter.upsert('code-1', token('g1', { kind: 'AuthorizationCode' }), 60);
    fx.clock = at(59);
    expect(await adapter.find('code-1')).toBeDefined();
    fx.clock = at(60);
    expect(await adapter.find('code-1')).toBeUndefined();
  });

  it('keeps an entry upserted without expiresIn indefinitely and an upsert replaces the expiry', async () => {
    const adapter = store.adapterFor('Session');
    await adapter.upsert('s1', { uid: 'u1', accountId: 'owner' }, 10);
    await adapter.upsert('s1', { uid: 'u1', accountId: 'owner', loginTs: T0 }, 100);
    fx.clock = at(50);
    expect(await adapter.find('s1')).toEqual({ uid: 'u1', accountId: 'owner', loginTs: T0 });
    await adapter.upsert('s2', { uid: 'u2' });
    fx.clock = at(10_000_000);
    expect(await adapter.find('s2')).toEqual({ uid: 'u2' });
  });

  it('keeps models apart: the same id in two models is two entries', async () => {
    await store.adapterFor('AccessToken').upsert('same', token('g1'), 60);
    expect(await store.adapterFor('AuthorizationCode').find('same')).toBeUndefined();
  });

  it('sweep() removes expired entries of every model and reports how many', async () => {
    await store.adapterFor('AccessToken').upsert('a', token('g1'), 10);
    await store.adapterFor('Interaction').upsert('i', { kind: 'Interaction' }, 10);
    await store.adapterFor('Grant').upsert('g1', { clientId: 'client-1', accountId: 'owner' }, 10);
    await store.adapterFor('AccessToken').upsert('b', token('g1'), 1000);
    fx.clock = at(10);
    expect(store.sweep()).toBe(3);
    expect(store.sweep()).toBe(0);
    expect(await store.adapterFor('AccessToken').find('b')).toBeDefined();
  });

  it('sweeps on its own timer until closed', async () => {
    await store.close();
    store = await openStore({ sweepIntervalMs: 5 });
    await store.adapterFor('AccessToken').upsert('a', token('g1'), 10);
    fx.clock = at(10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.sweep()).toBe(0);
    await store.close();
    await store.adapterFor('AccessToken').upsert('b', token('g1'), 10);
    fx.clock = at(20);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.sweep()).toBe(1);
  });
});

describe('AuthStore adapter: consume, destroy, revokeByGrantId', () => {
  it('consume sets consumed to the epoch second of the first call only', async () => {
    const adapter = store.adapterFor('AuthorizationCode');
    await adapter.upsert('code-1', token('g1', { kind: 'AuthorizationCode' }), 60);
    fx.clock = at(5);
    await adapter.consume('code-1');
    fx.clock = at(7);
    await adapter.consume('code-1');
    expect((await adapter.find('code-1'))?.consumed).toBe(T0 + 5);
  });

  it('consume and destroy of an unknown id are no-ops', async () => {
    const adapter = store.adapterFor('AuthorizationCode');
    await expect(adapter.consume('nope')).resolves.toBeUndefined();
    await expect(adapter.destroy('nope')).resolves.toBeUndefined();
  });

  it('destroy removes the entry and its indexes', async () => {
    const adapter = store.adapterFor('AccessToken');
    await adapter.upsert('at-1', token('g1'), 60);
    await adapter.destroy('at-1');
    expect(await adapter.find('at-1')).toBeUndefined();
    await adapter.revokeByGrantId('g1');
    await adapter.upsert('at-1', token('g2'), 60);
    expect(await adapter.find('at-1')).toBeDefined();
  });

  it("revokeByGrantId deletes that model's entries of the grant and nothing else", async () => {
    const models = ['AccessToken', 'RefreshToken', 'AuthorizationCode'] as const;
    for (const model of models) {
      const adapter = store.adapterFor(model);
      await adapter.upsert(`${model}-a`, token('g1', { kind: model }), 600);
      await adapter.upsert(`${model}-b`, token('g1', { kind: model }), 600);
      await adapter.upsert(`${model}-c`, token('g2', { kind: model }), 600);
    }
    await store.adapterFor('AccessToken').revokeByGrantId('g1');
    expect(await store.adapterFor('AccessToken').find('AccessToken-a')).toBeUndefined();
    expect(await store.adapterFor('AccessToken').find('AccessToken-b')).toBeUndefined();
    expect(await store.adapterFor('AccessToken').find('AccessToken-c')).toBeDefined();
    // oidc-provider calls it per model; the other models keep their g1 entries until then.
    expect(await store.adapterFor('RefreshToken').find('RefreshToken-a')).toBeDefined();

    await store.adapterFor('RefreshToken').revokeByGrantId('g1');
    await store.adapterFor('AuthorizationCode').revokeByGrantId('g1');
    for (const model of models) {
      expect(await store.adapterFor(model).find(`${model}-a`)).toBeUndefined();
      expect(await store.adapterFor(model).find(`${model}-b`)).toBeUndefined();
      expect(await store.adapterFor(model).find(`${model}-c`)).toBeDefined();
    }
  });

  it('revokeByGrantId follows a token that moved to another grant on upsert', async () => {
    const adapter = store.adapterFor('AccessToken');
    await adapter.upsert('at-1', token('g1'), 60);
    await adapter.upsert('at-1', token('g2'), 60);
    await adapter.revokeByGrantId('g1');
    expect(await adapter.find('at-1')).toBeDefined();
    await adapter.revokeByGrantId('g2');
    expect(await adapter.find('at-1')).toBeUndefined();
  });
});

describe('AuthStore adapter: findByUid, findByUserCode', () => {
  it('finds a Session by uid, and the index follows the session id across a reset', async () => {
    const sessions = store.adapterFor('Session');
    await sessions.upsert('s1', { jti: 's1', uid: 'u1', accountId: 'owner' }, 600);
    expect(await sessions.findByUid('u1')).toEqual({ jti: 's1', uid: 'u1', accountId: 'owner' });
    // Session.resetIdentifier(): the new id is saved, then the old one destroyed.
    await sessions.upsert('s2', { jti: 's2', uid: 'u1', accountId: 'owner' }, 600);
    await sessions.destroy('s1');
    expect((await sessions.findByUid('u1'))?.jti).toBe('s2');
    await sessions.destroy('s2');
    expect(await sessions.findByUid('u1')).toBeUndefined();
  });

  it('does not return an expired Session by uid', async () => {
    const sessions = store.adapterFor('Session');
    await sessions.upsert('s1', { uid: 'u1' }, 10);
    fx.clock = at(10);
    expect(await sessions.findByUid('u1')).toBeUndefined();
  });

  it("finds an Interaction by uid, which is the interaction's id", async () => {
    const interactions = store.adapterFor('Interaction');
    await interactions.upsert('i1', { jti: 'i1', kind: 'Interaction', returnTo: '/auth/i1' }, 600);
    expect((await interactions.findByUid('i1'))?.returnTo).toBe('/auth/i1');
    expect(await store.adapterFor('Session').findByUid('i1')).toBeUndefined();
  });

  it('finds a DeviceCode by user code', async () => {
    const codes = store.adapterFor('DeviceCode');
    await codes.upsert('dc1', { userCode: 'ABCD-EFGH', grantId: 'g1' }, 600);
    expect((await codes.findByUserCode('ABCD-EFGH'))?.grantId).toBe('g1');
    expect(await codes.findByUserCode('ZZZZ-ZZZZ')).toBeUndefined();
  });
});

describe('AuthStore memory models are bounded', () => {
  it('evicts the least recently used entry of an in-memory model past the cap', async () => {
    await store.close();
    store = await openStore({ maxEntriesPerModel: 3 });
    const adapter = store.adapterFor('AccessToken');
    for (const id of ['a', 'b', 'c']) await adapter.upsert(id, token('g1'), 600);
    await adapter.find('a');
    await adapter.upsert('d', token('g1'), 600);
    expect(await adapter.find('b')).toBeUndefined();
    for (const id of ['a', 'c', 'd']) expect(await adapter.find(id)).toBeDefined();
    // The evicted entry left the grant index too.
    await adapter.revokeByGrantId('g1');
    for (const id of ['a', 'c', 'd']) expect(await adapter.find(id)).toBeUndefined();
  });

  it('never evicts persisted models', async () => {
    await store.close();
    store = await openStore({ maxEntriesPerModel: 2 });
    const grants = store.adapterFor('Grant');
    for (const id of ['g1', 'g2', 'g3', 'g4'])
      await grants.upsert(id, { clientId: 'c', accountId: 'o' }, 600);
    for (const id of ['g1', 'g2', 'g3', 'g4']) expect(store.grantExists(id)).toBe(true);
  });
});

describe('AuthStore refresh tokens', () => {
  const RT = 'r3fr3sh-t0k3n-v4lu3-0123456789abcdefghijklmnop';

  async function saveRefreshToken(): Promise<void> {
    await store
      .adapterFor('RefreshToken')
      .upsert(RT, token('g1', { jti: RT, kind: 'RefreshToken', scope: 'mcp' }), 14 * 86400);
  }

  it('stores them under the hash of the id, and find() puts the jti back', async () => {
    await saveRefreshToken();
    await store.flush();
    const text = await readFile(fx.file, 'utf8');
    expect(text).not.toContain(RT);
    const state = JSON.parse(text) as {
      models: { RefreshToken: Record<string, { payload: AdapterPayload }> };
    };
    const stored = state.models.RefreshToken[hashTokenId(RT)];
    expect(stored?.payload).toEqual(token('g1', { kind: 'RefreshToken', scope: 'mcp' }));
    expect(stored?.payload).not.toHaveProperty('jti');
    expect((await store.adapterFor('RefreshToken').find(RT))?.jti).toBe(RT);
    expect(await store.adapterFor('RefreshToken').find(hashTokenId(RT))).toBeUndefined();
  });

  it('hides consumed during the grace window and shows it from the boundary on', async () => {
    await saveRefreshToken();
    const adapter = store.adapterFor('RefreshToken');
    fx.clock = at(100);
    await adapter.consume(RT);
    fx.clock = at(129);
    expect(await adapter.find(RT)).not.toHaveProperty('consumed');
    // A retry rotates again, which consumes again: the window must not restart.
    await adapter.consume(RT);
    fx.clock = at(130);
    expect((await adapter.find(RT))?.consumed).toBe(T0 + 100);
  });

  it('honours a custom grace, and 0 disables it', async () => {
    await store.close();
    store = await openStore({ refreshGraceSeconds: 0 });
    await saveRefreshToken();
    await store.adapterFor('RefreshToken').consume(RT);
    expect((await store.adapterFor('RefreshToken').find(RT))?.consumed).toBe(T0);

    await store.close();
    fx.clock = at(0);
    store = await openStore({ refreshGraceSeconds: 5 });
    const adapter = store.adapterFor('RefreshToken');
    fx.clock = at(4);
    expect(await adapter.find(RT)).not.toHaveProperty('consumed');
    fx.clock = at(5);
    expect((await adapter.find(RT))?.consumed).toBe(T0);
  });

  it('applies the grace to refresh tokens only', async () => {
    const codes = store.adapterFor('AuthorizationCode');
    await codes.upsert('code-1', token('g1', { kind: 'AuthorizationCode' }), 60);
    await codes.consume('code-1');
    expect((await codes.find('code-1'))?.consumed).toBe(T0);
  });

  it('revokes and destroys refresh tokens by the presented value', async () => {
    await saveRefreshToken();
    const adapter = store.adapterFor('RefreshToken');
    await adapter.destroy(RT);
    expect(await adapter.find(RT)).toBeUndefined();
    await saveRefreshToken();
    await adapter.revokeByGrantId('g1');
    expect(await adapter.find(RT)).toBeUndefined();
  });
});
