import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { anyText, fuzzOptions, fuzzTimeout, watchCrashes } from './support.js';

/**
 * The admin API's request bodies (the loopback listener, with its token): the POST/PATCH routes of
 * server/src/admin/router.ts. Invariants (issue #16): never a 5xx; a refusal is the admin error shape
 * `{ error: { code, message } }`; a refused body leaves config.json byte for byte as it was; no handler
 * throws; the API still answers afterwards.
 */
const ADMIN_RUNS = 200;
const PER_RUN_MS = 150;

const junk = fc.oneof(anyText(40), fc.jsonValue({ maxDepth: 3 }));
const key = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', ''),
  fc.string({ maxLength: 10 }),
);
const spec = fc.oneof(
  junk,
  fc.record(
    {
      command: fc.oneof(fc.constantFrom('', ' ', 'node', '/nonexistent/x'), junk),
      args: fc.oneof(fc.array(junk, { maxLength: 3 }), junk),
      env: fc.oneof(fc.dictionary(key, junk, { maxKeys: 3 }), junk),
      cwd: junk,
      disabled: junk,
      url: junk,
    },
    { requiredKeys: [] },
  ),
);
const options = fc.oneof(
  junk,
  fc.dictionary(fc.oneof(key, fc.constantFrom('sessionMode', 'requestTimeoutSeconds')), junk),
);
const name = fc.oneof(fc.constantFrom('echo', 'echo2', '__proto__', '', 'a/b', 'x'.repeat(60)), anyText(20));
/** Route, method and a body built for it (or anything at all). */
const call = fc.oneof(
  fc.record({
    method: fc.constant('POST'),
    route: fc.constant('/api/servers'),
    body: fc.oneof(fc.record({ name, spec, options }, { requiredKeys: [] }), junk),
  }),
  fc.record({
    method: fc.constant('PATCH'),
    route: fc.constantFrom('/api/servers/echo', '/api/servers/nope', '/api/servers/%E0%A4%A'),
    body: fc.oneof(fc.record({ spec, options, disabled: junk }, { requiredKeys: [] }), junk),
  }),
  fc.record({
    method: fc.constant('POST'),
    route: fc.constantFrom(
      '/api/consents/abc/approve',
      '/api/consents/abc/deny',
      '/api/servers/nope/restart',
    ),
    body: fc.oneof(fc.record({ remember: junk }, { requiredKeys: [] }), junk),
  }),
  // Not here: POST /api/tunnel/start, PUT /api/tunnel/named and POST /api/doctor. A body they accept
  // (even `{}`) starts cloudflared or probes the public URL, i.e. network traffic off this machine.
);

describe('admin API fuzz: request bodies', () => {
  let ferry: TestFerry;
  let crashes: ReturnType<typeof watchCrashes>;
  beforeAll(async () => {
    ferry = await startFerry(
      { echo: echoServer() },
      { auth: true, publicUrl: 'https://fuzz-admin.example', ferry: { tunnel: { mode: 'off' } } },
    );
    await serverState(ferry, 'echo', 'ready');
    crashes = watchCrashes(ferry.bus);
  });
  afterAll(async () => {
    crashes?.stop();
    await ferry?.stop();
  });

  const admin = async (route: string, method: string, body: string) => {
    const res = await fetch(`${ferry.runtime.adminUrl as string}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${ferry.runtime.adminToken as string}`,
        'content-type': 'application/json',
      },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, text: await res.text() };
  };

  it(
    'POST/PATCH bodies: admin errors on refusal, config.json untouched by a refused body',
    async () => {
      await fc.assert(
        fc.asyncProperty(call, fc.boolean(), async ({ method, route, body }, raw) => {
          const text = raw && typeof body === 'string' ? body : JSON.stringify(body);
          const before = await readFile(ferry.configPath);
          const answer = await admin(route, method, text ?? '');
          const ctx = JSON.stringify({ method, route, text, answer }).slice(0, 2000);
          expect(answer.status, ctx).toBeLessThan(500);
          if (answer.status >= 400) {
            expect(JSON.parse(answer.text), ctx).toMatchObject({
              error: { code: expect.any(String), message: expect.any(String) },
            });
            expect((await readFile(ferry.configPath)).equals(before), `${ctx}: config changed`).toBe(true);
          }
          expect(crashes.problems()).toEqual([]);
        }),
        fuzzOptions(ADMIN_RUNS),
      );
      const status = await fetch(`${ferry.runtime.adminUrl as string}/api/status`, {
        headers: { authorization: `Bearer ${ferry.runtime.adminToken as string}` },
      });
      expect(status.status).toBe(200);
      expect(crashes.problems()).toEqual([]);
    },
    fuzzTimeout(ADMIN_RUNS, PER_RUN_MS),
  );
});
