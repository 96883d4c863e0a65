import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../src/secrets/memory.js';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { CLAUDE_REGISTRATION, type JsonResult, OAuthHarness, pkce } from '../helpers/oauth.js';
import { useOAuthFerry } from '../helpers/oauthFerry.js';

const PUBLIC = 'https://ferry-registration.example';
const LOOPBACK_CALLBACK = 'http://127.0.0.1:9/cb';

interface ListedClient {
  clientId: string;
  state: 'registered' | 'approved';
}

/**
 * Issue #11 items 7 and 8a against a real Ferry: registrations are bounded in size and field length and
 * never reach the state file until approved; confidential clients' secrets are stored hashed and still
 * work (basic and post) across a restart. Each describe has its own Ferry, so neither spends more of the
 * registration rate limit (burst 20) than it has.
 */
describe('OAuth security: registration bounds', () => {
  const h = useOAuthFerry(PUBLIC);

  const listed = async (): Promise<ListedClient[]> =>
    (await (await h.admin('/api/clients')).json()) as ListedClient[];

  it('refuses a 54 KB registration with 413 before parsing it, and stores nothing', async () => {
    const res = await h.register({ ...CLAUDE_REGISTRATION, client_name: 'x'.repeat(54 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      error: 'invalid_request',
      error_description: 'request body over 16 KiB',
    });
    expect(await listed()).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['client_name', { client_name: 'n'.repeat(201) }, 'invalid_client_metadata', 'client_name'],
    [
      'logo_uri',
      { logo_uri: `https://example.com/${'l'.repeat(2000)}` },
      'invalid_client_metadata',
      'logo_uri',
    ],
    ['software_id', { software_id: 's'.repeat(201) }, 'invalid_client_metadata', 'software_id'],
    ['scope', { scope: 'mcp '.repeat(400) }, 'invalid_client_metadata', 'scope'],
    [
      'contacts (count)',
      { contacts: Array.from({ length: 11 }, (_, i) => `a${i}@example.com`) },
      'invalid_client_metadata',
      'contacts',
    ],
    ['contacts (length)', { contacts: [`${'c'.repeat(320)}@x`] }, 'invalid_client_metadata', 'contacts[0]'],
    [
      'a redirect URI',
      { redirect_uris: [`http://127.0.0.1:9/${'r'.repeat(2000)}`] },
      'invalid_redirect_uri',
      'redirect_uris[0]',
    ],
  ])('refuses an over-long %s with 400 %s naming the field', async (_label, override, error, field) => {
    const res = await h.register({ ...CLAUDE_REGISTRATION, ...override });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(error);
    expect(String(res.body.error_description).startsWith(field)).toBe(true);
  });

  it('registers a client whose every bounded field is at its limit (the bounds are not too tight)', async () => {
    const res = await h.register({
      ...CLAUDE_REGISTRATION,
      client_name: 'n'.repeat(200),
      client_uri: `https://example.com/${'u'.repeat(2000 - 20)}`,
      contacts: Array.from({ length: 10 }, (_, i) => `owner${i}@example.com`),
      software_id: 's'.repeat(200),
      software_version: 'v'.repeat(200),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  it('refuses what would need the secret in clear: client_secret_jwt and HS256 id tokens', async () => {
    for (const override of [
      { token_endpoint_auth_method: 'client_secret_jwt' },
      { token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'HS256' },
    ]) {
      const res = await h.register({ ...CLAUDE_REGISTRATION, ...override });
      expect(res.status, JSON.stringify(override)).toBe(400);
      expect(res.body.error).toBe('invalid_client_metadata');
    }
    const metadata = await h.client.json('/.well-known/oauth-authorization-server');
    expect(metadata.body.token_endpoint_auth_methods_supported).toEqual([
      'none',
      'client_secret_basic',
      'client_secret_post',
    ]);
    expect(metadata.body.id_token_signing_alg_values_supported).toEqual(['ES256']);
    expect(metadata.body).not.toHaveProperty('request_object_signing_alg_values_supported');
    expect(metadata.body).not.toHaveProperty('token_endpoint_auth_signing_alg_values_supported');
  });
});

describe('OAuth security: client storage across a restart', () => {
  let dataDir: string;
  const secrets = new MemorySecretStore();
  let ferry: TestFerry | undefined;
  let h: OAuthHarness;
  const stateFile = () => path.join(dataDir, 'oauth-state.json');
  const confidential: { id: string; secret: string; refreshToken: string }[] = [];
  const neverApproved: string[] = [];

  const start = async () => {
    ferry = await startFerry(
      { echo: echoServer() },
      { auth: true, publicUrl: PUBLIC, dataDir, secrets, ferry: { tunnel: { mode: 'off' } } },
    );
    await serverState(ferry, 'echo', 'ready');
    h = new OAuthHarness(ferry, PUBLIC);
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-registration-'));
    await start();
  });
  afterAll(async () => {
    await ferry?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  const token = (fields: Record<string, string>, authorization?: string): Promise<JsonResult> =>
    h.client.json('/token', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(authorization ? { authorization } : {}),
      },
      body: new URLSearchParams(fields).toString(),
    });
  const listed = async (): Promise<ListedClient[]> =>
    (await (await h.admin('/api/clients')).json()) as ListedClient[];

  /** Registers a confidential client, runs the browser leg and returns what the code exchange needs. */
  const authorizeConfidential = async (method?: string) => {
    const registered = await h.register({
      client_name: `confidential ${method ?? 'default'}`,
      redirect_uris: [LOOPBACK_CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...(method ? { token_endpoint_auth_method: method } : {}),
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body.token_endpoint_auth_method).toBe(method ?? 'client_secret_basic');
    const id = registered.body.client_id as string;
    const secret = registered.body.client_secret as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{64,}$/);
    const { verifier, challenge } = pkce();
    const { location } = await h.browser({ clientId: id, redirectUri: LOOPBACK_CALLBACK, challenge });
    const fields = {
      grant_type: 'authorization_code',
      code: location.searchParams.get('code') as string,
      code_verifier: verifier,
      redirect_uri: LOOPBACK_CALLBACK,
      resource: h.mcpUrl,
    };
    return { id, secret, fields };
  };

  it('a confidential client (method omitted: client_secret_basic) gets tokens with its secret, not a wrong one', async () => {
    const { id, secret, fields } = await authorizeConfidential();
    // The last character changed (to one it is not), so the wrong secret differs in one place only.
    const wrongSecret = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const wrong = await token(fields, basic(id, wrongSecret));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    const res = await token(fields, basic(id, secret));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await h.initializeWith(res.body.access_token as string)).status).toBe(200);
    confidential.push({ id, secret, refreshToken: res.body.refresh_token as string });
  });

  it('a client_secret_post client gets tokens with its secret in the body, not a wrong one', async () => {
    const { id, secret, fields } = await authorizeConfidential('client_secret_post');
    const wrong = await token({ ...fields, client_id: id, client_secret: 'not-the-secret' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    const res = await token({ ...fields, client_id: id, client_secret: secret });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    confidential.push({ id, secret, refreshToken: res.body.refresh_token as string });
  });

  it('oauth-state.json holds only hashes of the secrets, and the hash is no password', async () => {
    const text = await readFile(stateFile(), 'utf8');
    const state = JSON.parse(text) as {
      models: { Client: Record<string, { payload: { client_secret?: string } }> };
    };
    for (const { id, secret, refreshToken } of confidential) {
      expect(text).not.toContain(secret);
      const stored = state.models.Client[id]?.payload.client_secret as string;
      expect(stored).toMatch(/^sha256\$/);
      const res = await token(
        { grant_type: 'refresh_token', refresh_token: refreshToken },
        basic(id, stored),
      );
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
    }
  });

  it('12 registrations nobody approves leave oauth-state.json unchanged, and are listed apart', async () => {
    const before = await readFile(stateFile(), 'utf8');
    const { size, mtimeMs } = await stat(stateFile());
    for (let i = 0; i < 12; i++) {
      neverApproved.push(
        await h.registerClient({ client_name: `drive-by ${i}`, contacts: ['x@example.com'] }),
      );
    }
    // Give a write that should not happen more than time enough (the store writes 50 ms after a change).
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Not even rewritten with the same text.
    expect(await stat(stateFile())).toMatchObject({ size, mtimeMs });
    expect(await readFile(stateFile(), 'utf8')).toBe(before);
    const clients = await listed();
    expect(
      clients
        .filter((c) => c.state === 'approved')
        .map((c) => c.clientId)
        .sort(),
    ).toEqual(confidential.map((c) => c.id).sort());
    expect(
      clients
        .filter((c) => c.state === 'registered')
        .map((c) => c.clientId)
        .sort(),
    ).toEqual([...neverApproved].sort());
  });

  it('after a restart the approved clients refresh with their secrets; the never-approved are gone', async () => {
    await (ferry as TestFerry).stop();
    ferry = undefined;
    await start();
    const [viaBasic, viaPost] = confidential as [
      (typeof confidential)[number],
      (typeof confidential)[number],
    ];
    const refreshed = await token(
      { grant_type: 'refresh_token', refresh_token: viaBasic.refreshToken },
      basic(viaBasic.id, viaBasic.secret),
    );
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    const posted = await token({
      grant_type: 'refresh_token',
      refresh_token: viaPost.refreshToken,
      client_id: viaPost.id,
      client_secret: viaPost.secret,
    });
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);

    // Claude answers invalid_client by registering again.
    const forgotten = await h.refresh(neverApproved[0] as string, 'no-such-token');
    expect(forgotten.status).toBe(401);
    expect(forgotten.body.error).toBe('invalid_client');
    expect((await listed()).map((c) => c.state)).toEqual(['approved', 'approved']);
  });
});
