import type { IncomingMessage, ServerResponse } from 'node:http';
import { MCP_SCOPE } from '../resources.js';
import type { AuthContext } from '../shared/context.js';
import { corsPreflight, sendJson } from '../shared/json.js';

const PROTECTED_RESOURCE = '/.well-known/oauth-protected-resource';

/**
 * Authorization server metadata: the root forms are the provider's own; path-suffixed forms (RFC 8414
 * insertion for /mcp and /mcp/<server>, and the OIDC append form) serve the same document.
 */
const AS_METADATA_INSERTED =
  /^\/\.well-known\/(oauth-authorization-server|openid-configuration)(\/mcp(\/[a-zA-Z0-9_-]{1,48})?)?\/?$/;
const AS_METADATA_APPENDED =
  /^\/mcp(\/[a-zA-Z0-9_-]{1,48})?\/\.well-known\/(oauth-authorization-server|openid-configuration)$/;

/** The provider's own path of the authorization server metadata `route` asks for; undefined: not one. */
export function authorizationServerMetadataPath(route: string): string | undefined {
  const inserted = AS_METADATA_INSERTED.exec(route);
  const appended = AS_METADATA_APPENDED.exec(route);
  if (!inserted && !appended) return undefined;
  return `/.well-known/${inserted ? inserted[1] : appended?.[2]}`;
}

/** Whether `route` is a protected-resource metadata document (RFC 9728), at the root or path-suffixed. */
export function isProtectedResourceRoute(route: string): boolean {
  return route.startsWith(PROTECTED_RESOURCE);
}

/** The resource a protected-resource metadata path at the main origin describes; undefined: none. */
export function protectedResourceAt(ctx: AuthContext, route: string): string | undefined {
  const suffix = route.slice(PROTECTED_RESOURCE.length).replace(/\/$/, '');
  return suffix === '' || suffix === '/mcp'
    ? ctx.resources.mcp()
    : ctx.resources.canonical(`${ctx.publicOrigin()}${suffix}`);
}

/** Answers a protected-resource metadata request for `resource` (undefined: nothing at this path). */
export function protectedResource(
  ctx: AuthContext,
  req: IncomingMessage,
  res: ServerResponse,
  resource: string | undefined,
): void {
  const method = req.method ?? 'GET';
  if (method === 'OPTIONS') {
    corsPreflight(res);
    return;
  }
  if (!resource || method !== 'GET') {
    sendJson(res, 404, { error: 'not_found', error_description: 'no protected resource at this path' });
    return;
  }
  sendJson(res, 200, protectedResourceMetadata(ctx, resource), { 'Cache-Control': 'max-age=300' });
}

function protectedResourceMetadata(ctx: AuthContext, resource: string) {
  return {
    resource,
    authorization_servers: [ctx.publicOrigin()],
    scopes_supported: [MCP_SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: 'Ferry',
  };
}
