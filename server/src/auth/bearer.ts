import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWK, type JWTPayload } from 'jose';

export interface BearerClaims extends JWTPayload {
  client_id?: string;
  scope?: string;
  /** Ferry's claim: the grant the token was issued under, checked on every request so revocation bites. */
  gid?: string;
}

export type BearerResult =
  | { ok: true; claims: BearerClaims }
  | { ok: false; error: 'invalid_request' | 'invalid_token'; description: string; reason: string };

export interface BearerVerifierOptions {
  publicJwk: JWK;
  issuer: () => string;
  grantExists: (grantId: string) => boolean;
  clockToleranceSeconds?: number;
  /** Verified tokens remembered (most recently used kept). Default 1000. */
  cacheSize?: number;
  now?: () => number;
}

interface CachedToken {
  claims: BearerClaims;
  expiresAtMs: number;
}

/**
 * Checks an access token the way the MCP authorization spec asks: signature (ES256 only, never `none`
 * or HMAC with the public key), issuer, audience equal to the exact resource URL, expiry, and that its
 * grant was not revoked since. `description` is generic (it goes on the wire); `reason` is for the log.
 */
export class BearerVerifier {
  readonly #jwks: ReturnType<typeof createLocalJWKSet>;
  /**
   * A token's signature and claims verify the same way every time, so a success is remembered per
   * (resource, issuer, token): ES256 verification costs ~0.3 ms, a lookup microseconds. Expiry and the
   * grant's existence are still checked on every request, so expiry and revocation bite at once.
   */
  readonly #verified = new Map<string, CachedToken>();
  readonly #now: () => number;

  constructor(private readonly options: BearerVerifierOptions) {
    this.#jwks = createLocalJWKSet({ keys: [options.publicJwk] });
    this.#now = options.now ?? Date.now;
  }

  #remember(key: string, claims: BearerClaims): void {
    if (typeof claims.exp !== 'number') return;
    this.#verified.set(key, { claims, expiresAtMs: claims.exp * 1000 });
    const limit = this.options.cacheSize ?? 1000;
    while (this.#verified.size > limit) {
      const oldest = this.#verified.keys().next().value;
      if (oldest === undefined) break;
      this.#verified.delete(oldest);
    }
  }

  async verify(authorization: string | undefined, resource: string): Promise<BearerResult> {
    if (!authorization) return malformed('missing bearer token', 'no Authorization header');
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(authorization);
    if (!match) return malformed('malformed Authorization header', 'not a Bearer token');
    const token = match[1] as string;
    const cacheKey = `${resource}\n${this.options.issuer()}\n${token}`;
    const cached = this.#verified.get(cacheKey);
    if (cached) {
      if (this.#now() >= cached.expiresAtMs) {
        this.#verified.delete(cacheKey);
        return invalid('token expired', 'claim "exp" failed: token expired');
      }
      if (!cached.claims.gid || !this.options.grantExists(cached.claims.gid)) {
        this.#verified.delete(cacheKey);
        return invalid('token revoked', `grant ${cached.claims.gid ?? '?'} no longer exists (revoked)`);
      }
      // Re-inserting keeps the map in least-recently-used order for eviction.
      this.#verified.delete(cacheKey);
      this.#verified.set(cacheKey, cached);
      return { ok: true, claims: cached.claims };
    }
    try {
      const { payload } = await jwtVerify<BearerClaims>(token, this.#jwks, {
        issuer: this.options.issuer(),
        audience: resource,
        algorithms: ['ES256'],
        typ: 'at+jwt',
        clockTolerance: this.options.clockToleranceSeconds ?? 5,
        requiredClaims: ['exp', 'iat', 'gid'],
      });
      if (!payload.gid || !this.options.grantExists(payload.gid)) {
        return invalid('token revoked', `grant ${payload.gid ?? '?'} no longer exists (revoked)`);
      }
      this.#remember(cacheKey, payload);
      return { ok: true, claims: payload };
    } catch (error) {
      return invalid(describe(error), reasonOf(error));
    }
  }
}

/** No token to check at all: RFC 6750's invalid_request (the client sent the request wrong). */
function malformed(description: string, reason: string): BearerResult {
  return { ok: false, error: 'invalid_request', description, reason };
}

/** A token that is not (or no longer) good: RFC 6750's invalid_token. */
function invalid(description: string, reason: string): BearerResult {
  return { ok: false, error: 'invalid_token', description, reason };
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud')
    return 'token audience mismatch';
  return 'invalid token';
}

function reasonOf(error: unknown): string {
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `claim "${error.claim}" failed: ${error.reason}`;
  if (error instanceof joseErrors.JOSEError) return `${error.code}: ${error.message}`;
  return String(error);
}
