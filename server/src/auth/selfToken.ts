import type Provider from 'oidc-provider';
import type { Client } from 'oidc-provider';
import { MCP_SCOPE, type ResourceUrls } from './resources.js';

/**
 * The client Ferry's own doctor speaks as. It exists only as an in-memory object here: no Client row is ever
 * stored, so `/authorize`, `/token` and `/revoke` on the public listener answer `invalid_client` for it, and
 * nothing there can mint its tokens. (Registered ids are random, metadata-document ids are https URLs, so no
 * real client can carry this id.)
 */
export const SELF_CLIENT_ID = 'ferry-doctor';
/** What Activity and the Logs call the doctor's requests: never mistaken for Claude or another real client. */
export const SELF_CLIENT_NAME = 'Ferry doctor';
/**
 * How long a self token and its grant live. The token checks take about 25 s (the SSE check alone waits up
 * to 20 s for a first event); the token is revoked as soon as they end, so this only bounds a token whose
 * revocation never ran (Ferry killed mid-run). A check still running at expiry gets 401, which the report shows.
 */
export const SELF_TOKEN_TTL_SECONDS = 60;

export class SelfTokenError extends Error {
  override readonly name = 'SelfTokenError';
}

/** A minted token. `value` goes only into the Authorization header of the doctor's own requests. */
export interface SelfToken {
  readonly value: string;
  readonly grantId: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
  /** Deletes the grant: every later request with the token gets 401 (bearer.ts checks the grant each time). */
  revoke(): Promise<void>;
}

/**
 * Mints an access token for exactly `resource` (one of Ferry's own MCP URLs) the way the token endpoint
 * would for an approved client, through the provider's own Grant and AccessToken models: a Grant for scope
 * `mcp` on that resource, and an ES256 JWT with `aud` = resource, `gid` = the grant, signed with Ferry's key.
 * Only the admin surface calls this; the public listener has no route to it.
 */
export async function mintSelfToken(
  provider: Provider,
  resources: ResourceUrls,
  resource: string,
): Promise<SelfToken> {
  if (resources.canonical(resource) !== resource)
    throw new SelfTokenError(`${resource} is not one of Ferry's own connector URLs`);
  // The models take a Client instance; the typings declare no constructor for it (oidc-provider builds
  // them from stored metadata), so the class is called as the provider itself calls it.
  const ClientClass = provider.Client as unknown as new (metadata: Record<string, unknown>) => Client;
  const client = new ClientClass({
    client_id: SELF_CLIENT_ID,
    client_name: SELF_CLIENT_NAME,
    token_endpoint_auth_method: 'none',
    grant_types: [],
    response_types: [],
    redirect_uris: [],
  });
  const grant = new provider.Grant({ clientId: SELF_CLIENT_ID, accountId: SELF_CLIENT_ID });
  // BaseToken reads `expiresIn` for the lifetime; the Grant typings leave it out of the constructor.
  Object.assign(grant, { expiresIn: SELF_TOKEN_TTL_SECONDS });
  grant.addResourceScope(resource, MCP_SCOPE);
  const grantId = await grant.save();
  const revoke = async () => {
    const found = await provider.Grant.find(grantId, { ignoreExpiration: true });
    await found?.destroy();
  };
  try {
    const token = new provider.AccessToken({
      client,
      accountId: SELF_CLIENT_ID,
      grantId,
      gty: 'ferry_self',
      scope: MCP_SCOPE,
      expiresIn: SELF_TOKEN_TTL_SECONDS,
      resourceServer: new provider.ResourceServer(resource, {
        audience: resource,
        scope: MCP_SCOPE,
        accessTokenTTL: SELF_TOKEN_TTL_SECONDS,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    });
    const value = await token.save();
    return {
      value,
      grantId,
      expiresAt: Math.floor(Date.now() / 1000) + SELF_TOKEN_TTL_SECONDS,
      revoke,
    };
  } catch (error) {
    await revoke().catch(() => undefined);
    throw error;
  }
}
