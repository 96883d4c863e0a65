import { createHash, randomBytes } from 'node:crypto';
import { importJWK, SignJWT, type JWK, type JWTPayload, type KeyInput } from 'jose';
import type { RuntimeInfo } from '../../src/core.js';
import type { PendingConsent } from '../../src/events/types.js';
import type { TestFerry } from './ferry.js';
import { initializeBody } from './http.js';
import { until } from './until.js';

/**
 * The one OAuth browser harness of the tests: Claude's registration, PKCE, a cookie jar, a client that talks
 * to Ferry as tunnel traffic does, the browser leg (each flow decides its own consent only, so a file can run
 * many flows against one Ferry), token exchange, raw MCP requests with a bearer token, and tokens forged with
 * Ferry's own signing key. It drives an in-process Ferry (`startFerry`) or a `ferry serve` process alike.
 */

/**
 * Every bound of the browser leg, in one place. The waiting page's script polls the status URL; the harness
 * does the same, STATUS_POLLS times STATUS_POLL_MS (5 s, far beyond an approval that already happened).
 * REDIRECT_HOPS covers Ferry's own chain after consent (resume, then the client's redirect) with room to
 * spare; a longer chain is a loop. CONSENT_WAIT_MS bounds the wait for the flow's consent request.
 */
export const FLOW_LIMITS = {
  statusPolls: 100,
  statusPollMs: 50,
  redirectHops: 6,
  consentWaitMs: 10_000,
} as const;

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

export const SIGNING_KEY_SECRET = 'oauth/signing-key';

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
 * A running Ferry as the harness sees it: its listeners and admin token. An in-process one (`TestFerry`)
 * also has its event bus, which is how a flow finds its own consent request.
 */
export interface FerryTarget {
  runtime: RuntimeInfo;
  bus?: TestFerry['bus'];
  waitFor?: TestFerry['waitFor'];
}

/** A target, or how to reach the current one (a test that restarts Ferry, or one started in `beforeAll`). */
export type TargetSource<T extends FerryTarget> = T | (() => T);

export type JsonResult = { status: number; headers: Headers; body: Record<string, unknown> };

/**
 * Talks to Ferry the way traffic through a tunnel does: URLs on the public origin are sent to the local
 * listener (or to `via`, a tunnel's edge). Redirects are never followed automatically: the test follows
 * them and checks each hop.
 */
export class PublicClient<T extends FerryTarget = TestFerry> {
  readonly #source: TargetSource<T>;

  constructor(
    source: TargetSource<T>,
    readonly publicOrigin: string,
    readonly via?: () => string,
  ) {
    this.#source = source;
  }

  get ferry(): T {
    return typeof this.#source === 'function' ? this.#source() : this.#source;
  }

  local(url: string): string {
    return url.startsWith(this.publicOrigin)
      ? (this.via?.() ?? this.ferry.runtime.localUrl) + url.slice(this.publicOrigin.length)
      : url;
  }

  fetch(url: string, init: RequestInit = {}): Promise<Response> {
    return fetch(this.local(url.startsWith('/') ? `${this.publicOrigin}${url}` : url), {
      redirect: 'manual',
      ...init,
    });
  }

  async json(url: string, init: RequestInit = {}): Promise<JsonResult> {
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

  form(url: string, fields: Record<string, string>): Promise<JsonResult> {
    return this.json(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

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

/** The flow's waiting page, as the browser sees it after GET /authorize. */
export interface WaitingPage {
  url: URL;
  uid: string;
  html: string;
  headers: Headers;
  status: number;
  /** The match code the page shows (undefined when it shows none: not a waiting page). */
  matchCode: string | undefined;
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

/**
 * How the user decides on this machine (the admin API, as the tray does): approve, approve and remember the
 * client, deny, or anything else the test does with the consent id.
 */
export type Decision = 'approve' | 'approve-remember' | 'deny' | ((consentId: string) => Promise<unknown>);

const MATCH_CODE = /aria-label="match code">([A-Z0-9-]+)</;

export class OAuthHarness<T extends FerryTarget = TestFerry> {
  readonly client: PublicClient<T>;

  constructor(source: TargetSource<T>, publicOrigin: string, via?: () => string) {
    this.client = new PublicClient(source, publicOrigin, via);
  }

  get ferry(): T {
    return this.client.ferry;
  }

  get publicOrigin(): string {
    return this.client.publicOrigin;
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

  /** The admin API's JSON answer to a GET (pending consents, connected clients, …). */
  async adminJson<R = unknown>(path: string): Promise<R> {
    return (await (await this.admin(path)).json()) as R;
  }

  register(body: unknown, headers: Record<string, string> = {}): Promise<JsonResult> {
    return this.client.json('/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
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
   * The consent request of this flow and no other: in-process, the first `consent.requested` event after
   * `afterSeq`; for a `ferry serve` process (no bus here), the pending consent whose match code the
   * flow's own waiting page shows.
   */
  async #ownConsent(afterSeq: number | undefined, matchCode: string | undefined): Promise<PendingConsent> {
    const { waitFor } = this.ferry;
    if (waitFor && afterSeq !== undefined) {
      const event = await waitFor(
        (e) => e.seq > afterSeq && e.type === 'consent.requested',
        FLOW_LIMITS.consentWaitMs,
      );
      if (event.type !== 'consent.requested') throw new Error('no consent event');
      return event.consent;
    }
    if (!matchCode) throw new Error('the waiting page shows no match code');
    return until(
      `the consent request with match code ${matchCode}`,
      async () =>
        (await this.adminJson<PendingConsent[]>('/api/consents')).find((c) => c.matchCode === matchCode),
      FLOW_LIMITS.consentWaitMs,
    );
  }

  async #decide(consentId: string, decision: Decision): Promise<void> {
    if (typeof decision === 'function') {
      await decision(consentId);
      return;
    }
    const [verb, body] =
      decision === 'approve-remember' ? ['approve', '{"remember":true}'] : [decision, '{}'];
    const res = await this.admin(`/api/consents/${consentId}/${verb}`, { method: 'POST', body });
    if (res.status !== 200) throw new Error(`${decision} answered ${res.status}: ${await res.text()}`);
  }

  /** GET /authorize and the waiting page it redirects to, with `jar`'s cookies; throws on any other answer. */
  async waitingPage(query: FlowQuery, jar: CookieJar = new CookieJar()): Promise<WaitingPage> {
    const start = await this.#browse(jar, this.authorizeQuery(query));
    if (start.status !== 303 && start.status !== 302) {
      throw new Error(`authorize answered ${start.status}: ${await start.text()}`);
    }
    await start.body?.cancel();
    const url = new URL(start.headers.get('location') as string, this.publicOrigin);
    if (url.origin !== this.publicOrigin || !url.pathname.startsWith('/consent/')) {
      throw new Error(`authorize redirected to ${url.href} instead of the waiting page`);
    }
    const page = await this.#browse(jar, url.href);
    const html = await page.text();
    return {
      url,
      uid: url.pathname.split('/')[2] as string,
      html,
      headers: page.headers,
      status: page.status,
      matchCode: MATCH_CODE.exec(html)?.[1],
    };
  }

  /** A browser's GET: `jar`'s cookies sent, the answer's stored, redirects left to the caller. */
  async #browse(jar: CookieJar, url: string): Promise<Response> {
    const res = await this.client.fetch(url, { headers: { cookie: jar.header() } });
    jar.store(res);
    return res;
  }

  /**
   * The browser leg: GET /authorize, the waiting page, the decision on this machine, the page's polling,
   * and the redirects back to the client, each bounded by FLOW_LIMITS.
   */
  async browser(
    query: FlowQuery,
    decision: Decision = 'approve',
    jar: CookieJar = new CookieJar(),
  ): Promise<BrowserResult> {
    const afterSeq = this.ferry.bus?.lastSeq;
    const waiting = await this.waitingPage(query, jar);
    if (waiting.status !== 200) throw new Error(`waiting page answered ${waiting.status}: ${waiting.html}`);
    const consent = await this.#ownConsent(afterSeq, waiting.matchCode);
    await this.#decide(consent.id, decision);
    let next: string | undefined;
    for (let i = 0; i < FLOW_LIMITS.statusPolls && !next; i++) {
      const status = await this.#browse(jar, `/consent/${waiting.uid}/status`);
      next = ((await status.json()) as { next?: string }).next;
      if (!next) await new Promise((resolve) => setTimeout(resolve, FLOW_LIMITS.statusPollMs));
    }
    if (!next) throw new Error('consent never resolved');
    let res = await this.#browse(jar, next);
    for (
      let hops = 0;
      hops < FLOW_LIMITS.redirectHops && (res.status === 302 || res.status === 303);
      hops++
    ) {
      const location = new URL(res.headers.get('location') as string, this.publicOrigin);
      if (location.origin !== this.publicOrigin) {
        return {
          location,
          consentId: consent.id,
          matchCode: consent.matchCode,
          waitingHtml: waiting.html,
          waitingHeaders: waiting.headers,
        };
      }
      res = await this.#browse(jar, location.href);
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
    options: {
      clientId?: string;
      redirectUri?: string;
      resource?: string;
      registration?: object;
      decision?: Decision;
      query?: Partial<FlowQuery>;
    } = {},
  ): Promise<Connection> {
    const redirectUri = options.redirectUri ?? CLAUDE_CALLBACK;
    const resource = options.resource ?? this.mcpUrl;
    const clientId =
      options.clientId ??
      (await this.registerClient({ redirect_uris: [redirectUri], ...options.registration }));
    const { verifier, challenge } = pkce();
    const { location } = await this.browser(
      { ...options.query, clientId, redirectUri, resource, challenge },
      options.decision,
    );
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
  mcpPost(
    path: string,
    headers: Record<string, string>,
    body: unknown = initializeBody(),
  ): Promise<Response> {
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
    const ferry = this.ferry as FerryTarget & Partial<Pick<TestFerry, 'secrets'>>;
    const text = await ferry.secrets?.get(SIGNING_KEY_SECRET);
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
export function outboundFetchGuard(ferry: FerryTarget): { calls: string[]; restore: () => void } {
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
