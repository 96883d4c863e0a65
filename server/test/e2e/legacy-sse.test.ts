import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  CreateMessageRequestSchema,
  type ClientCapabilities,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallEndEvent, SessionEvent, Stamped } from '../../src/events/types.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { everythingServer, filesystemServer } from '../helpers/fixtures.js';
import { byName, rejection, REQ, texts, until, untilTool } from './support.js';

// The 2024-11-05 HTTP+SSE transport (GET /sse + POST /messages) with the SDK's own SSEClientTransport,
// against real server-everything and server-filesystem.

let root: string;
let ferry: TestFerry;
const sseClients: Client[] = [];
let clientCount = 0;

beforeAll(async () => {
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'ferry-e2e-sse-')));
  await writeFile(path.join(root, 'readme.txt'), 'legacy transport works\n');
  ferry = await startFerry({ everything: everythingServer(), files: filesystemServer(root) });
  await Promise.all([
    serverState(ferry, 'everything', 'ready', 20_000),
    serverState(ferry, 'files', 'ready', 20_000),
  ]);
}, 30_000);

afterAll(async () => {
  await Promise.allSettled(sseClients.map((c) => c.close()));
  await ferry?.stop();
  if (root) await rm(root, { recursive: true, force: true });
}, 20_000);

/** An SDK client on the legacy transport; its name identifies its session in Ferry's events. */
async function sseClient(
  pathname: string,
  capabilities: ClientCapabilities = {},
): Promise<{ client: Client; name: string }> {
  const name = `legacy-client-${++clientCount}`;
  const client = new Client({ name, version: '1.0.0' }, { capabilities });
  sseClients.push(client);
  await client.connect(new SSEClientTransport(new URL(`${ferry.runtime.localUrl}${pathname}`)), REQ);
  return { client, name };
}

async function sessionOf(name: string): Promise<Stamped<SessionEvent>> {
  return (await ferry.waitFor(
    (e) => e.type === 'session.opened' && e.clientName === name,
    5_000,
  )) as Stamped<SessionEvent>;
}

describe('legacy HTTP+SSE at /sse', () => {
  it('lists the tools of both servers, prefixed, exactly as /mcp does', async () => {
    const { client } = await sseClient('/sse');
    const tools = await untilTool(client, 'everything__trigger-sampling-request');
    const streamable = await ferry.connect();
    const reference = await untilTool(streamable, 'everything__trigger-sampling-request');
    expect(byName(tools)).toEqual(byName(reference));
    const names = tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['everything__echo', 'files__read_text_file', 'files__list_directory']),
    );
    expect(names.every((n) => n.startsWith('everything__') || n.startsWith('files__'))).toBe(true);
    expect(client.getServerVersion()?.name).toBe('ferry');
  }, 20_000);

  it('calls tools of both servers and gets their results', async () => {
    const { client } = await sseClient('/sse');
    const echo = await client.callTool(
      { name: 'everything__echo', arguments: { message: 'over sse' } },
      undefined,
      REQ,
    );
    expect(texts(echo)).toEqual(['Echo: over sse']);
    const file = await client.callTool(
      { name: 'files__read_text_file', arguments: { path: path.join(root, 'readme.txt') } },
      undefined,
      REQ,
    );
    expect(texts(file)).toEqual(['legacy transport works\n']);
    const unknown = await rejection(client.callTool({ name: 'files__nope', arguments: {} }, undefined, REQ));
    expect(unknown.code).toBe(-32602);
    expect(unknown.message).toContain('Unknown tool: files__nope');
  }, 20_000);

  it('reads resources and gets prompts', async () => {
    const { client } = await sseClient('/sse');
    const { resources } = await client.listResources(undefined, REQ);
    expect(resources.map((r) => r.uri)).toContain('demo://resource/static/document/features.md');
    const read = await client.readResource({ uri: 'demo://resource/dynamic/text/5' }, REQ);
    expect((read.contents[0] as { text: string }).text).toMatch(/^Resource 5: This is a plaintext resource/);
    const prompt = await client.getPrompt(
      { name: 'everything__args-prompt', arguments: { city: 'Porto' } },
      REQ,
    );
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: "What's weather in Porto?" });
  }, 20_000);

  it('delivers progress notifications on the SSE stream', async () => {
    const { client } = await sseClient('/sse');
    const progress: Progress[] = [];
    const result = await client.callTool(
      { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.9, steps: 3 } },
      undefined,
      { ...REQ, onprogress: (p) => progress.push(p) },
    );
    expect(texts(result)[0]).toMatch(/^Long running operation completed/);
    // The SDK's SSEClientTransport dispatches events of one network chunk synchronously and handles a
    // response before the notifications queued ahead of it, so it drops a last progress notification that
    // shares a chunk with the result (the next test shows Ferry sends it first).
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress).toEqual([1, 2, 3].slice(0, progress.length).map((n) => ({ progress: n, total: 3 })));
  }, 20_000);

  it('on the wire, every progress notification precedes the result on the SSE stream', async () => {
    const base = ferry.runtime.localUrl;
    const stream = await fetch(`${base}/sse`, {
      headers: { Accept: 'text/event-stream' },
      signal: AbortSignal.timeout(10_000),
    });
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (done: (s: string) => boolean) => {
      while (!done(text)) {
        const { value, done: ended } = await reader.read();
        if (ended) throw new Error(`SSE stream ended early: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    try {
      await readUntil((s) => /data: (\S*sessionId=\S+)/.test(s));
      const endpoint = new URL((/data: (\S*sessionId=\S+)/.exec(text) as RegExpExecArray)[1] as string, base);
      const post = async (message: object) => {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(5_000),
        });
        expect(response.status).toBe(202);
      };
      await post({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw-sse', version: '1' },
        },
      });
      await readUntil((s) => s.includes('"id":1'));
      await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
      text = '';
      await post({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: {
          name: 'everything__trigger-long-running-operation',
          arguments: { duration: 0.3, steps: 3 },
          _meta: { progressToken: 'raw-token' },
        },
      });
      await readUntil((s) => s.includes('"id":2'));
      const messages = [...text.matchAll(/^data: (.*)$/gm)].map(
        (m) => JSON.parse(m[1] as string) as Record<string, unknown>,
      );
      expect(messages).toEqual([
        ...[1, 2, 3].map((n) => ({
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { progress: n, total: 3, progressToken: 'raw-token' },
        })),
        {
          jsonrpc: '2.0',
          id: 2,
          result: {
            content: [
              { type: 'text', text: 'Long running operation completed. Duration: 0.3 seconds, Steps: 3.' },
            ],
          },
        },
      ]);
    } finally {
      await reader.cancel();
    }
  }, 20_000);

  it('answers a sampling request over the legacy transport', async () => {
    const { client } = await sseClient('/sse', { sampling: {} });
    client.setRequestHandler(CreateMessageRequestSchema, () => ({
      model: 'legacy-model',
      role: 'assistant',
      content: { type: 'text', text: 'answered over SSE' },
    }));
    const result = await client.callTool(
      { name: 'everything__trigger-sampling-request', arguments: { prompt: 'hi' } },
      undefined,
      REQ,
    );
    expect(result.isError).toBeFalsy();
    expect(texts(result).join()).toContain('answered over SSE');
  }, 20_000);

  it('opens a session on /sse, records its calls under it, and closes it when the stream ends', async () => {
    const { client, name } = await sseClient('/sse');
    const opened = await sessionOf(name);
    expect(opened.endpoint).toBe('/sse');
    await client.callTool({ name: 'everything__get-sum', arguments: { a: 40, b: 2 } }, undefined, REQ);
    const end = (await ferry.waitFor(
      (e) => e.type === 'call.end' && e.sessionId === opened.sessionId,
      5_000,
    )) as Stamped<CallEndEvent>;
    expect(end).toMatchObject({ server: 'everything', target: 'get-sum', outcome: 'ok' });
    expect(end.resultPreview).toContain('The sum of 40 and 2 is 42.');
    expect(end.durationMs).toBeGreaterThan(0);

    await client.close();
    const closed = await ferry.waitFor(
      (e) => e.type === 'session.closed' && e.sessionId === opened.sessionId,
      5_000,
    );
    expect(closed).toMatchObject({ endpoint: '/sse', reason: 'SSE stream closed' });
    await until('the session to leave the hub', () => !ferry.core.hub.sessions.has(opened.sessionId), 5_000);
  }, 20_000);
});

describe('legacy HTTP+SSE at /sse/<server>', () => {
  it('/sse/everything exposes the original names of that server only', async () => {
    const { client, name } = await sseClient('/sse/everything');
    const tools = await untilTool(client, 'trigger-sampling-request');
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-sum', 'trigger-long-running-operation']));
    expect(names.some((n) => n.includes('__') || n.includes('read_text_file'))).toBe(false);
    expect(client.getServerVersion()?.name).toBe('mcp-servers/everything');
    const sum = await client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }, undefined, REQ);
    expect(texts(sum)).toEqual(['The sum of 1 and 2 is 3.']);
    expect((await sessionOf(name)).endpoint).toBe('/sse/everything');
  }, 20_000);

  it('/sse/files reads files with original tool names', async () => {
    const { client } = await sseClient('/sse/files');
    const result = await client.callTool(
      { name: 'read_text_file', arguments: { path: path.join(root, 'readme.txt') } },
      undefined,
      REQ,
    );
    expect(texts(result)).toEqual(['legacy transport works\n']);
  }, 20_000);

  it('an unknown server is a 404, not a session', async () => {
    const before = ferry.core.hub.sessions.size;
    const response = await fetch(`${ferry.runtime.localUrl}/sse/nosuchserver`, {
      headers: { Accept: 'text/event-stream' },
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('no server named \\"nosuchserver\\"');
    expect(ferry.core.hub.sessions.size).toBe(before);
  }, 20_000);
});
