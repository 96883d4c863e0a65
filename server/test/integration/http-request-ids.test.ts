import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { initializeBody, rawPost } from '../helpers/http.js';

const MODERN = '2026-07-28';
/** Ferry answers these at once; without the fix the request was never answered, and this bound fails it. */
const ANSWER_TIMEOUT_MS = 10_000;

/**
 * Found by the fuzzer (server/test/fuzz/public-mcp.test.ts): a request whose JSON-RPC id is a number but not
 * an integer (0.5, 1e-262) or not a safe one was accepted by Ferry's shape check and then silently dropped
 * by the SDK's schema (RequestId is a string or an integer), so the HTTP request hung until the client gave
 * up, on both wires. It is now refused with -32600 and HTTP 400, id null (the id could not be read).
 */
describe('JSON-RPC messages the SDK would drop: refused, never left hanging', () => {
  let ferry: TestFerry;
  beforeAll(async () => {
    ferry = await startFerry({ echo: echoServer() });
    await serverState(ferry, 'echo', 'ready');
  });
  afterAll(() => ferry.stop());

  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await rawPost(`${ferry.runtime.localUrl}/mcp`, body, headers, ANSWER_TIMEOUT_MS);
    return { status: res.status, body: JSON.parse(res.text) as Record<string, unknown> };
  };
  const initialize = (id: unknown) => initializeBody(id);
  const modernList = (id: unknown) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/list',
    params: {
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN,
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  });
  const refused = {
    status: 400,
    body: { jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.stringContaining('"id"') } },
  };

  it.each([
    ['0.5', 0.5],
    ['1e-262', 1e-262],
    ['2^60 (not a safe integer)', 2 ** 60],
  ])('stateful wire: initialize with id %s is refused, not left hanging', async (_label, id) => {
    expect(await post(initialize(id))).toMatchObject(refused);
  });

  it.each([
    ['0.5', 0.5],
    ['-1.57e-262', -1.5715516326542338e-262],
  ])('2026-07-28 wire: tools/list with id %s is refused, not left hanging', async (_label, id) => {
    expect(
      await post(modernList(id), { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' }),
    ).toMatchObject(refused);
  });

  // The same class, found next by the fuzzer: members the SDK's strict schemas reject.
  it.each([
    ['a request that also carries result and error', { ...initialize('r'), result: 5, error: 3 }, {}],
    ['a fractional progress token', modernList('p'), { progress: 1.5 }],
    ['an unsafe progress token', modernList('q'), { progress: -5e166 }],
  ])('refuses %s with -32600 instead of hanging', async (_label, base, variant) => {
    const message = structuredClone(base) as { params: { _meta: Record<string, unknown> } };
    if ('progress' in variant) message.params._meta.progressToken = variant.progress;
    const modern = 'progress' in variant;
    const answer = await post(
      message,
      modern ? { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' } : {},
    );
    expect(answer).toMatchObject({ status: 400, body: { error: { code: -32600 } } });
  });

  it('integer and string ids still work on both wires', async () => {
    expect(await post(initialize(7))).toMatchObject({ status: 200, body: { id: 7 } });
    expect(await post(initialize('seven'))).toMatchObject({ status: 200, body: { id: 'seven' } });
    const modern = await post(modernList(-3), { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' });
    expect(modern).toMatchObject({ status: 200, body: { id: -3, result: { tools: expect.any(Array) } } });
  });
});
