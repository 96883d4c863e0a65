import { importJWK, SignJWT, type JWK, type JWTPayload, type KeyInput } from 'jose';
import type { TestFerry } from './ferry.js';
import { CLAUDE_CALLBACK, CLAUDE_REGISTRATION, CookieJar, pkce, PublicClient } from './oauth.js';

/**
 * Building blocks for the adversarial OAuth tests: registration, a browser leg that can be run many times
 * against one Ferry (each flow waits for its own consent event), token exchange, raw MCP requests with a
 * bearer token, and tokens forged with Ferry's own signing key.
 */

export const SIGNING_KEY_SECRET = 'oauth/signing-key';

export type JsonResult = { status: number; headers: Headers; body: Record<string, unknown> };

export interface FlowQuery {
  clientId: string;
  redirectUri?: string;
  resource?: string;
  scope?: string;
  state?: string;
  challenge?: string;
  /** Extra or overriding query parameters (undefined removes one). */
  extra?: Record<string, string | undefined>;
  /** Parameters added once more after the others (a repeated `scope`, say). */
  append?: [name: string, value: string][];
}

export interface BrowserResult {
  /** Where the browser was finally sent, off Ferry's origin (the client's redirect URI). */
  location: URL;
  consentId: string;
  matchCode: string;
  waitingHtml: string;
  waitingHeaders: Headers;
}

export interface Connection {
  clientId: string;
  redirectUri: string;
  resource: string;
  code: string;
  verifier: string;
  accessToken: string;
  refreshToken: string;
  tokenResponse: Record<string, unknown>;
}

export type Decision = 'approve' | 'deny' | ((consentId: string) => Promise<void>);

export class OAuthHarness {
  readonly client: PublicClient;

  constructor(
    readonly ferry: TestFerry,
    readonly publicOrigin: string,
  ) {
    this.client = new PublicClient(ferry, publicOrigin);
  }

  get mcpUrl(): string {
    return `${this.publicOrigin}/mcp`;
  }

  /** A request on the loopback-only admin listener, with its per-launch token. */
  admin(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.ferry.runtime.adminUrl as string}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${this.ferry.runtime.adminToken as string}`,
        'content-type': 'application/json',
      },
    });
  }

  register(body: unknown): Promise<JsonResult> {
    return this.client.json('/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  /** Registers a client (Claude's literal body unless overridden) and returns its id; throws unless 201. */
  async registerClient(overrides: Record<string, unknown> = {}): Promise<string> {
    const res = await this.register({ ...CLAUDE_REGISTRATION, ...overrides });
    if (res.status !== 201)
      throw new Error(`registration answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.client_id as string;
  }

  authorizeQuery(query: FlowQuery): string {
    const params: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: query.clientId,
      redirect_uri: query.redirectUri ?? CLAUDE_CALLBACK,
      code_challenge: query.challenge ?? pkce().challenge,
      code_challenge_method: 'S256',
      state: query.state ?? 'state-1',
      scope: query.scope ?? 'claudeai',
      resource: query.resource ?? this.mcpUrl,
      ...query.extra,
    };
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, value);
    for (const [key, value] of query.append ?? []) search.append(key, value);
    return `/authorize?${search.toString()}`;
  }

  /**
   * The browser leg: GET /authorize, the waiting page, the decision on this machine (admin API), the
   * page's polling, and the redirects back to the client. Unlike `browserAuthorize`, it waits for the
   * consent event of this flow only, so a file can run many flows against one Ferry.
   */
  async browser(
    query: FlowQuery,
    decision: Decision = 'approve',
    jar: CookieJar = new CookieJar(),
  ): Promise<BrowserResult> {
    const get = async (url: string) => {
      const res = await this.client.fetch(url, { headers: { cookie: jar.header() } });
      jar.store(res);
      return res;
    };
    const start = await get(this.authorizeQuery(query));
    if (start.status !== 303 && start.status !== 302) {
      throw new Error(`authorize answered ${start.status}: ${await start.text()}`);
    }
    const waitingUrl = new URL(start.headers.get('location') as string, this.publicOrigin);
    if (waitingUrl.origin !== this.publicOrigin || !waitingUrl.pathname.startsWith('/consent/')) {
      throw new Error(`authorize redirected to ${waitingUrl.href} instead of the waiting page`);
    }
    const after = this.ferry.bus.lastSeq;
    const requested = this.ferry.waitFor((e) => e.seq > after && e.type === 'consent.requested', 10_000);
    const waiting = await get(waitingUrl.href);
    const waitingHtml = await waiting.text();
    if (waiting.status !== 200) throw new Error(`waiting page answered ${waiting.status}: ${waitingHtml}`);
    const event = await requested;
    if (event.type !== 'consent.requested') throw new Error('no consent event');
    const consentId = event.consent.id;
    if (decision === 'approve' || decision === 'deny') {
      const res = await this.admin(`/api/consents/${consentId}/${decision}`, { method: 'POST', body: '{}' });
      if (res.status !== 200) throw new Error(`${decision} answered ${res.status}: ${await res.text()}`);
    } else {
      await decision(consentId);
    }
    const uid = waitingUrl.pathname.split('/')[2] as string;
    let next: string | undefined;
    for (let i = 0; i < 100 && !next; i++) {
      const status = await get(`/consent/${uid}/status`);
      next = ((await status.json()) as { next?: string }).next;
      if (!next) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!next) throw new Error('consent never resolved');
    let res = await get(next);
    for (let hops = 0; hops < 6 && (res.status === 302 || res.status === 303); hops++) {
      const location = new URL(res.headers.get('location') as string, this.publicOrigin);
      if (location.origin !== this.publicOrigin) {
        return {
          location,
          consentId,
          matchCode: event.consent.matchCode,
          waitingHtml,
          waitingHeaders: waiting.headers,
        };
      }
      res = await get(location.href);
    }
    throw new Error(`authorization did not return to the client: ${res.status} ${await res.text()}`);
  }

  redeem(fields: Record<string, string>): Promise<JsonResult> {
    return this.client.form('/token', { grant_type: 'authorization_code', ...fields });
  }

  refresh(clientId: string, refreshToken: string): Promise<JsonResult> {
    return this.client.form('/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
    });
  }

  /** Registration (unless `clientId` is given), approved consent and code exchange: a connected client. */
  async connect(
    options: { clientId?: string; redirectUri?: string; resource?: string; registration?: object } = {},
  ): Promise<Connection> {
    const redirectUri = options.redirectUri ?? CLAUDE_CALLBACK;
    const resource = options.resource ?? this.mcpUrl;
    const clientId =
      options.clientId ??
      (await this.registerClient({ redirect_uris: [redirectUri], ...options.registration }));
    const { verifier, challenge } = pkce();
    const { location } = await this.browser({ clientId, redirectUri, resource, challenge });
    const code = location.searchParams.get('code');
    if (!code) throw new Error(`no code in ${location.href}`);
    const res = await this.redeem({
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
      client_id: clientId,
      resource,
    });
    if (res.status !== 200) throw new Error(`token answered ${res.status}: ${JSON.stringify(res.body)}`);
    return {
      clientId,
      redirectUri,
      resource,
      code,
      verifier,
      accessToken: res.body.access_token as string,
      refreshToken: res.body.refresh_token as string,
      tokenResponse: res.body,
    };
  }

  /** A raw MCP POST (an `initialize` unless `body` is given) on `path` with `headers`. */
  mcpPost(path: string, headers: Record<string, string>, body: unknown = initialize()): Promise<Response> {
    return this.client.fetch(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify(body),
    });
  }

  /** `initialize` with `token` on `path`; the response is consumed. */
  async initializeWith(
    token: string,
    path = '/mcp',
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const res = await this.mcpPost(path, { authorization: `Bearer ${token}` });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  async signingJwk(): Promise<JWK & { kid: string }> {
    const text = await this.ferry.secrets.get(SIGNING_KEY_SECRET);
    if (!text) throw new Error('no signing key in the test secret store');
    return JSON.parse(text) as JWK & { kid: string };
  }

  /**
   * Signs `payload` as an access token with Ferry's own key (or `key`), `typ: at+jwt` and Ferry's `kid`
   * unless `header` overrides them.
   */
  async forge(
    payload: JWTPayload,
    header: { typ?: string | undefined; kid?: string } = {},
    key?: KeyInput,
  ): Promise<string> {
    const jwk = await this.signingJwk();
    const signingKey = key ?? (await importJWK(jwk, 'ES256'));
    const protectedHeader = { alg: 'ES256', kid: jwk.kid, typ: 'at+jwt', ...header };
    if (header.typ === undefined && 'typ' in header) delete (protectedHeader as { typ?: string }).typ;
    return new SignJWT(payload).setProtectedHeader(protectedHeader).sign(signingKey);
  }
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: JWTPayload } {
  const [header, payload] = (token.split('.').slice(0, 2) as [string, string]).map(
    (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>,
  ) as [Record<string, unknown>, JWTPayload];
  return { header, payload };
}

export function initialize(id: number | string = 0) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'attacker', version: '1' },
    },
  };
}

/** The parameters of a `WWW-Authenticate: Bearer …` challenge. */
export function bearerChallenge(header: string | null): Record<string, string> | undefined {
  if (!header || !/^Bearer\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const match of header.matchAll(/([a-z_]+)="([^"]*)"/gi))
    params[match[1] as string] = match[2] as string;
  return params;
}

/**
 * Records every `fetch` the process makes to anywhere but the test Ferry's own listeners, and refuses it
 * without touching the network: the SSRF tests must never send a request off the machine, even when the
 * code under test has a bug.
 */
export function outboundFetchGuard(ferry: TestFerry): { calls: string[]; restore: () => void } {
  const original = globalThis.fetch;
  const calls: string[] = [];
  const local = [ferry.runtime.localUrl, ferry.runtime.adminUrl].filter((u): u is string => Boolean(u));
  globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (local.some((origin) => url === origin || url.startsWith(`${origin}/`))) return original(input, init);
    calls.push(url);
    return Promise.reject(new TypeError(`test guard: outbound fetch to ${url} refused`));
  };
  return {
    calls,
    restore: () => {
      globalThis.fetch = original;
    },
  };
}
