import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { BearerVerifier } from '../../src/auth/bearer.js';

const ISSUER = 'https://ferry.example';
const MCP = `${ISSUER}/mcp`;

describe('BearerVerifier', () => {
  let sign: (claims: Record<string, unknown>, exp?: string | number) => Promise<string>;
  let publicJwk: Awaited<ReturnType<typeof exportJWK>> & { kid: string };

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    publicJwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    sign = (claims, exp = '1h') =>
      new SignJWT({ scope: 'mcp', gid: 'g1', ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
        .setIssuer(ISSUER)
        .setAudience(MCP)
        .setIssuedAt()
        .setExpirationTime(exp)
        .sign(privateKey);
  });

  it('keeps checking revocation for a token it has already verified', async () => {
    const grants = new Set(['g1']);
    const verifier = new BearerVerifier({
      publicJwk,
      issuer: () => ISSUER,
      grantExists: (g) => grants.has(g),
    });
    const header = `Bearer ${await sign({})}`;
    expect((await verifier.verify(header, MCP)).ok).toBe(true);
    expect((await verifier.verify(header, MCP)).ok).toBe(true);
    grants.delete('g1');
    expect(await verifier.verify(header, MCP)).toMatchObject({
      ok: false,
      error: 'invalid_token',
      description: 'token revoked',
    });
  });

  it('refuses a remembered token once it expires', async () => {
    let now = Date.now();
    const verifier = new BearerVerifier({
      publicJwk,
      issuer: () => ISSUER,
      grantExists: () => true,
      now: () => now,
    });
    const header = `Bearer ${await sign({}, Math.floor(now / 1000) + 60)}`;
    expect((await verifier.verify(header, MCP)).ok).toBe(true);
    now += 61_000;
    expect(await verifier.verify(header, MCP)).toMatchObject({ ok: false, description: 'token expired' });
  });

  it('never lets a token verified for one resource pass for another', async () => {
    const verifier = new BearerVerifier({ publicJwk, issuer: () => ISSUER, grantExists: () => true });
    const header = `Bearer ${await sign({})}`;
    expect((await verifier.verify(header, MCP)).ok).toBe(true);
    expect(await verifier.verify(header, `${MCP}/echo`)).toMatchObject({
      ok: false,
      description: 'token audience mismatch',
    });
  });

  it('forgets a remembered token when the issuer (tunnel hostname) changes', async () => {
    let issuer = ISSUER;
    const verifier = new BearerVerifier({ publicJwk, issuer: () => issuer, grantExists: () => true });
    const header = `Bearer ${await sign({})}`;
    expect((await verifier.verify(header, MCP)).ok).toBe(true);
    issuer = 'https://new-words.trycloudflare.com';
    expect((await verifier.verify(header, MCP)).ok).toBe(false);
  });

  it('stays bounded', async () => {
    const verifier = new BearerVerifier({
      publicJwk,
      issuer: () => ISSUER,
      grantExists: () => true,
      cacheSize: 3,
    });
    const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => sign({ n: i })));
    for (const token of tokens) expect((await verifier.verify(`Bearer ${token}`, MCP)).ok).toBe(true);
    // Older entries were evicted and verify again from scratch; still valid.
    expect((await verifier.verify(`Bearer ${tokens[0] as string}`, MCP)).ok).toBe(true);
  });

  it('refuses missing and malformed headers with invalid_request', async () => {
    const verifier = new BearerVerifier({ publicJwk, issuer: () => ISSUER, grantExists: () => true });
    expect(await verifier.verify(undefined, MCP)).toMatchObject({ ok: false, error: 'invalid_request' });
    expect(await verifier.verify('Basic abc', MCP)).toMatchObject({ ok: false, error: 'invalid_request' });
  });
});
