// OAuth figures for the benchmark: the per-request cost of Ferry's bearer check, and the time of Claude's
// whole connector handshake (401 -> metadata -> registration -> authorize -> consent -> token -> initialize)
// against an in-process Ferry, with the consent approved the moment it is requested (no human time).
//
// Node globals are imported explicitly: the repo's ESLint config declares no Node globals for JS.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { URL } from 'node:url';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { authorizeQuery, browserFetch, pkce, registrationBody, tokenRequestBody } from './oauthClient.js';

export async function benchAuth({ root, echoServer, node }) {
  return { bearer: await bearerCost(root), handshake: await handshakes(root, echoServer, node) };
}

/** Mean and p50 of BearerVerifier.verify on a valid token: signature, claims, and the grant lookup. */
async function bearerCost(root) {
  const { BearerVerifier } = await import(join(root, 'server/dist/auth/bearer.js'));
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256' };
  const issuer = 'https://bench.example';
  const audience = `${issuer}/mcp`;
  const token = await new SignJWT({ client_id: 'c', scope: 'mcp', gid: 'g1' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'bench' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
  const grants = new Set(['g1']);
  const verifier = new BearerVerifier({
    publicJwk,
    issuer: () => issuer,
    grantExists: (id) => grants.has(id),
  });
  const header = `Bearer ${token}`;
  for (let i = 0; i < 3000; i++) await verifier.verify(header, audience);
  const samples = [];
  const started = performance.now();
  for (let i = 0; i < 20_000 && performance.now() - started < 10_000; i++) {
    const t = performance.now();
    const result = await verifier.verify(header, audience);
    samples.push(performance.now() - t);
    if (!result.ok) throw new Error(`bench token refused: ${result.reason}`);
  }
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { meanMs: mean, p50Ms: samples[Math.floor(samples.length / 2)], count: samples.length };
}

async function handshakes(root, echoServer, node) {
  const { createCore } = await import(join(root, 'server/dist/core.js'));
  const { MemorySecretStore } = await import(join(root, 'server/dist/secrets/memory.js'));
  const dataDir = mkdtempSync(join(os.tmpdir(), 'ferry-bench-auth-'));
  const configPath = join(dataDir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ mcpServers: { echo: { command: node, args: [echoServer] } } }));
  const core = createCore(
    { dataDir, configPath, port: 0, adminPort: false, tunnel: 'off', writeRuntimeFile: false },
    { secrets: new MemorySecretStore() },
  );
  const runtime = await core.start();
  await core.whenSettled();
  const off = core.events.on('consent.requested', (event) => {
    void core.admin.approveConsent(event.consent.id);
  });
  const runs = [];
  try {
    for (let i = 0; i < 6; i++) {
      const t = performance.now();
      await handshake(runtime.localUrl);
      if (i > 0) runs.push(performance.now() - t); // the first run pays for loading oidc-provider
    }
  } finally {
    off();
    await core.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)], runs };
}

/** Claude's sequence, step by step, as fast as the server answers. */
async function handshake(origin) {
  const fetchWith = browserFetch((url) => new URL(url, origin));
  const expect = (res, status, what) => {
    if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status}`);
    return res;
  };
  const initialize = JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  });
  const mcpHeaders = { 'content-type': 'application/json', accept: '*/*' };
  expect(
    await fetchWith('/mcp', { method: 'POST', headers: mcpHeaders, body: initialize }),
    401,
    'unauthenticated',
  );
  await expect(await fetchWith('/.well-known/oauth-protected-resource/mcp'), 200, 'resource metadata').json();
  await expect(await fetchWith('/.well-known/oauth-authorization-server'), 200, 'AS metadata').json();
  const registered = await expect(
    await fetchWith('/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(registrationBody('claudeai')),
    }),
    201,
    'registration',
  ).json();
  const { verifier, challenge } = pkce();
  const query = authorizeQuery({
    clientId: registered.client_id,
    challenge,
    state: 's',
    resource: `${origin}/mcp`,
    prompt: 'consent',
  });
  const waiting = (await fetchWith(`/authorize?${query}`)).headers.get('location');
  await expect(await fetchWith(waiting), 200, 'waiting page').text();
  const uid = waiting.split('/')[2];
  let next;
  for (let i = 0; i < 200 && !next; i++) {
    next = (await (await fetchWith(`/consent/${uid}/status`)).json()).next;
  }
  const back = new URL((await fetchWith(next)).headers.get('location'));
  const tokens = await expect(
    await fetchWith('/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: tokenRequestBody({
        code: back.searchParams.get('code'),
        verifier,
        clientId: registered.client_id,
        resource: `${origin}/mcp`,
      }),
    }),
    200,
    'token',
  ).json();
  expect(
    await fetchWith('/mcp', {
      method: 'POST',
      headers: { ...mcpHeaders, authorization: `Bearer ${tokens.access_token}` },
      body: initialize,
    }),
    200,
    'authorized initialize',
  );
}

export const AUTH_TARGETS = { bearerMs: 0.05 };
