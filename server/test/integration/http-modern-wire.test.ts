import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, node } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import {
  initializeBody,
  MODERN_PROTOCOL_VERSION,
  modernPost,
  PROTOCOL_VERSION,
  rawPost,
} from '../helpers/http.js';
import { openListen, readModernReply, type ModernReply } from '../helpers/modern.js';

const MODERN = MODERN_PROTOCOL_VERSION;
const CAPS = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

/**
 * The stateless MCP 2026-07-28 wire on Ferry's own URLs, over a 2025-11-25 stdio child: discovery,
 * per-request `_meta`, its errors, result decoration, and input-required results translated from the
 * child's own sampling, elicitation and roots requests.
 */
describe('MCP 2026-07-28 stateless wire', () => {
  let ferry: TestFerry;
  let url: string;
  let nextId = 1;

  beforeAll(async () => {
    ferry = await startFerry({ conformance: { command: node, args: [fixture('conformance-server.ts')] } });
    await serverState(ferry, 'conformance', 'ready');
    url = `${ferry.runtime.localUrl}/mcp/conformance`;
  });
  afterAll(() => ferry.stop());

  const meta = (extra: Record<string, unknown> = {}) => ({
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientCapabilities': CAPS,
    'io.modelcontextprotocol/clientInfo': { name: 'modern-test', version: '1' },
    ...extra,
  });

  const post = async (
    method: string,
    params: Record<string, unknown> | undefined,
    headers: Record<string, string> = {},
    id: number | string = nextId++,
  ): Promise<ModernReply> => {
    return readModernReply(await modernPost(url, method, params, headers, id), id);
  };

  it('answers server/discover with every served version, capabilities, serverInfo and cache hints, no session', async () => {
    const reply = await post('server/discover', { _meta: meta() });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('mcp-session-id')).toBeNull();
    const result = reply.body?.result as Record<string, unknown>;
    expect(result.supportedVersions).toEqual(expect.arrayContaining([MODERN, '2025-11-25']));
    expect(result.resultType).toBe('complete');
    expect(result.ttlMs).toEqual(expect.any(Number));
    expect(['public', 'private']).toContain(result.cacheScope);
    expect(result.capabilities).toMatchObject({ tools: {} });
    expect((result._meta as Record<string, unknown>)['io.modelcontextprotocol/serverInfo']).toMatchObject({
      name: expect.any(String),
    });
  });

  it.each([
    ['no _meta', {}],
    ['no protocol version', { _meta: { 'io.modelcontextprotocol/clientCapabilities': {} } }],
    ['no client capabilities', { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN } }],
  ])('refuses %s with -32602 and HTTP 400, echoing the id', async (_label, params) => {
    const reply = await post('server/discover', params, {}, 'id-7');
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ id: 'id-7', error: { code: -32602 } });
  });

  it('serves a request without clientInfo', async () => {
    const reply = await post('tools/list', {
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN,
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    });
    expect(reply.status).toBe(200);
    expect((reply.body?.result as { tools: unknown[] }).tools.length).toBeGreaterThan(0);
  });

  it('refuses an unknown version with -32022 and the supported list', async () => {
    const reply = await post(
      'tools/list',
      { _meta: meta({ 'io.modelcontextprotocol/protocolVersion': '2099-01-01' }) },
      { 'mcp-protocol-version': '2099-01-01' },
    );
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({
      error: { code: -32022, data: { requested: '2099-01-01', supported: expect.arrayContaining([MODERN]) } },
    });
  });

  it('refuses a header that disagrees with the body with -32020', async () => {
    const method = await post('tools/list', { _meta: meta() }, { 'mcp-method': 'prompts/list' });
    expect(method.status).toBe(400);
    expect(method.body).toMatchObject({ error: { code: -32020 } });
    const name = await post(
      'tools/call',
      { _meta: meta(), name: 'test_simple_text', arguments: {} },
      { 'mcp-name': 'something_else' },
    );
    expect(name.body).toMatchObject({ error: { code: -32020 } });
  });

  it('takes Claude’s mix: header 2025-11-25 with _meta at 2026-07-28', async () => {
    const reply = await post('tools/list', { _meta: meta() }, { 'mcp-protocol-version': '2025-11-25' });
    expect(reply.status).toBe(200);
    expect(reply.body?.result).toMatchObject({ resultType: 'complete' });
  });

  it.each(['initialize', 'ping', 'logging/setLevel', 'resources/subscribe'])(
    'answers the removed method %s with 404 and -32601',
    async (method) => {
      const reply = await post(method, { _meta: meta() });
      expect(reply.status).toBe(404);
      expect(reply.body).toMatchObject({ error: { code: -32601 } });
    },
  );

  it('answers an unknown method with 404 and -32601', async () => {
    const reply = await post('unknown/method', { _meta: meta() }, {}, 601);
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ id: 601, error: { code: -32601 } });
  });

  it('checks the header against the body before the version: -32020 for a mismatch with an unknown version', async () => {
    const reply = await post('server/discover', {
      _meta: meta({ 'io.modelcontextprotocol/protocolVersion': 'v999.0.0' }),
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: { code: -32020 } });
  });

  it('still starts a stateful session for a plain initialize after server/discover (Claude’s mix)', async () => {
    await post('server/discover', { _meta: meta() });
    const res = await rawPost(url, initializeBody(1, PROTOCOL_VERSION, { name: 'mix', version: '1' }), {
      'mcp-protocol-version': PROTOCOL_VERSION,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toBeTruthy();
  });

  it('accepts a notification without a session', async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'mcp-protocol-version': MODERN },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9 } }),
    });
    expect(res.status).toBe(202);
  });

  it('calls a tool: resultType complete, no session id, nothing left behind', async () => {
    const before = ferry.core.hub.sessions.size;
    const since = ferry.bus.lastSeq;
    const reply = await post('tools/call', { _meta: meta(), name: 'test_simple_text', arguments: {} });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('mcp-session-id')).toBeNull();
    expect(reply.body?.result).toMatchObject({ resultType: 'complete', content: [{ type: 'text' }] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ferry.core.hub.sessions.size).toBe(before);
    // The request log, the timeline and Activity know which revision the client spoke.
    const events = ferry.bus.since(since);
    expect(events).toContainEqual(expect.objectContaining({ type: 'call.start', protocol: MODERN }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'call.end', protocol: MODERN }));
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'http.request', path: '/mcp/conformance', protocol: MODERN }),
    );
  });

  it('lists with ttlMs and cacheScope', async () => {
    for (const method of ['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list']) {
      const reply = await post(method, { _meta: meta() });
      expect(reply.body?.result, method).toMatchObject({
        resultType: 'complete',
        ttlMs: expect.any(Number),
        cacheScope: expect.stringMatching(/^(public|private)$/),
      });
    }
  });

  it('reports an unknown resource as -32602', async () => {
    const reply = await post('resources/read', { _meta: meta(), uri: 'test://does-not-exist' });
    expect(reply.body).toMatchObject({ error: { code: -32602 } });
  });

  it('turns the child’s elicitation into input_required and finishes the call on the retry', async () => {
    const params = { name: 'test_elicitation', arguments: { message: 'Who are you?' } };
    const first = await post('tools/call', { _meta: meta(), ...params });
    const result = first.body?.result as Record<string, unknown>;
    expect(result.resultType).toBe('input_required');
    const requests = result.inputRequests as Record<
      string,
      { method: string; params: Record<string, unknown> }
    >;
    const [key, request] = Object.entries(requests)[0] ?? [];
    expect(request?.method).toBe('elicitation/create');
    expect(typeof result.requestState).toBe('string');
    const retry = await post('tools/call', {
      _meta: meta(),
      ...params,
      requestState: result.requestState,
      inputResponses: { [key as string]: { action: 'accept', content: { username: 'ada', email: 'a@b.c' } } },
    });
    expect(retry.body?.result).toMatchObject({ resultType: 'complete' });
    expect(JSON.stringify(retry.body?.result)).toContain('ada');
  });

  it('names each input request by the child’s own key and gathers concurrent ones into one answer', async () => {
    const params = { name: 'test_input_required_result_multiple_inputs', arguments: {} };
    const first = await post('tools/call', { _meta: meta(), ...params });
    const result = first.body?.result as {
      resultType: string;
      inputRequests: Record<string, { method: string }>;
      requestState: string;
    };
    expect(result.resultType).toBe('input_required');
    expect(Object.fromEntries(Object.entries(result.inputRequests).map(([k, v]) => [k, v.method]))).toEqual({
      user_name: 'elicitation/create',
      greeting: 'sampling/createMessage',
      client_roots: 'roots/list',
    });
    const retry = await post('tools/call', {
      _meta: meta(),
      ...params,
      requestState: result.requestState,
      inputResponses: {
        user_name: { action: 'accept', content: { name: 'Ada' } },
        greeting: {
          role: 'assistant',
          content: { type: 'text', text: 'Hi!' },
          model: 'm',
          stopReason: 'endTurn',
        },
        client_roots: { roots: [{ uri: 'file:///r', name: 'r' }] },
      },
    });
    expect(retry.body?.result).toMatchObject({ resultType: 'complete' });
    expect(JSON.stringify(retry.body?.result)).toContain('Ada');
  });

  it('refuses a tampered requestState and one replayed on other arguments', async () => {
    const params = { name: 'test_elicitation', arguments: { message: 'Again?' } };
    const first = await post('tools/call', { _meta: meta(), ...params });
    const state = (first.body?.result as { requestState: string }).requestState;
    const tampered = `${state.slice(0, -4)}AAAA`;
    const bad = await post('tools/call', {
      _meta: meta(),
      ...params,
      requestState: tampered,
      inputResponses: {},
    });
    expect(bad.body).toMatchObject({ error: { code: -32602 } });
    const other = await post('tools/call', {
      _meta: meta(),
      name: 'test_elicitation',
      arguments: { message: 'different' },
      requestState: state,
      inputResponses: {},
    });
    expect(other.body).toMatchObject({ error: { code: -32602 } });
    // The real state still resumes the call (a shared child must not keep it open for the next test).
    const key = Object.keys((first.body?.result as { inputRequests: object }).inputRequests)[0] as string;
    const done = await post('tools/call', {
      _meta: meta(),
      ...params,
      requestState: state,
      inputResponses: { [key]: { action: 'decline' } },
    });
    expect(done.body?.result).toMatchObject({ resultType: 'complete' });
  });

  it('answers -32021 with requiredCapabilities when the client did not declare what the child needs', async () => {
    const reply = await post('tools/call', {
      _meta: meta({ 'io.modelcontextprotocol/clientCapabilities': {} }),
      name: 'test_sampling',
      arguments: { prompt: 'hi' },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(400);
    expect(reply.body).toMatchObject({
      error: { code: -32021, data: { requiredCapabilities: { sampling: {} } } },
    });
  });

  it('streams the call’s progress as SSE before the result, with the client’s own token', async () => {
    const reply = await post('tools/call', {
      _meta: meta({ progressToken: 'progress-test-1' }),
      name: 'test_tool_with_progress',
      arguments: {},
    });
    expect(reply.headers.get('content-type')).toContain('text/event-stream');
    const progress = reply.events.filter((e) => e.method === 'notifications/progress');
    expect(progress.map((e) => (e.params as { progressToken: unknown }).progressToken)).toEqual([
      'progress-test-1',
      'progress-test-1',
      'progress-test-1',
    ]);
    expect(reply.body?.result).toMatchObject({ resultType: 'complete' });
  });

  it('sends the child’s log lines only when the request asked for a level, at or above it', async () => {
    const quiet = await post('tools/call', { _meta: meta(), name: 'test_tool_with_logging', arguments: {} });
    expect(quiet.events.filter((e) => e.method === 'notifications/message')).toEqual([]);
    const chatty = await post('tools/call', {
      _meta: meta({ 'io.modelcontextprotocol/logLevel': 'debug' }),
      name: 'test_tool_with_logging',
      arguments: {},
    });
    expect(chatty.events.filter((e) => e.method === 'notifications/message').length).toBeGreaterThanOrEqual(
      3,
    );
    const above = await post('tools/call', {
      _meta: meta({ 'io.modelcontextprotocol/logLevel': 'error' }),
      name: 'test_tool_with_logging',
      arguments: {},
    });
    expect(above.events.filter((e) => e.method === 'notifications/message')).toEqual([]);
  });

  it('subscriptions/listen: acknowledgement first, subscription id on every notification, only what was asked', async () => {
    const stream = await openListen(url, 'listen-1', { toolsListChanged: true }, meta());
    const { res, frames } = stream;
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    await stream.readFrames(1);
    expect(frames[0]).toMatchObject({
      method: 'notifications/subscriptions/acknowledged',
      params: {
        notifications: { toolsListChanged: true },
        _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-1' },
      },
    });
    // A restarted child's lists change: the stream gets tools/list_changed (and not the prompt or resource ones).
    await ferry.core.hub.restartServer('conformance');
    await serverState(ferry, 'conformance', 'ready');
    await stream.readFrames(2);
    stream.close();
    const methods = frames.slice(1).map((f) => f.method);
    expect(methods).toContain('notifications/tools/list_changed');
    expect(methods).not.toContain('notifications/prompts/list_changed');
    for (const frame of frames) {
      expect(
        (frame.params as { _meta: Record<string, unknown> })._meta['io.modelcontextprotocol/subscriptionId'],
      ).toBe('listen-1');
    }
  });

  it('serves an old stateful SDK client and a 2026 client on one URL at the same time', async () => {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } =
      await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const old = new Client({ name: 'old', version: '1' });
    await old.connect(new StreamableHTTPClientTransport(new URL(url)));
    try {
      const [stateful, stateless] = await Promise.all([
        old.callTool({ name: 'test_simple_text', arguments: {} }),
        post('tools/call', { _meta: meta(), name: 'test_simple_text', arguments: {} }),
      ]);
      expect(stateful.content).toEqual([expect.objectContaining({ type: 'text' })]);
      expect('resultType' in stateful).toBe(false);
      expect(stateless.body?.result).toMatchObject({ resultType: 'complete', content: [{ type: 'text' }] });
    } finally {
      await old.close();
    }
  });
});
