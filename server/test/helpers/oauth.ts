import { createHash, randomBytes } from 'node:crypto';
import type { TestFerry } from './ferry.js';

/** Claude's literal DCR body (claude-connector.md step 4b). */
export const CLAUDE_REGISTRATION = {
  client_name: 'claudeai',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
  scope: 'claudeai',
  redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
};
export const CLAUDE_CALLBACK = 'https://claude.ai/api/mcp/auth_callback';

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The browser's cookies across redirects (oidc-provider binds the interaction to them). */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * Talks to Ferry the way traffic through a tunnel does: URLs on the public origin are sent to the local
 * listener. Redirects are never followed automatically: the test follows them and checks each hop.
 */
export class PublicClient {
  constructor(
    readonly ferry: TestFerry,
    readonly publicOrigin: string,
  ) {}

  local(url: string): string {
    return url.startsWith(this.publicOrigin)
      ? this.ferry.runtime.localUrl + url.slice(this.publicOrigin.length)
      : url;
  }

  fetch(url: string, init: RequestInit = {}): Promise<Response> {
    return fetch(this.local(url.startsWith('/') ? `${this.publicOrigin}${url}` : url), {
      redirect: 'manual',
      ...init,
    });
  }

  async json(
    url: string,
    init: RequestInit = {},
  ): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
    const res = await this.fetch(url, init);
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { raw: text };
    }
    return { status: res.status, headers: res.headers, body };
  }

  form(
    url: string,
    fields: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
    return this.json(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

export interface AuthorizeResult {
  code: string;
  state: string;
  iss: string | null;
  matchCode: string;
  waitingPage: Response;
  waitingHtml: string;
}

/**
 * Drives the browser leg: GET /authorize, land on the waiting page, let `decide` approve or deny through the
 * admin side, poll like the page's script, and follow the redirect back to the client.
 */
export async function browserAuthorize(
  client: PublicClient,
  query: Record<string, string>,
  decide: (consentId: string) => Promise<unknown>,
): Promise<{ location: URL; matchCode: string; waitingHtml: string; waitingHeaders: Headers }> {
  const jar = new CookieJar();
  const get = async (url: string) => {
    const res = await client.fetch(url, { headers: { cookie: jar.header() } });
    jar.store(res);
    return res;
  };
  const start = await get(`/authorize?${new URLSearchParams(query).toString()}`);
  if (start.status !== 303 && start.status !== 302) {
    throw new Error(`authorize answered ${start.status}: ${await start.text()}`);
  }
  const waitingUrl = start.headers.get('location') as string;
  const consentSeen = client.ferry.waitFor((e) => e.type === 'consent.requested', 10_000);
  const waiting = await get(waitingUrl);
  const waitingHtml = await waiting.text();
  if (waiting.status !== 200) throw new Error(`waiting page answered ${waiting.status}: ${waitingHtml}`);
  const requested = await consentSeen;
  if (requested.type !== 'consent.requested') throw new Error('no consent event');
  await decide(requested.consent.id);
  const uid = new URL(waitingUrl, client.publicOrigin).pathname.split('/')[2] as string;
  let next: string | undefined;
  for (let i = 0; i < 50 && !next; i++) {
    const status = await get(`/consent/${uid}/status`);
    const body = (await status.json()) as { next?: string };
    next = body.next;
    if (!next) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!next) throw new Error('consent never resolved');
  let res = await get(next);
  for (let hops = 0; hops < 5 && (res.status === 302 || res.status === 303); hops++) {
    const location = res.headers.get('location') as string;
    const absolute = new URL(location, client.publicOrigin);
    if (absolute.origin !== client.publicOrigin) {
      return {
        location: absolute,
        matchCode: requested.consent.matchCode,
        waitingHtml,
        waitingHeaders: waiting.headers,
      };
    }
    res = await get(absolute.href);
  }
  const text = await res.text();
  throw new Error(
    `authorization did not redirect back to the client: ${res.status} ${text.replace(/<style[^]*?<\/style>/, '').slice(0, 1500)} events: ${JSON.stringify(
      client.ferry.bus.recent
        .toArray()
        .filter((e) => e.type === 'auth' || e.type.startsWith('consent'))
        .slice(-6),
    )}`,
  );
}
