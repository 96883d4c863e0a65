import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeScope } from '../policy/scopes.js';
import { withBody } from '../replay.js';
import { SUPPORTED_SCOPES } from '../resources.js';
import type { AuthContext } from '../shared/context.js';
import { readOAuthBody } from '../shared/oauthBody.js';
import { toProvider } from '../shared/toProvider.js';

/** `POST /token`: the body bounded, a malformed `scope` normalized (or dropped), then oidc-provider's grant. */
export async function token(ctx: AuthContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readOAuthBody(ctx, req, res);
  if (!raw) return;
  const form = new URLSearchParams(raw.toString('utf8'));
  if (form.has('scope')) {
    const scope = normalizeScope(form.get('scope'), SUPPORTED_SCOPES, '');
    if (scope) form.set('scope', scope);
    else form.delete('scope');
  }
  return toProvider(ctx, withBody(req, form.toString()), res);
}
