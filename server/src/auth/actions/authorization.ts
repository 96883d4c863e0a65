import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeAuthorizationQuery } from '../policy/scopes.js';
import { MCP_SCOPE, SUPPORTED_SCOPES } from '../resources.js';
import type { AuthContext } from '../shared/context.js';
import { toProvider } from '../shared/toProvider.js';

/** `GET /authorize`: the query's scope normalized, then oidc-provider's authorization endpoint. */
export async function authorization(
  ctx: AuthContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  // Claude sends "claudeai", " offline_access" or "read write": normalize, never invalid_scope.
  normalizeAuthorizationQuery(url.searchParams, SUPPORTED_SCOPES, MCP_SCOPE);
  req.url = `${url.pathname}?${url.searchParams.toString()}`;
  return toProvider(ctx, req, res);
}
