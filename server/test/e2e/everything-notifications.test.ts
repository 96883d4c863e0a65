import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  type CreateMessageRequest,
  type ElicitRequest,
  type LoggingMessageNotification,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { everythingServer } from '../helpers/fixtures.js';
import { REQ, sleep, texts, until, untilTool } from './support.js';

// What server-everything sends back besides results — progress, log messages, resource updates — and what
// it asks of the client (sampling, elicitation), all through Ferry to a real SDK client.

let ferry: TestFerry;

beforeAll(async () => {
  ferry = await startFerry({ everything: everythingServer() });
  await serverState(ferry, 'everything', 'ready', 20_000);
}, 30_000);

afterAll(async () => {
  await ferry?.stop();
}, 20_000);

/** A session on `/mcp` (or `/mcp/<server>`) once the late-registered tools are listed. */
async function session(server?: string, capabilities = {}): Promise<Client> {
  const client = await ferry.connect(server, capabilities);
  await untilTool(client, server ? 'trigger-sampling-request' : 'everything__trigger-sampling-request');
  return client;
}

function collectLogs(client: Client): LoggingMessageNotification['params'][] {
  const logs: LoggingMessageNotification['params'][] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logs.push(n.params);
  });
  return logs;
}

function collectUpdates(client: Client): string[] {
  const uris: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    uris.push(n.params.uri);
  });
  return uris;
}

const DOC = (name: string) => `demo://resource/static/document/${name}`;

describe('progress notifications', () => {
  for (const endpoint of [undefined, 'everything']) {
    const tool = endpoint ? 'trigger-long-running-operation' : 'everything__trigger-long-running-operation';
    it(`reach the caller on ${endpoint ? '/mcp/everything' : '/mcp'}, in order, before the result`, async () => {
      const client = await ferry.connect(endpoint);
      const progress: Progress[] = [];
      const result = await client.callTool(
        { name: tool, arguments: { duration: 1.2, steps: 4 } },
        undefined,
        {
          ...REQ,
          onprogress: (p) => progress.push(p),
        },
      );
      // A progress notification arriving after the result would have been dropped by the client.
      expect(texts(result)).toEqual(['Long running operation completed. Duration: 1.2 seconds, Steps: 4.']);
      expect(progress).toEqual([1, 2, 3, 4].map((n) => ({ progress: n, total: 4 })));
    }, 20_000);
  }

  it('the last progress notification, written right before the result, is not lost', async () => {
    const client = await ferry.connect('everything');
    for (let call = 0; call < 3; call++) {
      const progress: number[] = [];
      await client.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 0.15, steps: 3 } },
        undefined,
        { ...REQ, onprogress: (p) => progress.push(p.progress) },
      );
      expect(progress, `call ${call + 1}`).toEqual([1, 2, 3]);
    }
  }, 20_000);
});

describe('log notifications', () => {
  it('logging/setLevel then a request the server logs about: the log message reaches the client', async () => {
    const client = await session();
    const logs = collectLogs(client);
    await client.setLoggingLevel('debug', REQ);
    const uri = DOC('architecture.md');
    await client.subscribeResource({ uri }, REQ);
    const log = await until(
      'the subscribe log message',
      () => logs.find((l) => String(l.data).includes(`Received Subscribe Resource request for URI: ${uri}`)),
      5_000,
    );
    expect(log.level).toBe('info');
    await client.unsubscribeResource({ uri }, REQ);
    await until(
      'the unsubscribe log message',
      () => logs.some((l) => String(l.data).includes('Unsubscribe')),
      5_000,
    );
  }, 20_000);

  it('toggle-simulated-logging sends log messages until toggled off', async () => {
    const client = await session();
    const logs = collectLogs(client);
    await client.setLoggingLevel('debug', REQ);
    const on = await client.callTool(
      { name: 'everything__toggle-simulated-logging', arguments: {} },
      undefined,
      REQ,
    );
    try {
      expect(texts(on)[0]).toMatch(/^Started simulated, random-leveled logging/);
      const log = await until(
        'a simulated log message',
        () => logs.find((l) => /^(\w+-level message|Alert level-message)$/.test(String(l.data))),
        5_000,
      );
      expect(['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency']).toContain(
        log.level,
      );
    } finally {
      const off = await client.callTool(
        { name: 'everything__toggle-simulated-logging', arguments: {} },
        undefined,
        REQ,
      );
      expect(texts(off)[0]).toMatch(/^Stopped simulated logging/);
    }
  }, 20_000);

  it('a level above the message level filters it out; lowering the level lets it through', async () => {
    const client = await session('everything');
    const logs = collectLogs(client);
    const uri = DOC('startup.md');
    await client.setLoggingLevel('error', REQ);
    await client.subscribeResource({ uri }, REQ);
    await sleep(400);
    expect(logs.filter((l) => String(l.data).includes(uri))).toEqual([]);

    await client.setLoggingLevel('info', REQ);
    await client.unsubscribeResource({ uri }, REQ);
    const log = await until(
      'the unsubscribe log message',
      () => logs.find((l) => String(l.data).includes(`Received Unsubscribe Resource request: ${uri}`)),
      5_000,
    );
    expect(log.level).toBe('info');
  }, 20_000);
});

describe('resource subscriptions', () => {
  it('a subscribed resource sends notifications/resources/updated; an unsubscribed one does not', async () => {
    const client = await session();
    const updates = collectUpdates(client);
    const uri = DOC('features.md');
    await client.subscribeResource({ uri }, REQ);
    const on = await client.callTool(
      { name: 'everything__toggle-subscriber-updates', arguments: {} },
      undefined,
      REQ,
    );
    try {
      expect(texts(on)[0]).toMatch(/^Started simulated resource updated notifications/);
      await until('resources/updated', () => updates.includes(uri), 8_000);
      expect(new Set(updates)).toEqual(new Set([uri]));
    } finally {
      await client.callTool({ name: 'everything__toggle-subscriber-updates', arguments: {} }, undefined, REQ);
      await client.unsubscribeResource({ uri }, REQ);
    }
  }, 20_000);
});

describe('sampling', () => {
  it('the server asks the calling client for a completion; the tool result carries its answer', async () => {
    const client = await session(undefined, { sampling: {} });
    const requests: CreateMessageRequest['params'][] = [];
    client.setRequestHandler(CreateMessageRequestSchema, (request) => {
      requests.push(request.params);
      return {
        model: 'test-model-7',
        role: 'assistant',
        content: { type: 'text', text: 'Octopuses have three hearts.' },
        stopReason: 'endTurn',
      };
    });
    const result = await client.callTool(
      {
        name: 'everything__trigger-sampling-request',
        arguments: { prompt: 'Tell me a fact', maxTokens: 42 },
      },
      undefined,
      REQ,
    );
    expect(requests).toEqual([
      {
        messages: [
          {
            role: 'user',
            content: { type: 'text', text: 'Resource trigger-sampling-request context: Tell me a fact' },
          },
        ],
        systemPrompt: 'You are a helpful test server.',
        maxTokens: 42,
        temperature: 0.7,
      },
    ]);
    expect(result.isError).toBeFalsy();
    const text = texts(result).join('\n');
    expect(text).toMatch(/^LLM sampling result: \n/);
    expect(JSON.parse(text.replace(/^LLM sampling result: \n/, ''))).toEqual({
      model: 'test-model-7',
      role: 'assistant',
      content: { type: 'text', text: 'Octopuses have three hearts.' },
      stopReason: 'endTurn',
    });
  }, 20_000);

  it('on /mcp/everything too', async () => {
    const client = await session('everything', { sampling: {} });
    client.setRequestHandler(CreateMessageRequestSchema, (request) => ({
      model: 'm',
      role: 'assistant',
      content: {
        type: 'text',
        text: `echoing ${String((request.params.messages[0]?.content as { text?: string }).text)}`,
      },
    }));
    const result = await client.callTool(
      { name: 'trigger-sampling-request', arguments: { prompt: 'single' } },
      undefined,
      REQ,
    );
    expect(texts(result).join()).toContain('echoing Resource trigger-sampling-request context: single');
  }, 20_000);

  it("the client's refusal comes back to the server: the tool reports it as an error", async () => {
    const client = await session(undefined, { sampling: {} });
    client.setRequestHandler(CreateMessageRequestSchema, () => {
      throw new Error('the user declined to sample');
    });
    const result = await client.callTool(
      { name: 'everything__trigger-sampling-request', arguments: { prompt: 'no' } },
      undefined,
      REQ,
    );
    expect(result.isError).toBe(true);
    expect(texts(result).join()).toContain('the user declined to sample');
  }, 20_000);

  it('a client without the sampling capability is never asked; the tool reports why', async () => {
    const client = await session(undefined, {});
    const result = await client.callTool(
      { name: 'everything__trigger-sampling-request', arguments: { prompt: 'x' } },
      undefined,
      REQ,
    );
    expect(result.isError).toBe(true);
    expect(texts(result).join()).toContain('the connected client does not support sampling');
  }, 20_000);
});

describe('elicitation', () => {
  it('a form elicitation reaches the client; its accepted answer is in the tool result', async () => {
    const client = await session(undefined, { elicitation: { form: {} } });
    const requests: ElicitRequest['params'][] = [];
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      requests.push(request.params);
      return {
        action: 'accept',
        content: { name: 'Ada Lovelace', check: true, integer: 7, email: 'ada@example.com' },
      };
    });
    const result = await client.callTool(
      { name: 'everything__trigger-elicitation-request', arguments: {} },
      undefined,
      REQ,
    );
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      message: 'Please provide inputs for the following fields:',
      requestedSchema: { type: 'object', required: ['name'] },
    });
    const text = texts(result).join('\n');
    expect(text).toContain('✅ User provided the requested information!');
    expect(text).toContain('- Name: Ada Lovelace');
    expect(text).toContain('- Agreed to terms: true');
    expect(text).toContain('- Favorite Integer: 7');
    expect(text).toContain('- Email: ada@example.com');
  }, 20_000);

  it('a declined elicitation is reported as declined', async () => {
    const client = await session(undefined, { elicitation: { form: {} } });
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'decline' }));
    const result = await client.callTool(
      { name: 'everything__trigger-elicitation-request', arguments: {} },
      undefined,
      REQ,
    );
    expect(texts(result).join('\n')).toContain('❌ User declined to provide the requested information.');
  }, 20_000);

  it('a URL elicitation reaches the client with its URL and id', async () => {
    const client = await session(undefined, { elicitation: { url: {} } });
    const requests: ElicitRequest['params'][] = [];
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      requests.push(request.params);
      return { action: 'accept' };
    });
    const result = await client.callTool(
      {
        name: 'everything__trigger-url-elicitation',
        arguments: { url: 'https://example.com/consent', elicitationId: 'elicit-123', message: 'Open me' },
      },
      undefined,
      REQ,
    );
    expect(requests).toEqual([
      { mode: 'url', url: 'https://example.com/consent', message: 'Open me', elicitationId: 'elicit-123' },
    ]);
    const text = texts(result).join('\n');
    expect(text).toContain('✅ User completed the URL elicitation flow.');
    expect(text).toContain('Elicitation ID: elicit-123');
  }, 20_000);

  it('a client without the elicitation capability is never asked; the tool reports why', async () => {
    const client = await session(undefined, { sampling: {} });
    const result = await client.callTool(
      { name: 'everything__trigger-elicitation-request', arguments: {} },
      undefined,
      REQ,
    );
    expect(result.isError).toBe(true);
    expect(texts(result).join()).toContain('the connected client does not support elicitation');
  }, 20_000);
});
