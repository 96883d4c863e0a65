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
}

/**
 * Checks an access token the way the MCP authorization spec asks: signature (ES256 only, never `none`
 * or HMAC with the public key), issuer, audience equal to the exact resource URL, expiry, and that its
 * grant was not revoked since. `description` is generic (it goes on the wire); `reason` is for the log.
 */
export class BearerVerifier {
  readonly #jwks: ReturnType<typeof createLocalJWKSet>;

  constructor(private readonly options: BearerVerifierOptions) {
    this.#jwks = createLocalJWKSet({ keys: [options.publicJwk] });
  }

  async verify(authorization: string | undefined, resource: string): Promise<BearerResult> {
    if (!authorization) {
      return {
        ok: false,
        error: 'invalid_request',
        description: 'missing bearer token',
        reason: 'no Authorization header',
      };
    }
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(authorization);
    if (!match) {
      return {
        ok: false,
        error: 'invalid_request',
        description: 'malformed Authorization header',
        reason: 'not a Bearer token',
      };
    }
    try {
      const { payload } = await jwtVerify<BearerClaims>(match[1] as string, this.#jwks, {
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
      return { ok: true, claims: payload };
    } catch (error) {
      return invalid(describe(error), reasonOf(error));
    }
  }
}

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
