import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthStore, type Adapter } from '../../src/auth/store/index.js';

/** The slice of oidc-provider this test touches. */
interface GrantInstance {
  jti?: string;
  accountId: string;
  clientId: string;
  addOIDCScope(scope: string): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}
interface ProviderInstance {
  Client: { find(id: string): Promise<{ clientId: string; clientName?: string } | undefined> };
  Grant: (new (input: { accountId: string; clientId: string }) => GrantInstance) & {
    find(id: string): Promise<GrantInstance | undefined>;
  };
  RefreshToken: (new (input: Record<string, unknown>) => { save(): Promise<string> }) & {
    find(value: string): Promise<{ grantId?: string; isValid: boolean; consumed?: number } | undefined>;
  };
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  on(event: string, listener: (...args: unknown[]) => void): void;
}
type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;

/**
 * oidc-provider ships no type declarations and @types/oidc-provider is not a dependency: a specifier held in
 * a variable keeps TypeScript from resolving the module, and the interfaces above type what is used.
 */
async function loadProvider(): Promise<ProviderConstructor> {
  const specifier: string = 'oidc-provider';
  const module = (await import(specifier)) as { default: ProviderConstructor };
  return module.default;
}

let dir: string;
let file: string;
let clock: number;
let store: AuthStore;
let server: Server | undefined;
const serverErrors: unknown[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-auth-store-provider-'));
  file = path.join(dir, 'auth-state.json');
  clock = Date.now();
  store = await AuthStore.open(file, { now: () => clock, flushDelayMs: 5 });
});

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function newProvider(): Promise<ProviderInstance> {
  const Provider = await loadProvider();
  const provider = new Provider('http://127.0.0.1:1', {
    adapter: (name: string): Adapter => store.adapterFor(name),
    clients: [],
    features: { devInteractions: { enabled: false } },
    // Explicit values keep oidc-provider's "you should configure this" notices out of the test output.
    ttl: { AccessToken: 3600, Grant: 86400, IdToken: 3600, RefreshToken: 86400 },
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
  });
  provider.on('server_error', (_ctx, error) => serverErrors.push(error));
  return provider;
}

const CLIENT = {
  client_id: 'claude-1',
  client_name: 'Claude',
  redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
};

async function registerClient(): Promise<void> {
  // What oidc-provider's registration endpoint does: Client.adapter.upsert(clientId, metadata).
  await store.adapterFor('Client').upsert(CLIENT.client_id, CLIENT);
}

describe('AuthStore drives oidc-provider', () => {
  it('serves Client.find and Grant save/find through the adapter', async () => {
    const provider = await newProvider();
    await registerClient();
    const client = await provider.Client.find('claude-1');
    expect(client?.clientId).toBe('claude-1');
    expect(client?.clientName).toBe('Claude');
    expect(await provider.Client.find('unknown')).toBeUndefined();

    const grant = new provider.Grant({ accountId: 'owner', clientId: 'claude-1' });
    grant.addResourceScope('https://ferry.example/mcp', 'mcp');
    const grantId = await grant.save();
    expect(store.grantExists(grantId)).toBe(true);
    const found = await provider.Grant.find(grantId);
    expect(found).toMatchObject({ accountId: 'owner', clientId: 'claude-1', jti: grantId });
    expect(store.listClients()[0]?.grants).toEqual([
      expect.objectContaining({ grantId, resources: { 'https://ferry.example/mcp': 'mcp' } }),
    ]);
  });

  it('rotates refresh tokens over HTTP, lets a lost response be retried, then detects reuse', async () => {
    const provider = await newProvider();
    await registerClient();
    const client = await provider.Client.find('claude-1');
    const grant = new provider.Grant({ accountId: 'owner', clientId: 'claude-1' });
    grant.addOIDCScope('openid offline_access');
    const grantId = await grant.save();
    const original = await new provider.RefreshToken({
      accountId: 'owner',
      client,
      grantId,
      gty: 'authorization_code',
      scope: 'openid offline_access',
    }).save();
    expect(await readFile(file, 'utf8')).not.toContain(original);

    server = createServer(provider.callback());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const refresh = async (
      refreshToken: string,
    ): Promise<{ status: number; body: Record<string, unknown> }> => {
      const response = await fetch(`http://127.0.0.1:${port}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: 'claude-1',
        }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    const first = await refresh(original);
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toEqual(expect.any(String));
    expect(first.body.refresh_token).not.toBe(original);
    expect((await provider.RefreshToken.find(original))?.isValid).toBe(true);

    // The response was lost: the client retries with the token it still has, inside the grace window.
    clock += 29_000;
    const retry = await refresh(original);
    expect(retry.status).toBe(200);
    expect(store.grantExists(grantId)).toBe(true);

    // Past the window the old token is reuse: oidc-provider revokes the whole grant.
    clock += 1_000;
    const reuse = await refresh(original);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect(store.grantExists(grantId)).toBe(false);
    const descendant = await refresh(retry.body.refresh_token as string);
    expect(descendant.status).toBe(400);

    await store.flush();
    const text = await readFile(file, 'utf8');
    for (const value of [original, first.body.refresh_token, retry.body.refresh_token])
      expect(text).not.toContain(value as string);
    expect(serverErrors).toEqual([]);
  });
});
