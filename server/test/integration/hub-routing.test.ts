import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';

const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]?.text ?? '';

function answerSampling(client: Client, reply: string) {
  client.setRequestHandler(CreateMessageRequestSchema, () => ({
    role: 'assistant',
    content: { type: 'text', text: reply },
    model: 'test-model',
  }));
}

describe('routing between sessions and children', () => {
  let ferry: TestFerry;

  beforeAll(async () => {
    ferry = await startFerry(
      {
        shared: faultServer(),
        isolated: faultServer(),
      },
      { ferry: { servers: { isolated: { sessionMode: 'per-session' } } } },
    );
    await serverState(ferry, 'shared', 'ready');
  });
  afterAll(() => ferry.stop());

  it('cancels the child’s request when the client cancels its call', async () => {
    const client = await ferry.connect('shared');
    const controller = new AbortController();
    const call = client.callTool({ name: 'slow', arguments: { ms: 10_000 } }, undefined, {
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    await expect(call).rejects.toThrow();
    const log = await ferry.waitFor(
      (e) => e.type === 'log' && e.source === 'server:shared' && /slow-cancelled after/.test(e.message),
    );
    expect(log.type).toBe('log');
    const ended = await ferry.waitFor(
      (e) => e.type === 'call.end' && e.target === 'slow' && e.outcome === 'cancelled',
    );
    expect(ended.type).toBe('call.end');
  });

  it('sends a shared child’s sampling request to the session whose call caused it', async () => {
    const a = await ferry.connect('shared', { sampling: {} });
    const b = await ferry.connect('shared', { sampling: {} });
    answerSampling(a, 'answer from A');
    answerSampling(b, 'answer from B');
    expect(text(await a.callTool({ name: 'sample', arguments: { prompt: 'hi' } }))).toContain(
      'answer from A',
    );
    expect(text(await b.callTool({ name: 'sample', arguments: { prompt: 'hi' } }))).toContain(
      'answer from B',
    );
  });

  it('refuses, rather than guesses, when calls of two sessions are in flight on the shared child', async () => {
    const a = await ferry.connect('shared', { sampling: {} });
    const b = await ferry.connect('shared', { sampling: {} });
    answerSampling(a, 'A');
    answerSampling(b, 'B');
    const busy = b.callTool({ name: 'slow', arguments: { ms: 1500 } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sampled = await a.callTool({ name: 'sample', arguments: { prompt: 'hi' } });
    expect(sampled.isError).toBe(true);
    expect(text(sampled)).toMatch(/ambiguous.*sessionMode.*per-session/s);
    await busy;
  });

  it('tells a child plainly when the client never offered sampling or elicitation', async () => {
    const plain = await ferry.connect('shared');
    const sampled = await plain.callTool({ name: 'sample', arguments: { prompt: 'x' } });
    expect(sampled.isError).toBe(true);
    expect(text(sampled)).toMatch(/does not support sampling/);
    const elicited = await plain.callTool({ name: 'elicit', arguments: { message: 'x' } });
    expect(text(elicited)).toMatch(/does not support elicitation/);
  });

  it('forwards elicitation to the calling session', async () => {
    const client = await ferry.connect('shared', { elicitation: {} });
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { name: 'Ada' } }));
    const result = await client.callTool({ name: 'elicit', arguments: { message: 'Your name?' } });
    expect(JSON.parse(text(result))).toMatchObject({ action: 'accept', content: { name: 'Ada' } });
  });

  it('gives a per-session child the client’s own roots, each session its own', async () => {
    const make = async (uri: string) => {
      const client = await ferry.connect('isolated', { roots: { listChanged: true } });
      client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [{ uri, name: uri }] }));
      return client;
    };
    const a = await make('file:///home/a');
    const b = await make('file:///home/b');
    expect(text(await a.callTool({ name: 'roots', arguments: {} }))).toContain('file:///home/a');
    expect(text(await b.callTool({ name: 'roots', arguments: {} }))).toContain('file:///home/b');
    const children = ferry.core.admin.server('isolated').children;
    expect(children).toBeGreaterThanOrEqual(2);
  });

  it('filters log notifications by each session’s level', async () => {
    const quiet = await ferry.connect('shared');
    const chatty = await ferry.connect('shared');
    const heard = { quiet: [] as string[], chatty: [] as string[] };
    quiet.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void heard.quiet.push(String(n.params.data)),
    );
    chatty.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void heard.chatty.push(String(n.params.data)),
    );
    await quiet.setLoggingLevel('error');
    await chatty.setLoggingLevel('debug');
    await chatty.callTool({ name: 'log', arguments: { level: 'info', message: 'info-line' } });
    await chatty.callTool({ name: 'log', arguments: { level: 'error', message: 'error-line' } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heard.chatty).toEqual(expect.arrayContaining(['info-line', 'error-line']));
    expect(heard.quiet).toContain('error-line');
    expect(heard.quiet).not.toContain('info-line');
    expect(
      ferry.bus.logs.toArray().some((l) => l.source === 'server:shared' && l.message === 'error-line'),
    ).toBe(true);
  });

  it('sends a shared child’s log only to the sessions that asked for logs, not to the one that caused it', async () => {
    const listener = await ferry.connect('shared');
    const bystander = await ferry.connect('shared');
    const heard = { listener: [] as string[], bystander: [] as string[] };
    listener.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void heard.listener.push(String(n.params.data)),
    );
    bystander.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void heard.bystander.push(String(n.params.data)),
    );
    await listener.setLoggingLevel('info');
    // The bystander never sent logging/setLevel: another session's log level is no request of its own.
    await bystander.callTool({ name: 'log', arguments: { level: 'warning', message: 'bystander-call' } });
    await bystander.callTool({ name: 'log', arguments: { level: 'debug', message: 'too-verbose' } });
    const deadline = Date.now() + 3000;
    while (!heard.listener.includes('bystander-call') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heard.listener).toContain('bystander-call');
    expect(heard.listener).not.toContain('too-verbose');
    expect(heard.bystander).toEqual([]);
  });

  it('delivers resources/updated only to sessions subscribed to that URI', async () => {
    const subscriber = await ferry.connect('shared');
    const bystander = await ferry.connect('shared');
    const updates = { subscriber: [] as string[], bystander: [] as string[] };
    subscriber.setNotificationHandler(
      ResourceUpdatedNotificationSchema,
      (n) => void updates.subscriber.push(n.params.uri),
    );
    bystander.setNotificationHandler(
      ResourceUpdatedNotificationSchema,
      (n) => void updates.bystander.push(n.params.uri),
    );
    await subscriber.subscribeResource({ uri: 'fault://item/2' });
    await bystander.callTool({ name: 'touch', arguments: { uri: 'fault://item/2' } });
    const deadline = Date.now() + 3000;
    while (updates.subscriber.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(updates.subscriber).toEqual(['fault://item/2']);
    expect(updates.bystander).toEqual([]);
    await subscriber.unsubscribeResource({ uri: 'fault://item/2' });
  });

  it('routes resources, templates, prompts and completion through the aggregated endpoint', async () => {
    const client = await ferry.connect();
    const resources = (await client.listResources()).resources.map((r) => r.uri);
    expect(resources).toContain('fault://static');
    const templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    expect(templates).toContain('fault://item/{id}');
    const read = await client.readResource({ uri: 'fault://item/9' });
    expect(JSON.stringify(read.contents)).toContain('fault://item/9');
    const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
    expect(prompts).toContain('shared__greet');
    const prompt = await client.getPrompt({ name: 'shared__greet', arguments: { name: 'Ada' } });
    expect(JSON.stringify(prompt.messages)).toContain('Ada');
    const completion = await client.complete({
      ref: { type: 'ref/prompt', name: 'shared__greet' },
      argument: { name: 'name', value: '' },
    });
    expect(completion.completion.values.length).toBeGreaterThan(0);
    await expect(client.callTool({ name: 'shared__nope', arguments: {} })).rejects.toThrow(
      /Unknown tool: shared__nope/,
    );
  });
});
