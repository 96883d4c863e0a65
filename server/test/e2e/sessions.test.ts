import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallEndEvent, Stamped } from '../../src/events/types.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { everythingServer } from '../helpers/fixtures.js';
import { endSession, rejection, REQ, sessionIdOf, sleep, texts, until, untilTool } from './support.js';

// Several remote sessions on one Ferry at the same time: each must get its own results, progress, log
// messages, resource updates and sampling requests, and nothing of the others'.

const LONG = 'everything__trigger-long-running-operation';
const SAMPLE = 'everything__trigger-sampling-request';
const TOGGLE_UPDATES = 'everything__toggle-subscriber-updates';
const DOC = (name: string) => `demo://resource/static/document/${name}`;

function sampler(client: Client, answer: string): string[] {
  const prompts: string[] = [];
  client.setRequestHandler(CreateMessageRequestSchema, (request) => {
    const content = request.params.messages[0]?.content as { text?: string } | undefined;
    prompts.push(content?.text ?? '');
    return { model: 'test', role: 'assistant', content: { type: 'text', text: answer } };
  });
  return prompts;
}

function updatesOf(client: Client): string[] {
  const uris: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    uris.push(n.params.uri);
  });
  return uris;
}

describe('two sessions on a shared server-everything', () => {
  let ferry: TestFerry;

  beforeAll(async () => {
    ferry = await startFerry({ everything: everythingServer() });
    await serverState(ferry, 'everything', 'ready', 20_000);
    // The late-registered tools (sampling) are listed once the child announced them.
    await untilTool(await ferry.connect(), SAMPLE);
  }, 30_000);

  afterAll(async () => {
    await ferry?.stop();
  }, 20_000);

  it('concurrent long-running calls: each session gets only its own progress and its own result', async () => {
    // Fresh clients number their requests alike, so both calls carry the same request id and progress token.
    const [a, b] = await Promise.all([ferry.connect(), ferry.connect()]);
    const progressA: Progress[] = [];
    const progressB: Progress[] = [];
    const [resultA, resultB] = await Promise.all([
      a.callTool({ name: LONG, arguments: { duration: 1.5, steps: 3 } }, undefined, {
        ...REQ,
        onprogress: (p) => progressA.push(p),
      }),
      b.callTool({ name: LONG, arguments: { duration: 1, steps: 5 } }, undefined, {
        ...REQ,
        onprogress: (p) => progressB.push(p),
      }),
    ]);
    expect(texts(resultA)).toEqual(['Long running operation completed. Duration: 1.5 seconds, Steps: 3.']);
    expect(texts(resultB)).toEqual(['Long running operation completed. Duration: 1 seconds, Steps: 5.']);
    // Every notification a session got is one of its own (total 3 vs 5), all of them, in order.
    expect(progressA).toEqual([1, 2, 3].map((n) => ({ progress: n, total: 3 })));
    expect(progressB).toEqual([1, 2, 3, 4, 5].map((n) => ({ progress: n, total: 5 })));
  }, 20_000);

  it('interleaved quick calls of two sessions each return their own result', async () => {
    const [a, b] = await Promise.all([ferry.connect(), ferry.connect('everything')]);
    const calls = Array.from({ length: 15 }, (_, i) => [
      a.callTool({ name: 'everything__echo', arguments: { message: `a-${i}` } }, undefined, REQ),
      b.callTool({ name: 'echo', arguments: { message: `b-${i}` } }, undefined, REQ),
      a.callTool({ name: 'everything__get-sum', arguments: { a: i, b: 1000 } }, undefined, REQ),
    ]).flat();
    const results = (await Promise.all(calls)).map((r) => texts(r)[0]);
    expect(results).toEqual(
      Array.from({ length: 15 }, (_, i) => [
        `Echo: a-${i}`,
        `Echo: b-${i}`,
        `The sum of ${i} and 1000 is ${i + 1000}.`,
      ]).flat(),
    );
  }, 20_000);

  it('cancelling a call in one session leaves the same call of another session running', async () => {
    const [a, b] = await Promise.all([ferry.connect(), ferry.connect()]);
    const after = ferry.bus.lastSeq;
    const abort = new AbortController();
    let firstProgressA!: () => void;
    const startedA = new Promise<void>((resolve) => (firstProgressA = resolve));
    const callA = a.callTool({ name: LONG, arguments: { duration: 1.2, steps: 4 } }, undefined, {
      ...REQ,
      signal: abort.signal,
      onprogress: () => firstProgressA(),
    });
    const callB = b.callTool({ name: LONG, arguments: { duration: 1.2, steps: 4 } }, undefined, REQ);
    await startedA;
    abort.abort('user pressed stop');
    expect(String(await rejection(callA))).toContain('user pressed stop');
    expect(texts(await callB)).toEqual([
      'Long running operation completed. Duration: 1.2 seconds, Steps: 4.',
    ]);

    const endA = (await ferry.waitFor(
      (e) => e.seq > after && e.type === 'call.end' && e.sessionId === sessionIdOf(a),
      5_000,
    )) as Stamped<CallEndEvent>;
    const endB = (await ferry.waitFor(
      (e) => e.seq > after && e.type === 'call.end' && e.sessionId === sessionIdOf(b),
      5_000,
    )) as Stamped<CallEndEvent>;
    expect(endA.outcome).toBe('cancelled');
    expect(endB.outcome).toBe('ok');
    expect(endB.durationMs).toBeGreaterThanOrEqual(1_100);
  }, 20_000);

  it('the log level is per session: the same server message reaches the verbose session only', async () => {
    const [verbose, quiet] = await Promise.all([ferry.connect(), ferry.connect()]);
    const logsVerbose: string[] = [];
    const logsQuiet: string[] = [];
    verbose.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logsVerbose.push(String(n.params.data));
    });
    quiet.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logsQuiet.push(String(n.params.data));
    });
    await verbose.setLoggingLevel('debug', REQ);
    await quiet.setLoggingLevel('error', REQ);
    const uri = DOC('how-it-works.md');
    await verbose.subscribeResource({ uri }, REQ);
    try {
      await until(
        'the info log in the verbose session',
        () => logsVerbose.some((l) => l.includes(uri)),
        5_000,
      );
      await sleep(300);
      expect(logsQuiet.filter((l) => l.includes(uri))).toEqual([]);
    } finally {
      await verbose.unsubscribeResource({ uri }, REQ);
    }
  }, 20_000);

  it('notifications/resources/updated reaches only the session subscribed to that URI', async () => {
    const [a, b, c] = await Promise.all([ferry.connect(), ferry.connect('everything'), ferry.connect()]);
    const [updatesA, updatesB, updatesC] = [updatesOf(a), updatesOf(b), updatesOf(c)];
    const [uriA, uriB] = [DOC('architecture.md'), DOC('structure.md')];
    await a.subscribeResource({ uri: uriA }, REQ);
    await b.subscribeResource({ uri: uriB }, REQ);
    await c.callTool({ name: TOGGLE_UPDATES, arguments: {} }, undefined, REQ);
    try {
      await until('both updates', () => updatesA.length > 0 && updatesB.length > 0, 8_000);
      await sleep(300);
      expect(new Set(updatesA)).toEqual(new Set([uriA]));
      expect(new Set(updatesB)).toEqual(new Set([uriB]));
      expect(updatesC).toEqual([]);
    } finally {
      await c.callTool({ name: TOGGLE_UPDATES, arguments: {} }, undefined, REQ);
      await a.unsubscribeResource({ uri: uriA }, REQ);
      await b.unsubscribeResource({ uri: uriB }, REQ);
    }
  }, 20_000);

  it("one session unsubscribing keeps the other session's subscription to the same URI", async () => {
    const [a, b] = await Promise.all([ferry.connect(), ferry.connect()]);
    const [updatesA, updatesB] = [updatesOf(a), updatesOf(b)];
    const uri = DOC('extension.md');
    await a.subscribeResource({ uri }, REQ);
    await b.subscribeResource({ uri }, REQ);
    await a.unsubscribeResource({ uri }, REQ);
    await a.callTool({ name: TOGGLE_UPDATES, arguments: {} }, undefined, REQ);
    try {
      await until('the update in the still subscribed session', () => updatesB.includes(uri), 8_000);
      await sleep(300);
      expect(updatesA).toEqual([]);
    } finally {
      await a.callTool({ name: TOGGLE_UPDATES, arguments: {} }, undefined, REQ);
      await b.unsubscribeResource({ uri }, REQ);
    }
  }, 20_000);

  it('a sampling request goes to the session whose call caused it, never to another', async () => {
    const [a, b] = await Promise.all([
      ferry.connect(undefined, { sampling: {} }),
      ferry.connect(undefined, { sampling: {} }),
    ]);
    const [promptsA, promptsB] = [sampler(a, 'answer of A'), sampler(b, 'answer of B')];

    const resultA = await a.callTool({ name: SAMPLE, arguments: { prompt: 'from A' } }, undefined, REQ);
    expect(texts(resultA).join()).toContain('answer of A');
    const resultB = await b.callTool({ name: SAMPLE, arguments: { prompt: 'from B' } }, undefined, REQ);
    expect(texts(resultB).join()).toContain('answer of B');

    expect(promptsA).toEqual(['Resource trigger-sampling-request context: from A']);
    expect(promptsB).toEqual(['Resource trigger-sampling-request context: from B']);
  }, 20_000);

  it('a sampling request while two sessions have calls in flight is refused rather than sent to either', async () => {
    const [a, b] = await Promise.all([
      ferry.connect(undefined, { sampling: {} }),
      ferry.connect(undefined, { sampling: {} }),
    ]);
    const [promptsA, promptsB] = [sampler(a, 'A'), sampler(b, 'B')];
    let firstProgressA!: () => void;
    const startedA = new Promise<void>((resolve) => (firstProgressA = resolve));
    const longA = a.callTool({ name: LONG, arguments: { duration: 1.6, steps: 4 } }, undefined, {
      ...REQ,
      onprogress: () => firstProgressA(),
    });
    await startedA;
    const resultB = await b.callTool({ name: SAMPLE, arguments: { prompt: 'ambiguous' } }, undefined, REQ);
    expect(resultB.isError).toBe(true);
    expect(texts(resultB).join()).toMatch(/is ambiguous: calls of 2 sessions are in flight/);
    expect(texts(await longA)[0]).toMatch(/^Long running operation completed/);
    expect(promptsA).toEqual([]);
    expect(promptsB).toEqual([]);
  }, 20_000);

  it("closing one session ends it without disturbing another session's call in flight", async () => {
    const [a, b] = await Promise.all([ferry.connect(), ferry.connect()]);
    const idB = sessionIdOf(b);
    const longA = a.callTool({ name: LONG, arguments: { duration: 1, steps: 2 } }, undefined, REQ);
    await sleep(200);
    await endSession(b);
    const closed = await ferry.waitFor((e) => e.type === 'session.closed' && e.sessionId === idB, 5_000);
    expect(closed).toMatchObject({ endpoint: '/mcp', reason: 'client ended the session' });
    expect(texts(await longA)).toEqual(['Long running operation completed. Duration: 1 seconds, Steps: 2.']);
    expect(ferry.core.hub.sessions.has(idB)).toBe(false);
    expect(ferry.core.hub.sessions.has(sessionIdOf(a))).toBe(true);
  }, 20_000);
});

describe('two sessions on a per-session server-everything', () => {
  let ferry: TestFerry;

  beforeAll(async () => {
    ferry = await startFerry(
      { everything: everythingServer() },
      { ferry: { servers: { everything: { sessionMode: 'per-session' } } } },
    );
    await serverState(ferry, 'everything', 'ready', 20_000);
  }, 30_000);

  afterAll(async () => {
    await ferry?.stop();
  }, 20_000);

  it('initialize on /mcp/everything describes the session own child, as it does in shared mode', async () => {
    const client = await ferry.connect('everything');
    // What the same server reports through a shared child (asserted against a direct client in
    // everything-tools.test.ts): its own name and version, its instructions, its capabilities (tasks included).
    expect(client.getServerVersion()).toMatchObject({ name: 'mcp-servers/everything', version: '2.0.0' });
    expect(client.getInstructions() ?? '').not.toBe('');
    expect(client.getServerCapabilities()).toHaveProperty('tasks');
  }, 20_000);

  it('a session hears tools/list_changed once its child is up, then lists the tools the child registered late', async () => {
    const client = new Client(
      { name: 'ferry-test-list-changed', version: '1.0.0' },
      { capabilities: { sampling: {} } },
    );
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    try {
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${ferry.runtime.localUrl}/mcp/everything`)),
        REQ,
      );
      await until('notifications/tools/list_changed', () => changed > 0, 10_000);
      await untilTool(client, 'trigger-sampling-request', 10_000);
    } finally {
      await client.close();
    }
  }, 20_000);

  it('a client’s roots/list_changed reaches its own child, which then asks that client for the roots again', async () => {
    const client = new Client(
      { name: 'ferry-test-roots', version: '1.0.0' },
      { capabilities: { roots: { listChanged: true } } },
    );
    let asked = 0;
    client.setRequestHandler(ListRootsRequestSchema, () => {
      asked++;
      return { roots: [{ uri: 'file:///tmp/ferry-roots', name: 'ferry roots' }] };
    });
    try {
      await client.connect(
        // On `/mcp` (every server): nothing there forwards a client's notifications to a shared child.
        new StreamableHTTPClientTransport(new URL(`${ferry.runtime.localUrl}/mcp`)),
        REQ,
      );
      // server-everything asks for the roots once, shortly after initialization.
      await until('the child to ask for the roots', () => asked === 1, 10_000);
      await client.sendRootsListChanged();
      await until('the child to ask again after roots/list_changed', () => asked === 2, 10_000);
    } finally {
      await client.close();
    }
  }, 20_000);

  it('each session has its own child: concurrent sampling requests each reach their own client', async () => {
    const [a, b] = await Promise.all([
      ferry.connect('everything', { sampling: {} }),
      ferry.connect('everything', { sampling: {} }),
    ]);
    await Promise.all([
      untilTool(a, 'trigger-sampling-request', 20_000),
      untilTool(b, 'trigger-sampling-request', 20_000),
    ]);
    const pid = (client: Client) =>
      ferry.core.hub.sessions.get(sessionIdOf(client))?.own.get('everything')?.pid;
    expect(pid(a)).toBeTypeOf('number');
    expect(pid(b)).toBeTypeOf('number');
    expect(pid(a)).not.toBe(pid(b));
    const [promptsA, promptsB] = [sampler(a, 'answer of A'), sampler(b, 'answer of B')];

    // A call of each session is in flight at once: a shared child would have to refuse this.
    const [resultA, resultB] = await Promise.all([
      a.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'from A' } }, undefined, REQ),
      b.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'from B' } }, undefined, REQ),
    ]);
    expect(texts(resultA).join()).toContain('answer of A');
    expect(texts(resultA).join()).not.toContain('answer of B');
    expect(texts(resultB).join()).toContain('answer of B');
    expect(promptsA).toEqual(['Resource trigger-sampling-request context: from A']);
    expect(promptsB).toEqual(['Resource trigger-sampling-request context: from B']);
  }, 30_000);

  it("closing a session stops its own child and leaves the other session's child serving", async () => {
    const [a, b] = await Promise.all([ferry.connect('everything'), ferry.connect('everything')]);
    await Promise.all([untilTool(a, 'echo', 20_000), untilTool(b, 'echo', 20_000)]);
    const children = () => ferry.core.hub.statuses().find((s) => s.name === 'everything')?.children ?? 0;
    const before = children();
    const ownA = ferry.core.hub.sessions.get(sessionIdOf(a))?.own.get('everything');
    const pidA = ownA?.pid;
    expect(pidA).toBeTypeOf('number');
    await endSession(a);
    await until('one child fewer', () => children() === before - 1, 10_000);
    expect(ownA?.state).toBe('stopped');
    await until('the child process to exit', () => !isAlive(pidA as number), 10_000);
    const result = await b.callTool({ name: 'echo', arguments: { message: 'still here' } }, undefined, REQ);
    expect(texts(result)).toEqual(['Echo: still here']);
  }, 30_000);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
