import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { startFerry, type TestFerry } from '../helpers/ferry.js';
import {
  CLAUDE_CALLBACK,
  CLAUDE_REGISTRATION,
  type Connection,
  CookieJar,
  OAuthHarness,
  pkce,
} from '../helpers/oauth.js';
import {
  anyText,
  FUZZ_SEED,
  fuzzOptions,
  fuzzRuns,
  fuzzTimeout,
  headerText,
  watchCrashes,
} from './support.js';

/**
 * The OAuth side of the public listener: /authorize queries and forms, /token and /register bodies, the
 * waiting page's /consent/<uid>/status|abort. Invariants (issue #16): never a 5xx; every refusal an OAuth
 * JSON error (`error` string) or, for the browser routes, a page or a redirect to a registered redirect URI
 * only; a refused /register leaves oauth-state.json and the client list as they were; a refused /token
 * leaves the real refresh token working; no handler throws; Ferry still completes a real flow afterwards.
 */

const HTTP_RUNS = 200;
const PER_RUN_MS = 100;
/**
 * /register is rate limited per Ferry (a burst of 20, then one every 3 s): each batch of this many runs gets
 * a fresh Ferry, so every run reaches the validation instead of the 429.
 */
const REGISTER_BATCH = 18;
const REGISTER_BATCHES = 4;

const PUBLIC = 'https://fuzz-oauth.example';
const MCP = `${PUBLIC}/mcp`;

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const junk = fc.oneof(
  anyText(60),
  fc.constantFrom('', ' ', '%', '%00', '\u0000', 'null', '[]', '{}', 'a'.repeat(5000), '../../etc'),
);
const uri = fc.oneof(
  fc.constantFrom(
    CLAUDE_CALLBACK,
    `${CLAUDE_CALLBACK}?x=1`,
    'https://claude.ai/api/mcp/auth_callback#f',
    'https://evil.example/cb',
    'http://127.0.0.1:1234/cb',
    'http://localhost/cb',
    'javascript:alert(1)',
    'data:text/html,x',
    'claude://cb',
    'https://claude.ai.evil.example/api/mcp/auth_callback',
    MCP,
    `${PUBLIC}/mcp/echo`,
    'https://fuzz-oauth.example:443/mcp',
  ),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  junk,
);

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

function json(answer: Answer): Record<string, unknown> | undefined {
  if (!(answer.headers.get('content-type') ?? '').includes('json')) return undefined;
  return JSON.parse(answer.text) as Record<string, unknown>;
}

/** An OAuth endpoint's refusal: JSON with a string `error` (RFC 6749 5.2, RFC 7591 3.2.2). */
function expectOAuthError(answer: Answer, context: string): void {
  expect(answer.status, context).toBeGreaterThanOrEqual(400);
  expect(answer.status, context).toBeLessThan(500);
  expect(json(answer), context).toMatchObject({ error: expect.any(String) });
}

describe('public listener fuzz: OAuth endpoints', () => {
  let ferry: TestFerry;
  let oauth: OAuthHarness;
  let connection: Connection;
  let crashes: ReturnType<typeof watchCrashes>;

  const start = async () => {
    ferry = await startFerry(
      { echo: echoServer() },
      { auth: true, publicUrl: PUBLIC, ferry: { tunnel: { mode: 'off' } } },
    );
    oauth = new OAuthHarness(ferry, PUBLIC);
    crashes = watchCrashes(ferry.bus);
  };
  const stop = async () => {
    crashes?.stop();
    await ferry?.stop();
  };
  beforeAll(async () => {
    await start();
    connection = await oauth.connect();
  });
  afterAll(stop);

  const send = async (route: string, init: RequestInit = {}): Promise<Answer> => {
    // A request Ferry never answers is a finding: fail on it with the input instead of hanging.
    const res = await oauth.client.fetch(route, { ...init, signal: AbortSignal.timeout(10_000) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const context = (input: unknown) => JSON.stringify(input).slice(0, 2000);
  const noCrash = () => expect(crashes.problems()).toEqual([]);

  /** The real client still refreshes and calls /mcp; a new flow still completes. */
  const stillServes = async () => {
    const refreshed = await oauth.refresh(connection.clientId, connection.refreshToken);
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    connection.accessToken = refreshed.body.access_token as string;
    connection.refreshToken = refreshed.body.refresh_token as string;
    expect((await oauth.initializeWith(connection.accessToken)).status).toBe(200);
    noCrash();
  };

  it(
    'POST /token: any form body; refusals are OAuth errors and leave the real refresh token working',
    async () => {
      const value = (real: () => string) =>
        fc.oneof(
          fc.constant(0).map(() => real()),
          junk,
        );
      const form = fc.record(
        {
          grant_type: fc.oneof(
            fc.constantFrom(
              'authorization_code',
              'refresh_token',
              'client_credentials',
              'password',
              'urn:ietf:params:oauth:grant-type:device_code',
              'urn:ietf:params:oauth:grant-type:token-exchange',
            ),
            junk,
          ),
          code: junk,
          code_verifier: fc.oneof(fc.constant(pkce().verifier), junk),
          redirect_uri: uri,
          client_id: value(() => connection.clientId),
          client_secret: junk,
          refresh_token: value(() => connection.refreshToken),
          resource: uri,
          scope: fc.oneof(fc.constantFrom('mcp', 'claudeai', 'openid offline_access', ''), junk),
        },
        { requiredKeys: [] },
      );
      const body = fc.oneof(
        {
          weight: 4,
          arbitrary: form.map((f) => new URLSearchParams(f as Record<string, string>).toString()),
        },
        { weight: 1, arbitrary: anyText(300) },
        { weight: 1, arbitrary: form.map((f) => JSON.stringify(f)) },
      );
      const contentType = maybe(
        fc.oneof(
          fc.constantFrom(
            'application/x-www-form-urlencoded',
            'application/x-www-form-urlencoded; charset=utf-8',
            'application/json',
            'text/plain',
          ),
          headerText(),
        ),
      );
      const authorization = maybe(
        fc.oneof(
          fc.constant(0).map(() => `Basic ${Buffer.from(`${connection.clientId}:x`).toString('base64')}`),
          headerText(60).map((t) => `Basic ${t}`),
          headerText(60),
        ),
      );
      await fc.assert(
        fc.asyncProperty(body, contentType, authorization, async (payload, type, auth) => {
          const answer = await send('/token', {
            method: 'POST',
            headers: {
              ...(type === undefined ? {} : { 'content-type': type }),
              ...(auth === undefined ? {} : { authorization: auth }),
            },
            body: payload,
          });
          const ctx = context({ payload, type, auth, answer });
          if (answer.status === 200) {
            // Only a well-formed refresh with the real token can succeed; the client then holds the new one.
            const tokens = json(answer) as Record<string, unknown>;
            expect(tokens, ctx).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer' });
            if (typeof tokens.refresh_token === 'string') {
              connection.refreshToken = tokens.refresh_token;
              connection.accessToken = tokens.access_token as string;
            }
          } else {
            expectOAuthError(answer, ctx);
          }
          noCrash();
        }),
        fuzzOptions(HTTP_RUNS),
      );
      await stillServes();
    },
    fuzzTimeout(HTTP_RUNS, PER_RUN_MS),
  );

  it(
    'GET and POST /authorize: any query or form; a page, or a redirect to the consent page or a registered URI',
    async () => {
      const params = fc.record(
        {
          response_type: fc.oneof(fc.constantFrom('code', 'token', 'code id_token', 'none'), junk),
          client_id: fc.oneof(
            fc.constant(0).map(() => connection.clientId),
            junk,
          ),
          redirect_uri: uri,
          code_challenge: fc.oneof(fc.constant(pkce().challenge), junk),
          code_challenge_method: fc.oneof(fc.constantFrom('S256', 'plain'), junk),
          state: junk,
          scope: fc.oneof(
            fc.constantFrom('claudeai', 'mcp', 'openid', ' offline_access', 'read write'),
            junk,
          ),
          resource: uri,
          prompt: fc.oneof(fc.constantFrom('none', 'login', 'consent'), junk),
          request: junk,
          request_uri: uri,
          response_mode: fc.oneof(fc.constantFrom('query', 'fragment', 'form_post', 'web_message'), junk),
          nonce: junk,
          access_token: junk,
        },
        { requiredKeys: [] },
      );
      const extra = fc.array(fc.tuple(fc.string({ maxLength: 12 }), junk), { maxLength: 3 });
      await fc.assert(
        fc.asyncProperty(params, extra, fc.boolean(), async (p, more, asPost) => {
          const search = new URLSearchParams(p as Record<string, string>);
          for (const [key, val] of more) search.append(key, val);
          const answer = asPost
            ? await send('/authorize', {
                method: 'POST',
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                body: search.toString(),
              })
            : await send(`/authorize?${search.toString()}`);
          const ctx = context({
            p,
            more,
            asPost,
            status: answer.status,
            location: answer.headers.get('location'),
          });
          expect(answer.status, ctx).toBeLessThan(500);
          if (answer.status >= 300 && answer.status < 400) {
            const location = new URL(answer.headers.get('location') as string, PUBLIC);
            if (location.origin === PUBLIC) {
              expect(location.pathname, ctx).toMatch(/^\/(consent|authorize)\//);
            } else {
              // Off Ferry's origin only to the client's registered redirect URI, never to one from the query.
              expect(`${location.origin}${location.pathname}`, ctx).toBe(CLAUDE_CALLBACK);
              expect(p.client_id, ctx).toBe(connection.clientId);
            }
          } else if (answer.status !== 200) {
            expect(answer.status, ctx).toBeGreaterThanOrEqual(400);
            const type = answer.headers.get('content-type') ?? '';
            // The browser gets a page; an API caller JSON with an `error`.
            if (type.includes('json')) expect(json(answer), ctx).toMatchObject({ error: expect.any(String) });
            else expect(type, ctx).toContain('text/html');
          }
          noCrash();
        }),
        fuzzOptions(HTTP_RUNS),
      );
      await stillServes();
    },
    fuzzTimeout(HTTP_RUNS, PER_RUN_MS),
  );

  it(
    'GET /consent/<uid>[/status|/abort] with any uid and cookies',
    async () => {
      // One real waiting interaction and its cookies, so some runs address a live uid.
      const jar = new CookieJar();
      const first = await oauth.client.fetch(oauth.authorizeQuery({ clientId: connection.clientId }));
      jar.store(first);
      const realUid = new URL(first.headers.get('location') as string, PUBLIC).pathname.split(
        '/',
      )[2] as string;
      const uid = fc.oneof(fc.constant(realUid), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), junk);
      const cookie = maybe(
        fc.oneof(
          fc.constant(0).map(() => jar.header()),
          headerText(200),
        ),
      );
      await fc.assert(
        fc.asyncProperty(
          uid,
          fc.constantFrom('', '/status', '/abort', '/x'),
          cookie,
          async (id, action, c) => {
            const answer = await send(`/consent/${encodeURIComponent(id)}${action}`, {
              headers: c === undefined ? {} : { cookie: c },
            });
            const ctx = context({ id, action, c, status: answer.status, text: answer.text.slice(0, 300) });
            expect(answer.status, ctx).toBeLessThan(500);
            // The waiting page's poll answers JSON with a status; anything else is a page or a JSON error.
            if (action === '/status' && answer.status === 200)
              expect(json(answer), ctx).toHaveProperty('status');
            if (answer.status >= 400 && (answer.headers.get('content-type') ?? '').includes('json'))
              expect(json(answer), ctx).toHaveProperty('error');
            noCrash();
          },
        ),
        fuzzOptions(HTTP_RUNS),
      );
      await stillServes();
    },
    fuzzTimeout(HTTP_RUNS, PER_RUN_MS),
  );

  it(
    'POST /register: any body; refusals are OAuth errors and change no stored state',
    async () => {
      const metadataValue = fc.oneof(junk, fc.jsonValue({ maxDepth: 2 }), uri);
      const registration = fc.record(
        {
          client_name: fc.oneof(fc.constant('claudeai'), junk, fc.jsonValue({ maxDepth: 1 })),
          redirect_uris: fc.oneof(fc.array(uri, { maxLength: 4 }), metadataValue),
          grant_types: fc.oneof(
            fc.constant(['authorization_code', 'refresh_token']),
            fc.array(fc.oneof(fc.constantFrom('implicit', 'client_credentials', 'password'), junk), {
              maxLength: 3,
            }),
            metadataValue,
          ),
          response_types: fc.oneof(fc.constant(['code']), metadataValue),
          token_endpoint_auth_method: fc.oneof(
            fc.constantFrom('none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'),
            metadataValue,
          ),
          scope: metadataValue,
          client_uri: uri,
          logo_uri: uri,
          jwks_uri: uri,
          jwks: fc.jsonValue({ maxDepth: 3 }),
          software_statement: junk,
          client_id: junk,
          __proto__: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: [] },
      );
      const body = fc.oneof(
        { weight: 3, arbitrary: registration.map((r) => JSON.stringify({ ...CLAUDE_REGISTRATION, ...r })) },
        { weight: 2, arbitrary: registration.map((r) => JSON.stringify(r)) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: anyText(300) },
      );
      const stateFile = () => readFile(path.join(ferry.dataDir, 'oauth-state.json')).catch(() => undefined);
      const clientIds = async () =>
        ((await (await oauth.admin('/api/clients')).json()) as { clientId: string }[]).map((c) => c.clientId);

      const runs = Math.max(1, Math.ceil(fuzzRuns(REGISTER_BATCH * REGISTER_BATCHES) / REGISTER_BATCH));
      for (let batch = 0; batch < runs; batch++) {
        if (batch > 0) {
          // A fresh Ferry: the registration rate limit would answer every further run with 429.
          await stop();
          await start();
          connection = await oauth.connect();
        }
        await fc.assert(
          fc.asyncProperty(
            body,
            fc.constantFrom('application/json', 'text/plain', ''),
            async (payload, type) => {
              const before = { file: await stateFile(), clients: await clientIds() };
              const answer = await send('/register', {
                method: 'POST',
                headers: type ? { 'content-type': type } : {},
                body: payload,
              });
              const ctx = context({ payload, type, answer });
              if (answer.status === 201) {
                expect(json(answer), ctx).toMatchObject({ client_id: expect.any(String) });
              } else {
                expectOAuthError(answer, ctx);
                expect(await stateFile(), ctx).toEqual(before.file);
                expect(await clientIds(), ctx).toEqual(before.clients);
              }
              noCrash();
            },
          ),
          { ...fuzzOptions(REGISTER_BATCH), seed: FUZZ_SEED + batch, numRuns: REGISTER_BATCH },
        );
      }
      await stillServes();
    },
    fuzzTimeout(REGISTER_BATCH * REGISTER_BATCHES, PER_RUN_MS * 3),
  );
});
