import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConsentError } from '../consent.js';
import { pageHeaders, renderMessagePage, renderWaitingPage } from '../pages.js';
import { browserCookie, browserSecretFrom, REMEMBERED_LIMITS } from '../rememberedApprovals.js';
import { MCP_SCOPE } from '../resources.js';
import type { AuthContext } from '../shared/context.js';
import { sendJson } from '../shared/json.js';
import { safeHost } from '../shared/safeHost.js';

/** What a consent route asks for: the waiting page, the page's own polling, or the end of a refusal. */
export type ConsentAction = 'page' | 'status' | 'abort';

/**
 * `GET /consent/<uid>` (the waiting page), `/consent/<uid>/status` (its polling) and `/consent/<uid>/abort`
 * (the end of a denied, expired or replaced request). The decision itself is made on this machine, never
 * here: the page only waits for it and then resumes the authorization.
 */
export async function consent(
  ctx: AuthContext,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
  action: ConsentAction,
): Promise<void> {
  const current = await ctx.provider();
  let interaction;
  try {
    interaction = await current.interactionDetails(req, res);
  } catch {
    const nonce = randomBytes(16).toString('base64');
    res.writeHead(400, pageHeaders(nonce));
    res.end(
      renderMessagePage(
        'This request has expired',
        'Start connecting again from the app you were using.',
        nonce,
      ),
    );
    return;
  }
  if (interaction.uid !== uid) {
    res.writeHead(400, pageHeaders());
    res.end();
    return;
  }
  const params = interaction.params as Record<string, string | undefined>;
  const clientId = params.client_id ?? '';
  const client = await current.Client.find(clientId);
  const redirectUri = params.redirect_uri ?? client?.redirectUris?.[0] ?? '';
  const secure = ctx.publicOrigin().startsWith('https:');
  let opened;
  try {
    opened = await ctx.consents.open(
      uid,
      {
        clientId,
        clientName: client?.clientName ?? clientId,
        ...(client?.clientUri ? { clientUri: client.clientUri } : {}),
        redirectUri,
        redirectHost: safeHost(redirectUri),
        scopes: (params.scope ?? MCP_SCOPE).split(' ').filter(Boolean),
        resource: params.resource ?? ctx.resources.mcp(),
      },
      browserSecretFrom(req.headers.cookie, secure),
    );
  } catch (error) {
    if (!(error instanceof ConsentError)) throw error;
    return refusedConsentPage(res, error, action);
  }
  const state = ctx.consents.statusOf(uid);
  const cookie = ctx.consents.cookieFor(uid);
  // The remembered decision travels only to the browser that waited for it.
  const cookieHeader: Record<string, string> = cookie
    ? { 'Set-Cookie': browserCookie(cookie, secure, REMEMBERED_LIMITS.ttlSeconds) }
    : {};
  const next =
    state?.status === 'approved'
      ? interaction.returnTo
      : state && state.status !== 'pending'
        ? `/consent/${encodeURIComponent(uid)}/abort`
        : undefined;
  if (action === 'status')
    return sendJson(
      res,
      200,
      { status: state?.status ?? 'pending', next },
      { 'Cache-Control': 'no-store', ...cookieHeader },
    );
  if (action === 'abort') {
    if (state?.status === 'pending') {
      res.writeHead(303, { Location: `/consent/${encodeURIComponent(uid)}`, 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    ctx.consents.finish(uid);
    await current.interactionFinished(req, res, {
      error: 'access_denied',
      error_description:
        state?.status === 'expired'
          ? 'the request was not approved in time'
          : state?.status === 'replaced'
            ? 'a newer request from the same app replaced this one'
            : 'the user denied access',
    });
    return;
  }
  if (next) {
    res.writeHead(303, { Location: next, 'Cache-Control': 'no-store', ...cookieHeader });
    res.end();
    return;
  }
  const nonce = randomBytes(16).toString('base64');
  res.writeHead(200, pageHeaders(nonce));
  res.end(renderWaitingPage(opened, uid, nonce));
}

/** A request the consent limits refused: a page a person understands (JSON for the page's own polling). */
function refusedConsentPage(res: ServerResponse, error: ConsentError, action: ConsentAction): void {
  const status = error.code === 'consent_full' ? 503 : 429;
  const retry = { 'Retry-After': String(error.retryAfterSeconds ?? 60) };
  if (action === 'status') {
    return sendJson(
      res,
      status,
      { status: 'refused', error: error.code, error_description: error.message },
      retry,
    );
  }
  const nonce = randomBytes(16).toString('base64');
  res.writeHead(status, { ...pageHeaders(nonce), ...retry });
  res.end(
    renderMessagePage(
      error.code === 'consent_full'
        ? 'Ferry has too many requests waiting'
        : 'Too many requests from this app',
      `${error.message[0]?.toUpperCase() ?? ''}${error.message.slice(1)}.`,
      nonce,
    ),
  );
}
