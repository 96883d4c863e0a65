import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';

const ANSWER_TIMEOUT_MS = 10_000;

/**
 * The public listener's routes on express 5 match exactly what the hand-written router matched. express's
 * string paths are case-insensitive, take a trailing slash, decode `:params` and route HEAD to GET handlers;
 * each of those would widen what the internet reaches, so the routes stay regular expressions.
 */
describe('public listener routes: exact paths and methods only', () => {
  let ferry: TestFerry;
  beforeAll(async () => {
    ferry = await startFerry({ echo: echoServer() });
    await serverState(ferry, 'echo', 'ready');
  });
  afterAll(() => ferry.stop());

  const send = async (method: string, path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${ferry.runtime.localUrl}${path}`, {
      method,
      headers: { accept: 'application/json, text/event-stream', ...headers },
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
    const text = method === 'HEAD' ? '' : await res.text();
    return { status: res.status, headers: res.headers, text };
  };
  const notFound = { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Not found' } };

  it.each([
    ['GET', '/MCP'],
    ['GET', '/Mcp/echo'],
    ['GET', '/mcp/ech%6F'],
    ['GET', '/sse/'],
    ['POST', '/sse'],
    ['GET', '/SSE'],
    ['POST', '/messages/'],
    ['GET', '/messages'],
    ['GET', '/nothing'],
  ])('%s %s is no route: 404 with a JSON-RPC error', async (method, path) => {
    const answer = await send(method, path);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text)).toEqual(notFound);
  });

  it('HEAD /sse opens no legacy stream', async () => {
    const before = ferry.core.hub.sessions.size;
    const answer = await send('HEAD', '/sse');
    expect(answer.status).toBe(404);
    expect(ferry.core.hub.sessions.size).toBe(before);
  });

  it('names no framework in its answers', async () => {
    const answer = await send('GET', '/nothing');
    expect(answer.headers.get('x-powered-by')).toBeNull();
  });
});
