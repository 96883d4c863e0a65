import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { anyText, fuzzOptions, fuzzTimeout, headerText, watchCrashes } from './support.js';
import { type Connection, OAuthHarness } from '../helpers/oauth.js';
import { initializeBody } from '../helpers/http.js';

/**
 * JSON-RPC bodies and headers on both MCP wires of the public listener (the one the internet reaches),
 * with a valid bearer token so the bodies get past OAuth, and without one. Invariants (issue #16): never a
 * 5xx; every refusal is a JSON-RPC error object (or an OAuth challenge for a missing/bad token); no handler
 * throws (no `request failed` log, no unhandled rejection); Ferry still serves a normal client afterwards.
 */

/** Each run is one HTTP round trip to an in-process Ferry (a few ms; tools/call also reaches the child). */
const HTTP_RUNS = 300;
const PER_RUN_MS = 100;
/** Every request here is answered at once by Ferry or the echo child; a silent one past this is a hang. */
const ANSWER_TIMEOUT_MS = 10_000;

const PUBLIC = 'https://fuzz-mcp.example';
const STATEFUL = '2025-11-25';
const MODERN = '2026-07-28';

const methods = fc.oneof(
  fc.constantFrom(
    'initialize',
    'notifications/initialized',
    'ping',
    'tools/list',
    'tools/call',
    'resources/list',
    'resources/read',
    'resources/templates/list',
    'resources/subscribe',
    'prompts/list',
    'prompts/get',
    'completion/complete',
    'logging/setLevel',
    'server/discover',
    'notifications/cancelled',
    'notifications/progress',
    'sampling/createMessage',
    'elicitation/create',
    'roots/list',
    'tasks/get',
  ),
  anyText(30),
);
const rpcId = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.constant(null),
  fc.double(),
  fc.jsonValue({ maxDepth: 1 }),
);
const meta = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'io.modelcontextprotocol/protocolVersion',
      'io.modelcontextprotocol/clientCapabilities',
      'io.modelcontextprotocol/clientInfo',
      'io.modelcontextprotocol/requestState',
      'io.modelcontextprotocol/inputResponses',
      'progressToken',
    ),
    fc.string({ maxLength: 10 }),
  ),
  fc.oneof(
    fc.constantFrom(MODERN, STATEFUL, '2099-01-01', ''),
    fc.jsonValue({ maxDepth: 3 }),
    fc.constant({ name: 'fuzz', version: '1' }),
  ),
  { maxKeys: 5 },
);
const params = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      name: fc.oneof(fc.constantFrom('echo__echo', 'echo', 'echo__', '__proto__'), anyText(20)),
      arguments: fc.jsonValue({ maxDepth: 2 }),
      uri: fc.oneof(fc.webUrl(), anyText(20)),
      protocolVersion: fc.oneof(fc.constantFrom(STATEFUL, MODERN, '2024-11-05'), anyText(12)),
      capabilities: fc.jsonValue({ maxDepth: 2 }),
      clientInfo: fc.jsonValue({ maxDepth: 2 }),
      cursor: fc.jsonValue({ maxDepth: 1 }),
      level: fc.jsonValue({ maxDepth: 1 }),
      _meta: fc.oneof(meta, fc.jsonValue({ maxDepth: 2 })),
    },
    { requiredKeys: [] },
  ),
);
const message = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('2.0'), fc.jsonValue({ maxDepth: 1 })),
    id: rpcId,
    method: fc.oneof(methods, fc.jsonValue({ maxDepth: 1 })),
    params,
    result: fc.jsonValue({ maxDepth: 2 }),
    error: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: [] },
);
/** Bodies: JSON-RPC-ish messages, batches, any JSON, broken JSON, raw bytes. */
const body = fc.oneof(
  { weight: 5, arbitrary: message.map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: fc.array(message, { maxLength: 4 }).map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(message, fc.nat())
      .map(([m, cut]) => JSON.stringify(m).slice(0, cut % (JSON.stringify(m).length + 1))),
  },
  { weight: 1, arbitrary: anyText(200) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const headers = fc.record(
  {
    'content-type': maybe(
      fc.oneof(
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'application/json; charset=utf-16',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          '',
        ),
        headerText(),
      ),
    ),
    accept: maybe(
      fc.oneof(
        fc.constantFrom(
          'application/json, text/event-stream',
          'application/json',
          'text/event-stream',
          '*/*',
          '',
        ),
        headerText(),
      ),
    ),
    'mcp-protocol-version': maybe(
      fc.oneof(fc.constantFrom(STATEFUL, MODERN, '2025-06-18', ''), headerText(12)),
    ),
    'mcp-method': maybe(
      fc.oneof(
        methods.filter((m) => /^[\x20-\x7e]*$/.test(m)),
        headerText(),
      ),
    ),
    'mcp-name': maybe(headerText()),
    'mcp-session-id': maybe(headerText(60)),
    'last-event-id': maybe(headerText()),
    origin: maybe(fc.oneof(fc.constantFrom(PUBLIC, 'https://evil.example', 'null'), headerText())),
    'content-encoding': maybe(fc.constantFrom('gzip', 'identity', 'br', 'x')),
  },
  { requiredKeys: [] },
);

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** JSON-RPC messages out of a JSON body or an SSE stream's data lines. */
function messagesOf(answer: Answer): unknown[] {
  const type = answer.headers.get('content-type') ?? '';
  if (type.includes('text/event-stream'))
    return answer.text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => JSON.parse(line.slice(5)) as unknown);
  if (type.includes('application/json') && answer.text !== '') {
    const parsed = JSON.parse(answer.text) as unknown;
    return Array.isArray(parsed) ? parsed : [parsed];
  }
  return [];
}

/** The invariants every answer of an MCP route must meet. */
function checkMcpAnswer(answer: Answer, context: string): void {
  expect(answer.status, context).toBeLessThan(500);
  // An OAuth refusal is a Bearer challenge (RFC 6750); any other refusal (a 403 for a foreign Origin) is
  // checked below as a JSON-RPC error.
  if (answer.status === 401 || answer.headers.has('www-authenticate')) {
    expect(answer.headers.get('www-authenticate') ?? '(none)', context).toMatch(/^Bearer /);
    return;
  }
  const messages = messagesOf(answer);
  for (const m of messages) {
    expect(m, context).toMatchObject({ jsonrpc: '2.0' });
    const record = m as Record<string, unknown>;
    if ('error' in record) {
      expect(record.error, context).toMatchObject({ code: expect.any(Number), message: expect.any(String) });
      expect(Number.isInteger((record.error as { code: number }).code), context).toBe(true);
    }
  }
  if (answer.status >= 400) {
    // A refusal is a JSON-RPC error object, so a client can show why.
    expect(messages.length, `${context}: a refusal without a JSON-RPC error body`).toBeGreaterThan(0);
    expect(messages[0], context).toHaveProperty('error');
  }
}

describe('public listener fuzz: MCP bodies and headers', () => {
  let ferry: TestFerry;
  let oauth: OAuthHarness;
  let connection: Connection;
  let crashes: ReturnType<typeof watchCrashes>;

  beforeAll(async () => {
    ferry = await startFerry(
      { echo: echoServer() },
      { auth: true, publicUrl: PUBLIC, ferry: { tunnel: { mode: 'off' } } },
    );
    await serverState(ferry, 'echo', 'ready');
    oauth = new OAuthHarness(ferry, PUBLIC);
    connection = await oauth.connect();
    crashes = watchCrashes(ferry.bus);
  });
  afterAll(async () => {
    crashes?.stop();
    await ferry?.stop();
  });

  const send = async (
    route: string,
    requestHeaders: Record<string, string | undefined>,
    payload: string | Buffer,
    method = 'POST',
  ): Promise<Answer> => {
    const clean: Record<string, string> = {};
    for (const [key, value] of Object.entries(requestHeaders)) if (value !== undefined) clean[key] = value;
    const res = await oauth.client.fetch(route, {
      method,
      headers: clean,
      // A request Ferry never answers is a finding: fail on it with the input instead of hanging the file.
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: payload }),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const context = (input: unknown) => JSON.stringify(input).slice(0, 2000);

  /** A normal client still gets served: initialize on the old wire, tools/list on the new one. */
  const stillServes = async () => {
    const init = await oauth.initializeWith(connection.accessToken);
    expect(init.status, init.text).toBe(200);
    const modern = await send(
      '/mcp',
      {
        authorization: `Bearer ${connection.accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/list',
      },
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': MODERN,
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    );
    expect(modern.status, modern.text).toBe(200);
    expect(crashes.problems()).toEqual([]);
  };

  it(
    'POST /mcp with a valid token: any body and headers, either wire',
    async () => {
      // A real session too, so some runs address it.
      const init = await oauth.mcpPost(
        '/mcp',
        { authorization: `Bearer ${connection.accessToken}` },
        initializeBody(),
      );
      const session = init.headers.get('mcp-session-id') as string;
      await init.text();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/mcp', '/mcp/echo', '/mcp/', '/mcp/nope'),
          headers,
          fc.boolean(),
          body,
          async (route, h, useSession, payload) => {
            const answer = await send(
              route,
              {
                ...h,
                ...(useSession ? { 'mcp-session-id': session } : {}),
                authorization: `Bearer ${connection.accessToken}`,
              },
              payload,
            );
            checkMcpAnswer(answer, context({ route, h, useSession, payload, answer }));
            expect(crashes.problems()).toEqual([]);
          },
        ),
        fuzzOptions(HTTP_RUNS),
      );
      await stillServes();
    },
    fuzzTimeout(HTTP_RUNS, PER_RUN_MS),
  );

  it(
    'POST /mcp on the 2026-07-28 wire: header and _meta combinations',
    async () => {
      const modernMessage = fc.record({
        jsonrpc: fc.constant('2.0'),
        id: rpcId,
        method: methods,
        params: fc.oneof(
          fc.record({ _meta: meta }, { requiredKeys: [] }),
          fc.record({
            _meta: meta,
            name: fc.constantFrom('echo__echo', 'x'),
            arguments: fc.jsonValue({ maxDepth: 2 }),
          }),
        ),
      });
      await fc.assert(
        fc.asyncProperty(
          modernMessage,
          fc.option(
            methods.filter((m) => /^[\x20-\x7e]*$/.test(m)),
            { nil: undefined },
          ),
          fc.option(headerText(), { nil: undefined }),
          async (m, headerMethod, headerName) => {
            const answer = await send(
              '/mcp',
              {
                authorization: `Bearer ${connection.accessToken}`,
                'content-type': 'application/json',
                accept: 'application/json, text/event-stream',
                'mcp-protocol-version': MODERN,
                'mcp-method': headerMethod ?? (/^[\x20-\x7e]*$/.test(m.method) ? m.method : 'tools/list'),
                ...(headerName === undefined ? {} : { 'mcp-name': headerName }),
              },
              JSON.stringify(m),
            );
            checkMcpAnswer(answer, context({ m, headerMethod, headerName, answer }));
            expect(crashes.problems()).toEqual([]);
          },
        ),
        fuzzOptions(HTTP_RUNS),
      );
      await stillServes();
    },
    fuzzTimeout(HTTP_RUNS, PER_RUN_MS),
  );

  it(
    'MCP routes without a valid token: a Bearer challenge, never a body parsed',
    async () => {
      const authorization = fc.option(
        fc.oneof(
          fc.constantFrom('Bearer', 'Bearer ', 'Basic abc', 'bearer x.y.z', `Bearer ${'a'.repeat(9000)}`),
          headerText(80).map((t) => `Bearer ${t}`),
          headerText(80),
          // A signature with a different byte in the middle: changing its last characters may only touch
          // base64url padding bits and leave the same signature (and so a valid token).
          fc.constant(`Bearer ${tamperSignature(connection.accessToken)}`),
        ),
        { nil: undefined },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/mcp', '/mcp/echo', '/sse', '/messages', '/messages?sessionId=abc'),
          fc.constantFrom('POST', 'GET', 'DELETE', 'PUT'),
          authorization,
          headers,
          body,
          async (route, method, auth, h, payload) => {
            const answer = await send(
              route,
              { ...h, ...(auth === undefined ? {} : { authorization: auth }) },
              payload,
              method,
            );
            expect(answer.status, context({ route, method, auth, h, answer })).toBeLessThan(500);
            if (method === 'POST' || method === 'GET')
              expect([401, 403, 404, 405, 413], context({ route, method, auth, answer })).toContain(
                answer.status,
              );
            expect(crashes.problems()).toEqual([]);
          },
        ),
        fuzzOptions(HTTP_RUNS),
      );
      await stillServes();
    },
    fuzzTimeout(HTTP_RUNS, PER_RUN_MS),
  );

  it(
    'POST /messages (legacy SSE) with a valid token: any session id and body',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.option(fc.oneof(fc.uuid(), headerText(60)), { nil: undefined }),
          headers,
          body,
          async (sessionId, h, payload) => {
            const query = sessionId === undefined ? '' : `?sessionId=${encodeURIComponent(sessionId)}`;
            const answer = await send(
              `/messages${query}`,
              { ...h, authorization: `Bearer ${connection.accessToken}` },
              payload,
            );
            expect(answer.status, context({ sessionId, h, payload, answer })).toBeLessThan(500);
            if (answer.status >= 400 && (answer.headers.get('content-type') ?? '').includes('json'))
              expect(JSON.parse(answer.text), context({ answer })).toHaveProperty('error');
            expect(crashes.problems()).toEqual([]);
          },
        ),
        fuzzOptions(HTTP_RUNS),
      );
      await stillServes();
    },
    fuzzTimeout(HTTP_RUNS, PER_RUN_MS),
  );
});

/** The token with one signature byte changed (its middle character swapped for another). */
function tamperSignature(token: string): string {
  const [header, payload, signature = ''] = token.split('.');
  const middle = Math.floor(signature.length / 2);
  const swapped = signature[middle] === 'A' ? 'B' : 'A';
  return `${header}.${payload}.${signature.slice(0, middle)}${swapped}${signature.slice(middle + 1)}`;
}
