import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthContext } from './context.js';

/** Hands a request to oidc-provider as if it came straight from the public origin. */
export async function toProvider(ctx: AuthContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const origin = new URL(ctx.publicOrigin());
  // Never trust forwarding headers from the outside: Ferry knows its public origin itself.
  req.headers['x-forwarded-proto'] = origin.protocol.slice(0, -1);
  req.headers['x-forwarded-host'] = origin.host;
  delete req.headers['x-forwarded-for'];
  // Mounted at the root, as `app.use(provider.callback())` would. oidc-provider takes the part of
  // express's `originalUrl` before the URL it sees as its mount path: after a rewrite (the `/mcp/.well-known/…`
  // metadata forms) that would be `/mcp`, and every endpoint it advertises would move under it.
  (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
  await (await ctx.provider()).callback()(req, res);
}
