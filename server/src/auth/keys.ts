import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { SecretStore } from '../secrets/types.js';

export interface AuthKeys {
  /** Private signing key (ES256) handed to oidc-provider. */
  signingJwk: JWK & { kid: string };
  /** Its public half, used with jose to verify access tokens on every MCP request. */
  publicJwk: JWK & { kid: string };
  /** Keys that sign the provider's cookies (the browser's interaction state). */
  cookieKeys: string[];
}

const SIGNING_KEY = 'oauth/signing-key';
const COOKIE_KEYS = 'oauth/cookie-keys';

/**
 * The token signing key lives in the OS keychain: a token forged with a stolen config directory is worth
 * nothing. Created on first start; reused afterwards so tokens survive restarts.
 */
export async function loadOrCreateKeys(store: SecretStore): Promise<AuthKeys> {
  let signingJwk = parseJwk(await store.get(SIGNING_KEY));
  if (!signingJwk) {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    signingJwk = { ...jwk, alg: 'ES256', use: 'sig', kid: randomBytes(8).toString('base64url') };
    await store.set(SIGNING_KEY, JSON.stringify(signingJwk));
  }
  const { d: _private, ...publicPart } = signingJwk;
  let cookieKeys = parseList(await store.get(COOKIE_KEYS));
  if (!cookieKeys) {
    cookieKeys = [randomBytes(32).toString('base64url')];
    await store.set(COOKIE_KEYS, JSON.stringify(cookieKeys));
  }
  return { signingJwk, publicJwk: publicPart, cookieKeys };
}

function parseJwk(text: string | undefined): (JWK & { kid: string }) | undefined {
  if (!text) return undefined;
  try {
    const jwk = JSON.parse(text) as JWK;
    return jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.d && jwk.kid
      ? (jwk as JWK & { kid: string })
      : undefined;
  } catch {
    return undefined;
  }
}

function parseList(text: string | undefined): string[] | undefined {
  if (!text) return undefined;
  try {
    const list = JSON.parse(text) as unknown;
    return Array.isArray(list) && list.length > 0 && list.every((k) => typeof k === 'string')
      ? list
      : undefined;
  } catch {
    return undefined;
  }
}
