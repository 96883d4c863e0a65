import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorization } from './actions/authorization.js';
import { consent, type ConsentAction } from './actions/consent.js';
import {
  authorizationServerMetadataPath,
  isProtectedResourceRoute,
  protectedResource,
  protectedResourceAt,
} from './actions/discovery.js';
import { registration } from './actions/registration.js';
import { token } from './actions/token.js';
import { serverHostOAuth } from './serverHostOAuth.js';
import type { AuthContext } from './shared/context.js';
import { sendJson } from './shared/json.js';
import { toProvider } from './shared/toProvider.js';

const AUTHORIZE_RESUME = /^\/authorize\/[A-Za-z0-9_-]+$/;
const CONSENT = /^\/consent\/([A-Za-z0-9_-]{1,64})(?:\/(status|abort))?$/;

/**
 * The methods oidc-provider serves on each OAuth endpoint (CORS preflights aside). The authorization
 * endpoint is GET only: RFC 6749 3.1 requires GET and leaves POST optional, and oidc-provider's POST form
 * (`enableHttpPostMethods`) would need SameSite=None cookies. Found by the fuzzer
 * (server/test/fuzz/public-oauth.test.ts): a POST to /authorize used to get a bare text/plain 404.
 */
function oauthEndpointMethods(route: string): string[] | undefined {
  if (route === '/authorize' || route === '/jwks' || AUTHORIZE_RESUME.test(route)) return ['GET', 'HEAD'];
  if (route === '/token' || route === '/register' || route === '/revoke') return ['POST'];
  return undefined;
}

/**
 * Every route of the authorization server, in the order they are tried: per-server hostnames first, then
 * the metadata documents, Ferry's own handlers for the endpoints it wraps, oidc-provider for the rest, and
 * the consent page. Resolves false when the path is none of them.
 */
export function authRoutes(
  ctx: AuthContext,
): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const register = registration(ctx);
  return async (req, res, url) => {
    const route = url.pathname;
    const method = req.method ?? 'GET';
    // A per-server hostname has its own resource metadata; its browser sign-in happens at the main origin.
    const hostAnswer = serverHostOAuth(req, url, ctx.resources, ctx.publicOrigin());
    if (hostAnswer?.kind === 'redirect') {
      req.resume();
      res.writeHead(hostAnswer.status, { Location: hostAnswer.location, 'Cache-Control': 'no-store' });
      res.end();
      return true;
    }
    if (hostAnswer?.kind === 'metadata') {
      protectedResource(ctx, req, res, hostAnswer.resource);
      return true;
    }
    if (isProtectedResourceRoute(route)) {
      protectedResource(ctx, req, res, protectedResourceAt(ctx, route));
      return true;
    }
    const asMetadata = authorizationServerMetadataPath(route);
    if (asMetadata) {
      req.url = asMetadata;
      await toProvider(ctx, req, res);
      return true;
    }
    const allowed = oauthEndpointMethods(route);
    if (allowed && method !== 'OPTIONS' && !allowed.includes(method)) {
      // oidc-provider answers a method it does not route with a bare text/plain 404.
      req.resume();
      sendJson(
        res,
        405,
        { error: 'invalid_request', error_description: `${route} takes ${allowed.join(' or ')} only` },
        { Allow: allowed.join(', ') },
      );
      return true;
    }
    if (route === '/register' && method === 'POST') {
      await register(req, res);
      return true;
    }
    if (route === '/token' && method === 'POST') {
      await token(ctx, req, res);
      return true;
    }
    if (route === '/authorize' && method === 'GET') {
      await authorization(ctx, req, res, url);
      return true;
    }
    if (allowed) {
      // The rest of oidc-provider's endpoints (jwks, revocation, authorization resume) and preflights.
      await toProvider(ctx, req, res);
      return true;
    }
    const consentRoute = CONSENT.exec(route);
    if (consentRoute && method === 'GET') {
      await consent(ctx, req, res, consentRoute[1] as string, (consentRoute[2] ?? 'page') as ConsentAction);
      return true;
    }
    return false;
  };
}
