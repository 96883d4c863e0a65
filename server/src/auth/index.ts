import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type Provider from 'oidc-provider';
import type { EventBus } from '../events/bus.js';
import type { SecretStore } from '../secrets/types.js';
import type * as ProviderModuleNs from './provider.js';
import { BearerVerifier, type BearerClaims } from './bearer.js';
import { sendBearerChallenge } from './challenge.js';
import { ConsentError, ConsentManager } from './consent.js';
import { loadOrCreateKeys, type AuthKeys } from './keys.js';
import { pageHeaders, renderMessagePage, renderWaitingPage } from './pages.js';
import { CLAUDE_CLIENT_METADATA, CLAUDE_CLIENT_METADATA_URL, createCimdFetch } from './policy/cimdFetch.js';
import { TokenBucket } from './policy/rateLimit.js';
import { MetadataFetchLimit } from './policy/metadataFetchLimit.js';
import { redirectUriProblem, validateRegistrationRedirects } from './policy/redirectUris.js';
import { REGISTRATION_LIMITS, registrationMetadataProblem } from './policy/registrationLimits.js';
import { normalizeAuthorizationQuery, normalizeScope } from './policy/scopes.js';
import {
  browserCookie,
  browserSecretFrom,
  REMEMBERED_LIMITS,
  RememberedApprovals,
  type RememberedApproval,
} from './rememberedApprovals.js';
import { BodyError, readBody, type BodyBounds } from '../http/body.js';
import { DEFAULT_LISTENER_BOUNDS } from '../http/bounds.js';
import { withBody } from './replay.js';
import { MCP_SCOPE, ResourceUrls, SUPPORTED_SCOPES } from './resources.js';
import { AuthStore, type ClientSummary } from './store/index.js';
import type { ServerHosts } from '../http/serverHosts.js';
import { serverHostOAuth } from './serverHostOAuth.js';
import { mintSelfToken, type SelfToken } from './selfToken.js';

export interface AuthOptions {
  bus: EventBus;
  dataDir: string;
  secrets: () => Promise<SecretStore>;
  /** The externally visible origin (tunnel, reverse proxy, or the local origin). */
  publicOrigin: () => string;
  serverExists: (name: string) => boolean;
  /** Per-server hostnames (`ferry.tunnel.serverHostnames`): each serves one server at exactly `/mcp`. */
  serverHosts?: ServerHosts;
  /** Redirect URIs (or https origins) the user allowed besides Claude's and loopback. */
  extraRedirectUris: () => string[];
  /** Time and drain bounds for /register and /token bodies (default: the public listener's). */
  bodyBounds?: BodyBounds;
}

export interface AuthorizedRequest {
  claims: BearerClaims;
  clientId: string | undefined;
  grantId: string;
}

export interface Auth {
  readonly consents: ConsentManager;
  readonly resources: ResourceUrls;
  readonly store: AuthStore;
  /** Serves OAuth, metadata and consent routes; false when the path is none of them. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** Authorized clients with a name a person recognises (metadata-document clients have no stored name). */
  listClients(): ClientSummary[];
  /** Forgets every remembered approval of this client (part of revoking it). */
  forgetClient(clientId: string): Promise<void>;
  /** Approvals the user chose to remember, each bound to one browser, client, redirect URI and resource. */
  listRemembered(): RememberedApproval[];
  /** Forgets one remembered approval: the next request asks the user again. False when unknown. */
  forgetRemembered(id: string): Promise<boolean>;
  /** Checks the bearer token of an MCP request for `resource`; answers 401 itself when it fails. */
  authorize(
    req: IncomingMessage,
    res: ServerResponse,
    resource: string,
  ): Promise<AuthorizedRequest | undefined>;
  /** A short-lived token for Ferry's own doctor (selfToken.ts); the admin surface is its only caller. */
  mintSelfToken(resource: string): Promise<SelfToken>;
  close(): Promise<void>;
}

const DEFAULT_SCOPE = MCP_SCOPE;
/** `/token` and `POST /authorize` bodies; `/register` has its own, smaller bound (REGISTRATION_LIMITS). */
const OAUTH_BODY_LIMIT = 64 * 1024;
type ProviderModule = typeof ProviderModuleNs;

/**
 * The OAuth 2.1 authorization server in front of `/mcp`, built on oidc-provider with Ferry's policies
 * around it: Claude's malformed scopes normalized, redirect URIs limited, registration rate-limited,
 * consent decided on this machine, tokens checked with jose on every request.
 */
export async function createAuth(options: AuthOptions): Promise<Auth> {
  const { bus } = options;
  const keys: AuthKeys = await loadOrCreateKeys(await options.secrets());
  const store = await AuthStore.open(path.join(options.dataDir, 'oauth-state.json'));
  const { approvals: remembered, legacyCleared } = await RememberedApprovals.open(options.dataDir);
  if (legacyCleared) {
    bus.log(
      'warn',
      'auth',
      'remembered approvals from an earlier Ferry were cleared: they were not bound to your browser, so anyone could use them. Apps you had remembered ask once more.',
    );
  }
  const resources = new ResourceUrls(options.publicOrigin, options.serverExists, options.serverHosts);
  const registrations = new TokenBucket({ capacity: 20, refillPerSecond: 1 / 3 });
  const pinnedDocuments = { [CLAUDE_CLIENT_METADATA_URL]: CLAUDE_CLIENT_METADATA };
  const metadataFetches = new MetadataFetchLimit(Object.keys(pinnedDocuments));
  const cimdFetch = createCimdFetch({ pinned: pinnedDocuments });

  let issuer = '';
  let provider: Provider | undefined;
  // oidc-provider (with Koa) is the heaviest part of Ferry: loaded on the first OAuth request, not at start.
  let providerModule: Promise<ProviderModule> | undefined;
  const currentProvider = async (): Promise<Provider> => {
    const { createProvider } = await (providerModule ??= import('./provider.js'));
    const origin = options.publicOrigin();
    // The issuer is fixed when a Provider is built: a new public hostname needs a new one.
    if (!provider || issuer !== origin) {
      issuer = origin;
      provider = createProvider({
        issuer,
        adapter: (name) => store.adapterFor(name),
        keys,
        resources,
        bus,
        fetch: cimdFetch,
        allowCimdFetch: (clientId) => metadataFetches.allow(clientId),
        redirectProblem: (uri) => redirectUriProblem(uri, options.extraRedirectUris()),
      });
      observe(provider, bus);
    }
    return provider;
  };

  const verifier = new BearerVerifier({
    publicJwk: keys.publicJwk,
    issuer: () => options.publicOrigin(),
    grantExists: (grantId) => store.grantExists(grantId),
  });

  const consents = new ConsentManager({
    bus,
    provider: currentProvider,
    rememberedFor: (browser, request) => remembered.match(browser, request),
    remember: (browser, request) => remembered.add(browser, request),
  });

  // Claude registers a new client on every fresh connection; the ones never approved go after a day.
  const sweeper = setInterval(
    () => void store.sweepUnapprovedClients(24 * 60 * 60).catch(() => undefined),
    60 * 60_000,
  );
  sweeper.unref();

  /** Hands a request to oidc-provider as if it came straight from the public origin. */
  const toProvider = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = new URL(options.publicOrigin());
    // Never trust forwarding headers from the outside: Ferry knows its public origin itself.
    req.headers['x-forwarded-proto'] = origin.protocol.slice(0, -1);
    req.headers['x-forwarded-host'] = origin.host;
    delete req.headers['x-forwarded-for'];
    await (await currentProvider()).callback()(req, res);
  };

  const protectedResourceMetadata = (resource: string) => ({
    resource,
    authorization_servers: [options.publicOrigin()],
    scopes_supported: [MCP_SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: 'Ferry',
  });

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Access-Control-Allow-Origin': '*',
      ...headers,
    });
    res.end(text);
  };

  /**
   * OAuth requests are tiny and sent at once; a larger body is answered 413 (after draining it, so the
   * client reads the answer) and a trickled one 408, instead of being parsed.
   */
  const readOAuthBody = async (
    req: IncomingMessage,
    res: ServerResponse,
    limit = OAUTH_BODY_LIMIT,
  ): Promise<Buffer | undefined> => {
    try {
      return await readBody(req, limit, options.bodyBounds ?? DEFAULT_LISTENER_BOUNDS);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      const description =
        error.kind === 'too_large' ? `request body over ${limit / 1024} KiB` : error.message;
      json(
        res,
        error.status,
        { error: 'invalid_request', error_description: description },
        { Connection: 'close' },
      );
      return undefined;
    }
  };

  const handleRegistration = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const limit = registrations.take();
    if (!limit.ok) {
      bus.emit({ type: 'auth', kind: 'request.rejected', detail: 'client registration rate limit reached' });
      return json(
        res,
        429,
        { error: 'temporarily_unavailable', error_description: 'too many client registrations; retry later' },
        { 'Retry-After': String(limit.retryAfterSeconds) },
      );
    }
    const raw = await readOAuthBody(req, res, REGISTRATION_LIMITS.bodyBytes);
    if (!raw) return;
    let body: Record<string, unknown>;
    try {
      const parsed = raw ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return json(res, 400, {
        error: 'invalid_client_metadata',
        error_description: 'body must be a JSON object',
      });
    }
    const refuse = (problem: { error: string; description: string }) => {
      bus.emit({
        type: 'auth',
        kind: 'request.rejected',
        detail: `registration refused: ${problem.description}`,
      });
      json(res, 400, { error: problem.error, error_description: problem.description });
    };
    const tooLong = registrationMetadataProblem(body);
    if (tooLong) return refuse(tooLong);
    const redirects = validateRegistrationRedirects(body.redirect_uris, options.extraRedirectUris());
    if (!redirects.ok) return refuse(redirects);
    body.redirect_uris = redirects.uris;
    // A stored client scope such as Claude's "claudeai" would later refuse every real scope.
    delete body.scope;
    return toProvider(withBody(req, JSON.stringify(body)), res);
  };

  const handleToken = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readOAuthBody(req, res);
    if (!raw) return;
    const form = new URLSearchParams(raw.toString('utf8'));
    if (form.has('scope')) {
      const scope = normalizeScope(form.get('scope'), SUPPORTED_SCOPES, '');
      if (scope) form.set('scope', scope);
      else form.delete('scope');
    }
    return toProvider(withBody(req, form.toString()), res);
  };

  const handleAuthorize = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    // Claude sends "claudeai", " offline_access" or "read write": normalize, never invalid_scope.
    normalizeAuthorizationQuery(url.searchParams, SUPPORTED_SCOPES, MCP_SCOPE);
    req.url = `${url.pathname}?${url.searchParams.toString()}`;
    return toProvider(req, res);
  };

  const handleConsent = async (req: IncomingMessage, res: ServerResponse, uid: string, action: string) => {
    const current = await currentProvider();
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
    const secure = options.publicOrigin().startsWith('https:');
    let consent;
    try {
      consent = await consents.open(
        uid,
        {
          clientId,
          clientName: client?.clientName ?? clientId,
          ...(client?.clientUri ? { clientUri: client.clientUri } : {}),
          redirectUri,
          redirectHost: safeHost(redirectUri),
          scopes: (params.scope ?? DEFAULT_SCOPE).split(' ').filter(Boolean),
          resource: params.resource ?? resources.mcp(),
        },
        browserSecretFrom(req.headers.cookie, secure),
      );
    } catch (error) {
      if (!(error instanceof ConsentError)) throw error;
      return refusedConsentPage(res, error, action);
    }
    const state = consents.statusOf(uid);
    const cookie = consents.cookieFor(uid);
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
      return json(
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
      consents.finish(uid);
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
    res.end(renderWaitingPage(consent, uid, nonce));
  };

  /** A request the consent limits refused: a page a person understands (JSON for the page's own polling). */
  const refusedConsentPage = (res: ServerResponse, error: ConsentError, action: string): void => {
    const status = error.code === 'consent_full' ? 503 : 429;
    const retry = { 'Retry-After': String(error.retryAfterSeconds ?? 60) };
    if (action === 'status') {
      return json(
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
  };

  return {
    consents,
    resources,
    store,

    async handle(req, res, url) {
      const route = url.pathname;
      const method = req.method ?? 'GET';
      // A per-server hostname has its own resource metadata; its browser sign-in happens at the main origin.
      const hostAnswer = serverHostOAuth(req, url, resources, options.publicOrigin());
      if (hostAnswer?.kind === 'redirect') {
        req.resume();
        res.writeHead(hostAnswer.status, { Location: hostAnswer.location, 'Cache-Control': 'no-store' });
        res.end();
        return true;
      }
      if (hostAnswer?.kind === 'metadata') {
        if (method === 'OPTIONS') return corsPreflight(res);
        if (!hostAnswer.resource || method !== 'GET') {
          json(res, 404, { error: 'not_found', error_description: 'no protected resource at this path' });
          return true;
        }
        json(res, 200, protectedResourceMetadata(hostAnswer.resource), { 'Cache-Control': 'max-age=300' });
        return true;
      }
      if (route.startsWith('/.well-known/oauth-protected-resource')) {
        if (method === 'OPTIONS') return corsPreflight(res);
        const suffix = route.slice('/.well-known/oauth-protected-resource'.length).replace(/\/$/, '');
        const resource =
          suffix === '' || suffix === '/mcp'
            ? resources.mcp()
            : resources.canonical(`${options.publicOrigin()}${suffix}`);
        if (!resource || method !== 'GET') {
          json(res, 404, { error: 'not_found', error_description: 'no protected resource at this path' });
          return true;
        }
        json(res, 200, protectedResourceMetadata(resource), { 'Cache-Control': 'max-age=300' });
        return true;
      }
      // Authorization server metadata: the root forms are the provider's own; path-suffixed forms
      // (RFC 8414 insertion for /mcp and /mcp/<server>, and the OIDC append form) serve the same document.
      const asMetadata =
        /^\/\.well-known\/(oauth-authorization-server|openid-configuration)(\/mcp(\/[a-zA-Z0-9_-]{1,48})?)?\/?$/.exec(
          route,
        );
      const appended =
        /^\/mcp(\/[a-zA-Z0-9_-]{1,48})?\/\.well-known\/(oauth-authorization-server|openid-configuration)$/.exec(
          route,
        );
      if (asMetadata || appended) {
        req.url = `/.well-known/${asMetadata ? asMetadata[1] : appended?.[2]}`;
        await toProvider(req, res);
        return true;
      }
      const allowed = oauthEndpointMethods(route);
      if (allowed && method !== 'OPTIONS' && !allowed.includes(method)) {
        // oidc-provider answers a method it does not route with a bare text/plain 404.
        req.resume();
        json(
          res,
          405,
          { error: 'invalid_request', error_description: `${route} takes ${allowed.join(' or ')} only` },
          { Allow: allowed.join(', ') },
        );
        return true;
      }
      if (route === '/register' && method === 'POST') {
        await handleRegistration(req, res);
        return true;
      }
      if (route === '/token' && method === 'POST') {
        await handleToken(req, res);
        return true;
      }
      if (route === '/authorize' && method === 'GET') {
        await handleAuthorize(req, res, url);
        return true;
      }
      if (
        /^\/authorize\/[A-Za-z0-9_-]+$/.test(route) ||
        route === '/jwks' ||
        route === '/revoke' ||
        route === '/register' ||
        route === '/token' ||
        route === '/authorize'
      ) {
        await toProvider(req, res);
        return true;
      }
      const consent = /^\/consent\/([A-Za-z0-9_-]{1,64})(?:\/(status|abort))?$/.exec(route);
      if (consent && method === 'GET') {
        await handleConsent(req, res, consent[1] as string, consent[2] ?? 'page');
        return true;
      }
      return false;
    },

    async authorize(req, res, resource) {
      if (new URL(req.url ?? '/', 'http://local').searchParams.has('access_token')) {
        // Tokens in URLs end up in logs and Referers; OAuth 2.1 forbids them. Treat as absent.
        bus.emit({
          type: 'auth',
          kind: 'token.rejected',
          detail: 'access token sent in the query string: refused',
        });
      }
      const result = await verifier.verify(req.headers.authorization, resource);
      if (!result.ok) {
        if (req.headers.authorization) {
          bus.emit({
            type: 'auth',
            kind: 'token.rejected',
            detail: `${result.description} for ${resource}: ${result.reason}`,
          });
        }
        sendBearerChallenge(
          res,
          resources.metadataUrl(resource),
          req.headers.authorization ? result : undefined,
        );
        return undefined;
      }
      const clientId = result.claims.client_id;
      if (clientId) store.touchClient(clientId);
      return { claims: result.claims, clientId, grantId: result.claims.gid as string };
    },

    forgetClient: async (clientId) => {
      await remembered.removeClient(clientId);
    },
    listRemembered: () => remembered.list(),
    mintSelfToken: async (resource) => mintSelfToken(await currentProvider(), resources, resource),
    forgetRemembered: (id) => remembered.remove(id),

    listClients: () =>
      store.listClients().map((client) => {
        if (client.clientName) return client;
        const pinned =
          client.clientId === CLAUDE_CLIENT_METADATA_URL ? CLAUDE_CLIENT_METADATA.client_name : undefined;
        return { ...client, clientName: pinned ?? safeHost(client.clientId) };
      }),

    async close() {
      clearInterval(sweeper);
      consents.close();
      await store.close();
    },
  };

  function corsPreflight(res: ServerResponse): true {
    res.writeHead(204, {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, OPTIONS',
      'Access-Control-Allow-Headers': 'MCP-Protocol-Version, Content-Type',
    });
    res.end();
    return true;
  }
}

function safeHost(uri: string): string {
  try {
    return new URL(uri).host;
  } catch {
    return uri;
  }
}

/** Mirrors the provider's own events onto Ferry's bus, so the CLI, window and doctor can show them. */
function observe(provider: Provider, bus: EventBus): void {
  provider.on('registration_create.success', (_ctx, client) => {
    bus.emit({
      type: 'auth',
      kind: 'client.registered',
      clientId: client.clientId,
      detail: `registered "${client.clientName ?? client.clientId}"`,
    });
  });
  provider.on('grant.success', (ctx) => {
    const kind = ctx.oidc.params?.grant_type === 'refresh_token' ? 'token.refreshed' : 'token.issued';
    bus.emit({
      type: 'auth',
      kind,
      clientId: ctx.oidc.client?.clientId,
      detail: `${kind === 'token.issued' ? 'tokens issued' : 'tokens refreshed'}`,
    });
  });
  provider.on('grant.error', (ctx, error) => {
    bus.emit({
      type: 'auth',
      kind: 'request.rejected',
      clientId: ctx.oidc.client?.clientId,
      detail: `token request failed: ${error.message}${'error_description' in error && error.error_description ? ` (${String(error.error_description)})` : ''}`,
    });
  });
  provider.on('grant.revoked', (_ctx, grantId) => {
    bus.emit({ type: 'auth', kind: 'grant.revoked', detail: `grant ${grantId} revoked` });
  });
  provider.on('authorization.error', (ctx, error) => {
    bus.emit({
      type: 'auth',
      kind: 'request.rejected',
      clientId: ctx.oidc?.client?.clientId,
      detail: `authorization failed: ${error.message}${'error_description' in error && error.error_description ? ` (${String(error.error_description)})` : ''}`,
    });
  });
  provider.on('registration_create.error', (_ctx, error) => {
    bus.emit({ type: 'auth', kind: 'request.rejected', detail: `registration failed: ${error.message}` });
  });
}

/**
 * The methods oidc-provider serves on each OAuth endpoint (CORS preflights aside). The authorization
 * endpoint is GET only: RFC 6749 3.1 requires GET and leaves POST optional, and oidc-provider's POST form
 * (`enableHttpPostMethods`) would need SameSite=None cookies. Found by the fuzzer
 * (server/test/fuzz/public-oauth.test.ts): a POST to /authorize used to get a bare text/plain 404.
 */
function oauthEndpointMethods(route: string): string[] | undefined {
  if (route === '/authorize' || route === '/jwks' || /^\/authorize\/[A-Za-z0-9_-]+$/.test(route))
    return ['GET', 'HEAD'];
  if (route === '/token' || route === '/register' || route === '/revoke') return ['POST'];
  return undefined;
}
