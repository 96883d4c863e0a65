import type { IncomingMessage, ServerResponse } from 'node:http';
import { TokenBucket } from '../policy/rateLimit.js';
import { validateRegistrationRedirects } from '../policy/redirectUris.js';
import { REGISTRATION_LIMITS, registrationMetadataProblem } from '../policy/registrationLimits.js';
import { withBody } from '../replay.js';
import type { AuthContext } from '../shared/context.js';
import { sendJson } from '../shared/json.js';
import { readOAuthBody } from '../shared/oauthBody.js';
import { toProvider } from '../shared/toProvider.js';

/**
 * Registrations per Ferry: a burst of 20, then one every 3 s. Claude registers once per fresh connection;
 * a script looping on `/register` would otherwise fill the state file with clients.
 */
const REGISTRATION_RATE = { capacity: 20, refillPerSecond: 1 / 3 } as const;

/**
 * `POST /register` (RFC 7591): rate-limited, the metadata checked against Ferry's limits and redirect
 * policy, then registered by oidc-provider.
 */
export function registration(ctx: AuthContext): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const registrations = new TokenBucket(REGISTRATION_RATE);
  return async (req, res) => {
    const limit = registrations.take();
    if (!limit.ok) {
      ctx.bus.emit({
        type: 'auth',
        kind: 'request.rejected',
        detail: 'client registration rate limit reached',
      });
      return sendJson(
        res,
        429,
        { error: 'temporarily_unavailable', error_description: 'too many client registrations; retry later' },
        { 'Retry-After': String(limit.retryAfterSeconds) },
      );
    }
    const raw = await readOAuthBody(ctx, req, res, REGISTRATION_LIMITS.bodyBytes);
    if (!raw) return;
    let body: Record<string, unknown>;
    try {
      const parsed = raw ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, {
        error: 'invalid_client_metadata',
        error_description: 'body must be a JSON object',
      });
    }
    const refuse = (problem: { error: string; description: string }) => {
      ctx.bus.emit({
        type: 'auth',
        kind: 'request.rejected',
        detail: `registration refused: ${problem.description}`,
      });
      sendJson(res, 400, { error: problem.error, error_description: problem.description });
    };
    const tooLong = registrationMetadataProblem(body);
    if (tooLong) return refuse(tooLong);
    const redirects = validateRegistrationRedirects(body.redirect_uris, ctx.extraRedirectUris());
    if (!redirects.ok) return refuse(redirects);
    body.redirect_uris = redirects.uris;
    // A stored client scope such as Claude's "claudeai" would later refuse every real scope.
    delete body.scope;
    return toProvider(ctx, withBody(req, JSON.stringify(body)), res);
  };
}
