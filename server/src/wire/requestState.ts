import { createHash, randomBytes } from 'node:crypto';
import { base64url, errors, jwtVerify, SignJWT } from 'jose';
import type { SecretStore } from '../secrets/types.js';

/**
 * MCP 2026-07-28 multi round-trip requests hand the client an opaque `requestState` and take it back on
 * the retry. The client is untrusted: Ferry seals the state as a compact JWS (HS256, key in the secret
 * store) with a short expiry, bound to what it resumes — the method, the tool or prompt name, a digest of
 * the arguments and the client that asked — so a state is refused before anything reaches a child when
 * it was edited, has expired, or is replayed on another request or by another client.
 */

const KEY_NAME = 'mcp/request-state-key';
const ISSUER = 'ferry:mrtr';

export interface RequestBinding {
  method: string;
  /** Tool or prompt name (as the client addressed it). */
  name: string;
  arguments: unknown;
  /** The OAuth client (or the one local client) that asked. */
  client: string;
}

export interface SealedClaims {
  /** The parked call this state resumes. */
  parkId: string;
  /** Rounds so far: a retry must carry the latest state, never an older one. */
  round: number;
}

export type UnsealFailure = 'malformed' | 'bad_signature' | 'expired' | 'mismatch';

export class RequestStateSealer {
  readonly #key: Uint8Array;

  private constructor(key: Uint8Array) {
    this.#key = key;
  }

  /** Reads the key from the secret store, creating it on first use (it survives restarts like the OAuth keys). */
  static async open(store: SecretStore | undefined): Promise<RequestStateSealer> {
    const existing = store ? await store.get(KEY_NAME).catch(() => undefined) : undefined;
    if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing))
      return new RequestStateSealer(base64url.decode(existing));
    const key = randomBytes(32);
    // Without a store (tests, a failed keychain) the key lives as long as the process: states from
    // before a restart are refused, which only means the client starts the call again.
    await store?.set(KEY_NAME, base64url.encode(key)).catch(() => undefined);
    return new RequestStateSealer(key);
  }

  seal(claims: SealedClaims, binding: RequestBinding, ttlSeconds: number): Promise<string> {
    return new SignJWT({ pid: claims.parkId, rnd: claims.round, bnd: bindingDigest(binding) })
      .setProtectedHeader({ alg: 'HS256', typ: 'mcp-request-state' })
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.#key);
  }

  async unseal(
    token: unknown,
    binding: RequestBinding,
  ): Promise<{ ok: true; claims: SealedClaims } | { ok: false; reason: UnsealFailure }> {
    if (typeof token !== 'string' || token.length > 4096) return { ok: false, reason: 'malformed' };
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        typ: 'mcp-request-state',
      });
      if (typeof payload.pid !== 'string' || typeof payload.rnd !== 'number') {
        return { ok: false, reason: 'malformed' };
      }
      if (payload.bnd !== bindingDigest(binding)) return { ok: false, reason: 'mismatch' };
      return { ok: true, claims: { parkId: payload.pid, round: payload.rnd } };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
      if (error instanceof errors.JWSSignatureVerificationFailed)
        return { ok: false, reason: 'bad_signature' };
      return { ok: false, reason: 'malformed' };
    }
  }
}

/** A digest of what the state resumes; arguments are hashed in a key-order-independent form. */
export function bindingDigest(binding: RequestBinding): string {
  return createHash('sha256')
    .update(JSON.stringify([binding.method, binding.name, canonical(binding.arguments), binding.client]))
    .digest('base64url');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
