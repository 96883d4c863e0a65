// Real tokens through Ferry's real OAuth flow, the way Claude gets them: register (dynamic client
// registration), /authorize with PKCE, the waiting page, approval on this machine (the admin API, as the
// tray's Approve button does), the page's polling, the redirect with the code, /token.
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL } from 'node:url';
import {
  authorizeQuery,
  browserFetch,
  CALLBACK,
  pkce,
  registrationBody,
  tokenRequestBody,
} from '../oauthClient.js';

/** Registration retries after a 429 (the registration burst fault empties the bucket): at most this many. */
const REGISTER_ATTEMPTS = 20;
/** Consent status polls before the flow gives up. */
const STATUS_POLLS = 200;

export class OAuthError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** POST /register once; resolves with the raw response. */
export function register(localUrl, name) {
  return fetch(`${localUrl}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(registrationBody(name)),
    signal: AbortSignal.timeout(10_000),
  });
}

/**
 * A token for `resource` (`<public origin>/mcp[/<server>]`). `ferry` gives localUrl, publicUrl and admin(),
 * the admin API call. Resolves with { clientId, accessToken }.
 */
export async function connect(ferry, resource, name = 'claudeai') {
  const local = (url) => {
    const absolute = new URL(url, ferry.publicUrl);
    return absolute.origin === new URL(ferry.publicUrl).origin
      ? `${ferry.localUrl}${absolute.pathname}${absolute.search}`
      : absolute.href;
  };
  const get = browserFetch(local, 10_000);
  let registered;
  for (let attempt = 1; !registered; attempt++) {
    const res = await register(ferry.localUrl, name);
    if (res.status === 201) registered = await res.json();
    else if (res.status === 429 && attempt < REGISTER_ATTEMPTS) {
      await res.arrayBuffer();
      await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
    } else throw new OAuthError(`register: HTTP ${res.status} ${await res.text()}`, res.status);
  }
  const { verifier, challenge } = pkce();
  const query = authorizeQuery({
    clientId: registered.client_id,
    challenge,
    state: randomBytes(8).toString('hex'),
    resource,
  });
  const start = await get(`/authorize?${query}`);
  const waiting = start.headers.get('location');
  if (!waiting) throw new OAuthError(`authorize: HTTP ${start.status} ${await start.text()}`, start.status);
  const page = await get(waiting);
  await page.arrayBuffer();
  if (page.status !== 200) throw new OAuthError(`waiting page: HTTP ${page.status}`, page.status);
  const consent = (await ferry.admin('GET', '/consents')).find((c) => c.clientId === registered.client_id);
  if (!consent) throw new OAuthError('no pending consent for the new client');
  await ferry.admin('POST', `/consents/${consent.id}/approve`, {});
  const uid = new URL(waiting, ferry.publicUrl).pathname.split('/')[2];
  let next;
  for (let i = 0; i < STATUS_POLLS && !next; i++) {
    next = (await (await get(`/consent/${uid}/status`)).json()).next;
    if (!next) await sleep(25);
  }
  if (!next) throw new OAuthError('the consent never resolved');
  let res = await get(next);
  let location;
  for (let hop = 0; hop < 6 && (res.status === 302 || res.status === 303); hop++) {
    location = new URL(res.headers.get('location'), ferry.publicUrl);
    if (location.href.startsWith(CALLBACK)) break;
    res = await get(location.href);
  }
  const code = location?.searchParams.get('code');
  if (!code) throw new OAuthError(`no code came back: ${location?.href ?? res.status}`);
  const token = await get('/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenRequestBody({ code, verifier, clientId: registered.client_id, resource }),
  });
  const body = Buffer.from(await token.arrayBuffer()).toString('utf8');
  if (token.status !== 200) throw new OAuthError(`token: HTTP ${token.status} ${body}`, token.status);
  return { clientId: registered.client_id, accessToken: JSON.parse(body).access_token };
}
