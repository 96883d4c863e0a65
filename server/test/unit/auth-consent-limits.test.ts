import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Provider from 'oidc-provider';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONSENT_LIMITS, ConsentError, ConsentManager } from '../../src/auth/consent.js';
import {
  browserSecretFrom,
  newBrowserSecret,
  REMEMBERED_LIMITS,
  RememberedApprovals,
} from '../../src/auth/rememberedApprovals.js';
import { EventBus } from '../../src/events/bus.js';

const details = (clientId: string, n = 0) => ({
  clientId,
  clientName: clientId,
  redirectUri: `http://127.0.0.1:${40000 + n}/cb`,
  redirectHost: `127.0.0.1:${40000 + n}`,
  scopes: ['mcp'],
  resource: 'https://ferry.example/mcp',
});

describe('ConsentManager limits', () => {
  let clock = 1_000_000;
  let bus: EventBus;
  let consents: ConsentManager;
  let uid = 0;
  const open = (clientId: string, n = 0) => consents.open(`uid-${++uid}`, details(clientId, n));

  beforeEach(() => {
    clock = 1_000_000;
    bus = new EventBus();
    consents = new ConsentManager({
      bus,
      // Nothing here is approved: the provider is never reached.
      provider: () => Promise.reject<Provider>(new Error('not used')),
      rememberedFor: () => Promise.resolve(undefined),
      remember: () => Promise.resolve(),
      now: () => clock,
    });
  });
  afterEach(() => consents.close());

  it('keeps one waiting request per client, redirect URI and resource: a repeat replaces it', async () => {
    const first = await open('a');
    const second = await open('a');
    expect(consents.pending().map((c) => c.id)).toEqual([second.id]);
    expect(bus.since(0)).toContainEqual(
      expect.objectContaining({ type: 'consent.resolved', id: first.id, outcome: 'replaced' }),
    );
  });

  it(`caps one client at ${CONSENT_LIMITS.maxPendingPerClient} waiting requests, the oldest replaced`, async () => {
    const opened = [];
    for (let n = 0; n <= CONSENT_LIMITS.maxPendingPerClient; n++) opened.push(await open('a', n));
    const waiting = consents.pending().map((c) => c.id);
    expect(waiting).toHaveLength(CONSENT_LIMITS.maxPendingPerClient);
    expect(waiting).not.toContain(opened[0]?.id);
  });

  it(`refuses new requests past ${CONSENT_LIMITS.maxPending} waiting, and the waiting ones stay`, async () => {
    const perClient = CONSENT_LIMITS.maxPendingPerClient;
    for (let i = 0; i < CONSENT_LIMITS.maxPending; i++)
      await open(`c${Math.floor(i / perClient)}`, i % perClient);
    expect(consents.pending()).toHaveLength(CONSENT_LIMITS.maxPending);
    await expect(open('newcomer')).rejects.toMatchObject({ code: 'consent_full' });
    expect(consents.pending()).toHaveLength(CONSENT_LIMITS.maxPending);
  });

  it('rate-limits one client past its burst, then lets one through per refill interval', async () => {
    for (let i = 0; i < CONSENT_LIMITS.perClientBurst; i++) await open('burst');
    const refused = await open('burst').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConsentError);
    expect(refused).toMatchObject({
      code: 'consent_rate_limited',
      retryAfterSeconds: CONSENT_LIMITS.perClientRefillSeconds,
    });
    // Another client is not affected by this one's flood.
    await expect(open('other')).resolves.toMatchObject({ clientId: 'other' });
    clock += CONSENT_LIMITS.perClientRefillSeconds * 1000;
    await expect(open('burst')).resolves.toMatchObject({ clientId: 'burst' });
  });

  it('announces at most the burst to the user however many requests arrive', async () => {
    for (let i = 0; i < 200; i++) await open('loop').catch(() => undefined);
    const announced = bus.since(0).filter((e) => e.type === 'consent.requested');
    expect(announced).toHaveLength(CONSENT_LIMITS.perClientBurst);
    expect(consents.pending()).toHaveLength(1);
  });
});

describe('RememberedApprovals', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-remembered-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const request = {
    clientId: 'https://claude.ai/oauth/mcp-oauth-client-metadata',
    redirectUri: 'https://claude.ai/api/mcp/auth_callback',
    resource: 'https://ferry.example/mcp',
    scopes: ['mcp', 'offline_access'],
  };

  it('deletes an earlier version’s unbound list instead of honouring it', async () => {
    await writeFile(path.join(dir, 'remembered-clients.json'), JSON.stringify([request.clientId]));
    const { approvals, legacyCleared } = await RememberedApprovals.open(dir);
    expect(legacyCleared).toBe(true);
    expect(approvals.list()).toEqual([]);
    await expect(stat(path.join(dir, 'remembered-clients.json'))).rejects.toThrow();
    expect((await RememberedApprovals.open(dir)).legacyCleared).toBe(false);
  });

  it('matches only the same browser, client, redirect URI and resource, with no broader scope', async () => {
    const { approvals } = await RememberedApprovals.open(dir);
    const secret = newBrowserSecret();
    await approvals.add(secret, request);
    expect(await approvals.match(secret, request)).toMatchObject({ clientId: request.clientId });
    expect(await approvals.match(secret, { ...request, scopes: ['mcp'] })).toBeDefined();
    expect(await approvals.match(undefined, request)).toBeUndefined();
    expect(await approvals.match(newBrowserSecret(), request)).toBeUndefined();
    expect(await approvals.match(secret, { ...request, clientId: 'other' })).toBeUndefined();
    expect(
      await approvals.match(secret, { ...request, redirectUri: 'https://claude.com/api/mcp/auth_callback' }),
    ).toBeUndefined();
    expect(
      await approvals.match(secret, { ...request, resource: 'https://ferry.example/mcp/files' }),
    ).toBeUndefined();
    expect(await approvals.match(secret, { ...request, scopes: ['mcp', 'openid'] })).toBeUndefined();
  });

  it('stores a hash of the browser secret, mode 0600, and survives a restart', async () => {
    const secret = newBrowserSecret();
    await (await RememberedApprovals.open(dir)).approvals.add(secret, request);
    const file = path.join(dir, 'remembered-approvals.json');
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(secret);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const { approvals } = await RememberedApprovals.open(dir);
    expect(await approvals.match(secret, request)).toBeDefined();
  });

  it('expires after its lifetime and keeps at most its bound', async () => {
    let now = 1_000;
    const { approvals } = await RememberedApprovals.open(dir, () => now);
    const secret = newBrowserSecret();
    await approvals.add(secret, request);
    now += REMEMBERED_LIMITS.ttlSeconds;
    expect(await approvals.match(secret, request)).toBeUndefined();
    for (let i = 0; i < REMEMBERED_LIMITS.maxApprovals + 5; i++) {
      await approvals.add(secret, { ...request, resource: `https://ferry.example/mcp/s${i}` });
    }
    expect(approvals.list()).toHaveLength(REMEMBERED_LIMITS.maxApprovals);
  });

  it('reads the browser secret only from its own well-formed cookie', () => {
    const secret = newBrowserSecret();
    expect(browserSecretFrom(`a=b; __Host-ferry-browser=${secret}`, true)).toBe(secret);
    expect(browserSecretFrom(`ferry-browser=${secret}`, true)).toBeUndefined();
    expect(browserSecretFrom(`ferry-browser=${secret}`, false)).toBe(secret);
    expect(browserSecretFrom('__Host-ferry-browser=short', true)).toBeUndefined();
    expect(browserSecretFrom(undefined, true)).toBeUndefined();
  });
});
