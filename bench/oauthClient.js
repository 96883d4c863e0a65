// Claude's side of Ferry's OAuth flow, shared by the benchmark's handshake (auth.js) and the soak's real
// tokens (soak/oauth.js): its callback, its registration body, PKCE, and a browser tab's fetch.
//
// Node globals are imported explicitly: the repo's ESLint config declares no Node globals for JS.
import { createHash, randomBytes } from 'node:crypto';
import { URLSearchParams } from 'node:url';

export const CALLBACK = 'https://claude.ai/api/mcp/auth_callback';

/** Claude's dynamic client registration, under `name`. */
export function registrationBody(name) {
  return {
    client_name: name,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'claudeai',
    redirect_uris: [CALLBACK],
  };
}

/** A PKCE pair: the verifier the token request proves, the S256 challenge /authorize gets. */
export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Claude's /authorize query: the code flow for `resource` with the PKCE `challenge`, scope "claudeai". */
export function authorizeQuery({ clientId, challenge, state, resource, ...extra }) {
  return new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: CALLBACK,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    scope: 'claudeai',
    resource,
    ...extra,
  });
}

/** Claude's token request for the `code` /authorize sent back, as a form body. */
export function tokenRequestBody({ code, verifier, clientId, resource }) {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: CALLBACK,
    client_id: clientId,
    resource,
  }).toString();
}

/**
 * fetch as a browser tab does it through the flow: redirects left to the caller, cookies kept across
 * requests. `to` maps the URL a page names to the one fetched; `timeoutMs` bounds each request (none: no
 * bound).
 */
export function browserFetch(to, timeoutMs) {
  const cookies = new Map();
  return async (url, init = {}) => {
    const res = await fetch(to(url), {
      redirect: 'manual',
      ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
      ...init,
      headers: { ...(init.headers ?? {}), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  };
}
