import { randomBytes } from 'node:crypto';
import Provider, { errors, type Adapter, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { EventBus } from '../events/bus.js';
import type { AuthKeys } from './keys.js';
import { pageHeaders, renderErrorPage } from './pages.js';
import { MCP_SCOPE, type ResourceUrls } from './resources.js';
import { clientSecretMatches } from './store/clientSecret.js';

/**
 * Access tokens live a day. Claude often never refreshes (or refreshes without `scope` and fails), so an
 * hour-long token means reconnecting by hand several times a day; revocation does not wait for expiry
 * because every MCP request checks that the token's grant still exists.
 */
export const ACCESS_TOKEN_TTL_SECONDS = 24 * 60 * 60;
/** Refresh tokens rotate on every use and each new one lives 30 days: idle for a month means reconnect. */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
/** An approval covers this long at most; after it the user approves again. */
export const GRANT_TTL_SECONDS = 180 * 24 * 60 * 60;
/**
 * How long the provider keeps an authorization request. The user has 10 minutes to approve
 * (ConsentManager); the extra 5 let the waiting page still send the browser back with `access_denied`.
 */
export const INTERACTION_TTL_SECONDS = 15 * 60;

export interface ProviderOptions {
  issuer: string;
  adapter: (name: string) => Adapter;
  keys: AuthKeys;
  resources: ResourceUrls;
  bus: EventBus;
  /** Outbound fetch for Client ID Metadata Documents (pinned Claude document, SSRF guard). */
  fetch?: typeof fetch;
  /** Rate limit for fetching the metadata document `clientId` names; false refuses the client. */
  allowCimdFetch?: (clientId: string) => boolean;
  /** Ferry's redirect URI policy; metadata-document clients skip registration, so it is applied on use. */
  redirectProblem?: (uri: string) => string | undefined;
}

/**
 * oidc-provider set up for exactly what MCP clients use: authorization code + PKCE (S256), refresh
 * tokens, dynamic registration, client ID metadata documents, resource indicators with JWT access tokens
 * bound to one MCP URL, revocation. Everything else it can do is switched off and not advertised.
 */
export function createProvider(options: ProviderOptions): Provider {
  const { resources } = options;
  const configuration: Configuration = {
    adapter: options.adapter,
    clients: [],
    jwks: { keys: [options.keys.signingJwk] },
    cookies: {
      keys: options.keys.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    routes: {
      authorization: '/authorize',
      token: '/token',
      registration: '/register',
      revocation: '/revoke',
      jwks: '/jwks',
    },
    scopes: ['openid', 'offline_access', MCP_SCOPE],
    responseTypes: ['code'],
    pkce: { required: () => true },
    // The client secret is stored hashed (store/clientSecret.ts), so only methods that compare a presented
    // secret may be enabled: client_secret_jwt, and any HS* or symmetric-encryption algorithm (keys derived
    // from the secret), would need it in clear. Those stay off: the id token is ES256 only, and request
    // objects, JWT userinfo/introspection/responses and encryption (the features that would add them) are off.
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true, initialAccessToken: false, issueRegistrationAccessToken: false },
      registrationManagement: { enabled: false },
      revocation: {
        enabled: true,
        // A client may revoke only its own tokens. (Spelled out: the default says so on the console.)
        allowedPolicy: (_ctx, client, token) => {
          if (token.clientId === client.clientId) return Promise.resolve(true);
          if (client.clientAuthMethod === 'none') return Promise.resolve(false);
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      introspection: { enabled: false },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
      claimsParameter: { enabled: false },
      clientCredentials: { enabled: false },
      clientIdMetadataDocument: {
        enabled: true,
        ack: 'draft-02',
        allowFetch: (_ctx, clientId) => Promise.resolve(options.allowCimdFetch?.(clientId) ?? true),
        allowClient: (_ctx, client) => {
          const problem = client.redirectUris?.map((uri) => options.redirectProblem?.(uri)).find(Boolean);
          if (problem) {
            options.bus.emit({
              type: 'auth',
              kind: 'request.rejected',
              clientId: client.clientId,
              detail: `client metadata document refused: ${problem}`,
            });
          }
          return Promise.resolve(!problem);
        },
      },
      resourceIndicators: {
        enabled: true,
        // Clients that send no `resource` get the aggregated endpoint, the common case.
        defaultResource: (_ctx, _client, oneOf) => Promise.resolve(oneOf ?? resources.mcp()),
        useGrantedResource: () => Promise.resolve(true),
        getResourceServerInfo: (_ctx, indicator) => {
          const audience = resources.canonical(indicator);
          if (!audience) {
            options.bus.emit({
              type: 'auth',
              kind: 'request.rejected',
              detail: `resource "${indicator}" is not one of Ferry's MCP URLs (${resources.mcp()} or ${resources.mcp('<server>')})`,
            });
            throw new errors.InvalidTarget('resource is not an MCP endpoint of this server');
          }
          return Promise.resolve({
            scope: MCP_SCOPE,
            audience,
            accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
            accessTokenFormat: 'jwt' as const,
            jwt: { sign: { alg: 'ES256' } },
          });
        },
      },
    },
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      Grant: GRANT_TTL_SECONDS,
      Interaction: INTERACTION_TTL_SECONDS,
      RefreshToken: REFRESH_TOKEN_TTL_SECONDS,
      Session: 24 * 60 * 60,
    },
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx, client) => Promise.resolve(client.grantTypeAllowed('refresh_token')),
    expiresWithSession: () => Promise.resolve(false),
    findAccount: (_ctx, sub) => Promise.resolve({ accountId: sub, claims: () => ({ sub }) }),
    interactions: { url: (_ctx, interaction) => Promise.resolve(`/consent/${interaction.uid}`) },
    formats: {
      customizers: {
        // JWT access tokens are not stored, so revocation needs the grant id in the token to check on use.
        jwt: (_ctx, token, jwt) => {
          if ('grantId' in token && token.grantId) jwt.payload.gid = token.grantId;
        },
      },
    },
    renderError: (ctx: KoaContextWithOIDC, out) => {
      const nonce = randomBytes(16).toString('base64');
      ctx.set(pageHeaders(nonce));
      ctx.body = renderErrorPage(out, nonce);
      return Promise.resolve();
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const provider = new Provider(options.issuer, configuration);
  // cloudflared (and any reverse proxy) terminates TLS; Ferry overwrites the forwarding headers itself.
  provider.proxy = true;
  // The stored `client_secret` is a salted hash: compare the presented secret with it (constant time).
  // `provider.Client` is a class of this provider only, so no other Provider instance is affected.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(
    this: { clientSecret?: string },
    actual: string,
  ): boolean {
    return clientSecretMatches(this.clientSecret, actual);
  };
  return provider;
}
