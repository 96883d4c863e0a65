/**
 * The fixture servers behave as their header comments promise, driven directly by the SDK client.
 * Other suites build on these behaviours, so a fixture regression should fail here first, not as a
 * mysterious supervisor bug.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ClientOptions } from '@modelcontextprotocol/sdk/client/index.js';
import { DEFAULT_INHERITED_ENV_VARS, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const ECHO_SERVER = path.join(FIXTURES, 'echo-server.ts');
const FAULT_SERVER = path.join(FIXTURES, 'fault-server.ts');
const CONFORMANCE_SERVER = path.join(FIXTURES, 'conformance-server.ts');
const MIB = 1024 * 1024;
const WAIT_MS = 10_000;

/** Keeps the tail of a child's stderr (a flood must not fill the heap) and counts every byte. */
class StderrTail {
  text = '';
  bytes = 0;
  private readonly waiters = new Set<() => void>();

  constructor(stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.bytes += Buffer.byteLength(chunk);
      this.text += chunk;
      if (this.text.length > 256 * 1024) this.text = this.text.slice(-128 * 1024);
      for (const wake of this.waiters) wake();
    });
  }

  async waitFor(pattern: RegExp, timeoutMs = WAIT_MS): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.text);
      if (match) return match;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`stderr never matched ${pattern}; tail: ${this.text.slice(-500)}`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, remaining);
        this.waiters.add(wake);
      });
    }
  }
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Alive and not a zombie: an orphan killed in a container may stay a zombie if PID 1 does not reap. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

function parentPid(pid: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

// Every process a test starts, so afterEach can SIGKILL whatever is left, by pid and nothing broader.
const startedPids = new Set<number>();
const openClients = new Set<Client>();

afterEach(async () => {
  for (const pid of startedPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone, which is the usual case.
    }
  }
  startedPids.clear();
  await Promise.all([...openClients].map((client) => client.close().catch(() => {})));
  openClients.clear();
});

interface Session {
  client: Client;
  transport: StdioClientTransport;
  stderr: StderrTail;
  pid: number;
  errors: Error[];
  closed: Promise<void>;
}

interface StartOptions {
  env?: Record<string, string>;
  maxBufferSize?: number;
  clientOptions?: ClientOptions;
  /** Installs handlers that must exist before initialize (server-to-client requests, notifications). */
  prepare?: (client: Client) => void;
}

function open(script: string, args: string[], options: StartOptions = {}): Omit<Session, 'pid'> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [script, ...args],
    stderr: 'pipe',
    env: options.env,
    maxBufferSize: options.maxBufferSize,
  });
  // The PassThrough exists before start, so nothing written during startup is missed.
  const stderr = new StderrTail(transport.stderr as Readable);
  const client = new Client({ name: 'fixtures-test', version: '1.0.0' }, options.clientOptions);
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  const closed = new Promise<void>((resolve) => {
    client.onclose = resolve;
  });
  options.prepare?.(client);
  openClients.add(client);
  return { client, transport, stderr, errors, closed };
}

async function start(script: string, args: string[] = [], options: StartOptions = {}): Promise<Session> {
  const session = open(script, args, options);
  await session.client.connect(session.transport, { timeout: WAIT_MS });
  const pid = session.transport.pid;
  if (pid === null) throw new Error('transport has no pid after connect');
  startedPids.add(pid);
  return { ...session, pid };
}

function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  const [first] = (result as CallToolResult).content;
  if (first?.type !== 'text') throw new Error(`expected text content, got ${JSON.stringify(result)}`);
  return first.text;
}

interface RawRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** Every stdout line, parsed as JSON. */
  stdout: unknown[];
}

/**
 * Speaks JSON-RPC by hand, for what the SDK client hides: exit codes and the exact order of messages.
 * Stdin is closed after the messages, so a well-behaved server finishes its work and exits.
 */
async function runRaw(args: string[], messages: object[]): Promise<RawRun> {
  const child = spawn(process.execPath, [FAULT_SERVER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  if (child.pid !== undefined) startedPids.add(child.pid);
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  // The child may exit before reading everything; EPIPE then is expected, not a test failure.
  child.stdin.on('error', () => {});
  child.stdin.end(messages.map((message) => `${JSON.stringify(message)}\n`).join(''));
  const timer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  );
  clearTimeout(timer);
  const lines = stdout.split('\n').filter((line) => line !== '');
  return { code, signal, stderr, stdout: lines.map((line): unknown => JSON.parse(line)) };
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' };

describe('echo-server', () => {
  it('echoes text and returns blobs of the exact size', async () => {
    const { client } = await start(ECHO_SERVER);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['echo', 'blob']);

    const text = 'héllo 👋\nline two "quoted" \\ back';
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text } }))).toBe(text);
    expect(textOf(await client.callTool({ name: 'blob', arguments: { bytes: 0 } }))).toBe('');
    const blob = textOf(await client.callTool({ name: 'blob', arguments: { bytes: 3 * MIB } }));
    expect(Buffer.byteLength(blob)).toBe(3 * MIB);
  });

  it('rejects bad arguments and unknown tools with InvalidParams', async () => {
    const { client } = await start(ECHO_SERVER);
    await expect(client.callTool({ name: 'echo', arguments: { text: 5 } })).rejects.toThrow(
      /-32602.*string "text"/,
    );
    await expect(client.callTool({ name: 'blob', arguments: { bytes: -1 } })).rejects.toThrow(/-32602/);
    await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toThrow(/Unknown tool: nope/);
  });
});

describe('fault-server, well-behaved parts', () => {
  it('lists the always-present tools only', async () => {
    const { client, stderr, pid } = await start(FAULT_SERVER);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      ['argv', 'elicit', 'env', 'freeze', 'log', 'roots', 'sample', 'slow', 'touch'].sort(),
    );
    await stderr.waitFor(new RegExp(`fault-server: started pid=${pid}`));
  });

  it('reports its exact environment and argv', async () => {
    const { client } = await start(FAULT_SERVER, [], { env: { FAULT_TEST_MARKER: 'visible' } });
    const env = JSON.parse(textOf(await client.callTool({ name: 'env', arguments: {} }))) as Record<
      string,
      string
    >;
    expect(env.FAULT_TEST_MARKER).toBe('visible');
    // The SDK passes only its allow-list plus what the caller gave; the tool must show exactly that.
    const allowed = new Set([...DEFAULT_INHERITED_ENV_VARS, 'FAULT_TEST_MARKER']);
    expect(Object.keys(env).filter((key) => !allowed.has(key))).toEqual([]);

    const argv = JSON.parse(textOf(await client.callTool({ name: 'argv', arguments: {} }))) as string[];
    expect(argv.slice(1)).toEqual([FAULT_SERVER]);
  });

  it('slow reports progress when given a token and answers after the delay', async () => {
    const { client } = await start(FAULT_SERVER);
    const progress: Progress[] = [];
    const started = Date.now();
    const result = await client.callTool({ name: 'slow', arguments: { ms: 200, steps: 4 } }, undefined, {
      onprogress: (update) => progress.push(update),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(textOf(result)).toBe('slept 200ms');
    // The SDK client runs progress handlers a microtask late and drops the handler when the answer is
    // read, so an update sharing a stdout chunk with the answer is lost; the raw test below is exact.
    const seen = progress.map((update) => [update.progress, update.total]);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen).toEqual(
      [
        [1, 4],
        [2, 4],
        [3, 4],
        [4, 4],
      ].slice(0, seen.length),
    );
  });

  it('slow sends one progress notification per step, all before the answer', async () => {
    const { code, stdout } = await runRaw(
      [],
      [
        INITIALIZE,
        INITIALIZED,
        {
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'slow', arguments: { ms: 30, steps: 3 }, _meta: { progressToken: 'tok' } },
        },
      ],
    );
    expect(code).toBe(0);
    expect(stdout.slice(1)).toEqual([
      ...[1, 2, 3].map((progress) => ({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 'tok', progress, total: 3, message: `step ${progress} of 3` },
      })),
      { jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'slept 30ms' }] } },
    ]);
  });

  it('slow stops when cancelled and says so on stderr', async () => {
    const { client, stderr } = await start(FAULT_SERVER);
    const controller = new AbortController();
    const call = client.callTool({ name: 'slow', arguments: { ms: 20_000 } }, undefined, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort('test cancels'), 150);
    await expect(call).rejects.toThrow();
    const [, elapsed] = await stderr.waitFor(/slow-cancelled after (\d+)ms/);
    expect(Number(elapsed)).toBeLessThan(5000);
    await client.ping();
  });

  it('sample, elicit and roots round-trip through the client', async () => {
    const prompts: string[] = [];
    const { client } = await start(FAULT_SERVER, [], {
      clientOptions: { capabilities: { sampling: {}, elicitation: { form: {} }, roots: {} } },
      prepare: (c) => {
        c.setRequestHandler(CreateMessageRequestSchema, (request) => {
          const content = request.params.messages[0]?.content;
          prompts.push(content && !Array.isArray(content) && content.type === 'text' ? content.text : '?');
          return {
            model: 'test-model',
            role: 'assistant',
            content: { type: 'text', text: 'sampled answer' },
          };
        });
        c.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { answer: '42' } }));
        c.setRequestHandler(ListRootsRequestSchema, () => ({
          roots: [{ uri: 'file:///tmp/project', name: 'project' }],
        }));
      },
    });
    expect(textOf(await client.callTool({ name: 'sample', arguments: { prompt: 'say hi' } }))).toBe(
      'sampled answer',
    );
    expect(prompts).toEqual(['say hi']);
    expect(
      JSON.parse(textOf(await client.callTool({ name: 'elicit', arguments: { message: 'why?' } }))),
    ).toEqual({
      action: 'accept',
      content: { answer: '42' },
    });
    expect(JSON.parse(textOf(await client.callTool({ name: 'roots', arguments: {} })))).toEqual([
      { uri: 'file:///tmp/project', name: 'project' },
    ]);
  });

  it('sends server-to-client requests even to a client that never offered them', async () => {
    const { client } = await start(FAULT_SERVER);
    const result = await client.callTool({ name: 'sample', arguments: { prompt: 'x' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/Method not found/);
  });

  it('log emits notifications/message, honouring logging/setLevel', async () => {
    const received: unknown[] = [];
    const { client } = await start(FAULT_SERVER, [], {
      prepare: (c) =>
        c.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
          received.push(notification.params);
        }),
    });
    await client.setLoggingLevel('warning');
    await client.callTool({ name: 'log', arguments: { level: 'info', message: 'quiet' } });
    await client.callTool({ name: 'log', arguments: { level: 'error', message: 'loud' } });
    await waitUntil(() => received.length >= 1, 'the error log arrived');
    await client.ping();
    expect(received).toEqual([{ level: 'error', logger: 'fault-server', data: 'loud' }]);
  });

  it('serves static and templated resources and notifies subscribers on touch', async () => {
    const updates: string[] = [];
    const { client } = await start(FAULT_SERVER, [], {
      prepare: (c) =>
        c.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
          updates.push(notification.params.uri);
        }),
    });
    expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri).sort()).toEqual([
      'fault://item/1',
      'fault://item/2',
      'fault://item/3',
      'fault://static',
    ]);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((template) => template.uriTemplate)).toEqual(['fault://item/{id}']);

    const read = async (uri: string): Promise<unknown> =>
      (await client.readResource({ uri })).contents.map((content) =>
        'text' in content ? content.text : null,
      );
    expect(await read('fault://static')).toEqual(['static v1']);
    expect(await read('fault://item/7')).toEqual(['item 7 v1']);

    await client.subscribeResource({ uri: 'fault://static' });
    const touch = async (uri: string): Promise<unknown> =>
      JSON.parse(textOf(await client.callTool({ name: 'touch', arguments: { uri } })));
    expect(await touch('fault://static')).toEqual({ uri: 'fault://static', version: 2, notified: true });
    await waitUntil(() => updates.length === 1, 'the update notification arrived');
    expect(updates).toEqual(['fault://static']);
    expect(await read('fault://static')).toEqual(['static v2']);

    expect(await touch('fault://item/2')).toEqual({ uri: 'fault://item/2', version: 2, notified: false });
    expect(await read('fault://item/2')).toEqual(['item 2 v2']);
    await client.unsubscribeResource({ uri: 'fault://static' });
    expect(await touch('fault://static')).toMatchObject({ version: 3, notified: false });
    await client.ping();
    expect(updates).toEqual(['fault://static']);
  });

  it('offers the greet prompt with completion, and completes template ids', async () => {
    const { client } = await start(FAULT_SERVER);
    const { prompts } = await client.listPrompts();
    expect(prompts.map((prompt) => prompt.name)).toEqual(['greet']);
    const prompt = await client.getPrompt({ name: 'greet', arguments: { name: 'Grace' } });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Please greet Grace warmly.' });

    const names = await client.complete({
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'name', value: 'a' },
    });
    expect(names.completion.values).toEqual(['Ada', 'Alan']);
    const ids = await client.complete({
      ref: { type: 'ref/resource', uri: 'fault://item/{id}' },
      argument: { name: 'id', value: '4' },
    });
    expect(ids.completion.values).toEqual(['42']);
  });

  it('exits with code 2 on an unknown flag', async () => {
    const { code, stderr } = await runRaw(['--no-such-flag'], []);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown argument "--no-such-flag"/);
  });
});

describe('fault-server flags', () => {
  it('--non-json-stdout: junk between messages is reported, the protocol still works', async () => {
    const { client, errors } = await start(FAULT_SERVER, ['--non-json-stdout']);
    const argv = JSON.parse(textOf(await client.callTool({ name: 'argv', arguments: {} }))) as string[];
    expect(argv.slice(2)).toEqual(['--non-json-stdout']);
    await client.ping();
    // One junk line before each of: banner, initialize result, tools/call result, ping result.
    expect(errors.length).toBeGreaterThanOrEqual(4);
  });

  it('--flood-stderr: writes the megabytes, then carries on serving', async () => {
    const { client, stderr } = await start(FAULT_SERVER, ['--flood-stderr', '8']);
    const [, reported] = await stderr.waitFor(/flood-done bytes=(\d+)/);
    expect(Number(reported)).toBeGreaterThanOrEqual(8 * MIB);
    expect(stderr.bytes).toBeGreaterThanOrEqual(8 * MIB);
    expect(textOf(await client.callTool({ name: 'slow', arguments: { ms: 0 } }))).toBe('slept 0ms');
  });

  // Two 11 MiB lines parsed by two processes: on a loaded 2-core machine this takes more than the default 30 s.
  it(
    '--huge-line: answers with one line of that size, beyond the SDK reader’s default limit',
    { timeout: 90_000 },
    async () => {
      const { client } = await start(FAULT_SERVER, ['--huge-line', '11'], { maxBufferSize: 32 * MIB });
      expect(textOf(await client.callTool({ name: 'huge', arguments: {} }))).toHaveLength(11 * MIB);

      const small = await start(FAULT_SERVER, ['--huge-line', '11']);
      await expect(small.client.callTool({ name: 'huge', arguments: {} })).rejects.toThrow();
      expect(small.errors.map((error) => error.message).join('\n')).toMatch(
        /ReadBuffer exceeded maximum size/,
      );
    },
  );

  it('--ignore-sigterm: survives SIGTERM and keeps serving until SIGKILL', async () => {
    const { client, stderr, pid, closed } = await start(FAULT_SERVER, ['--ignore-sigterm']);
    process.kill(pid, 'SIGTERM');
    await stderr.waitFor(/ignoring SIGTERM/);
    await client.ping();
    expect(isRunning(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    await closed;
  });

  it('--ignore-sigterm: stays alive after stdin closes', async () => {
    const { transport, stderr, pid } = await start(FAULT_SERVER, ['--ignore-sigterm']);
    // The SDK's close() ends stdin and escalates after 2 s; start it but do not wait for it.
    void transport.close();
    await stderr.waitFor(/stdin closed/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(isRunning(pid)).toBe(true);
  });

  it('--exit-during-init: connect fails, with the reason on stderr and exit code 3', async () => {
    const session = open(FAULT_SERVER, ['--exit-during-init']);
    await expect(session.client.connect(session.transport, { timeout: WAIT_MS })).rejects.toThrow();
    await session.stderr.waitFor(/refusing to initialize \(--exit-during-init\)/);

    const raw = await runRaw(['--exit-during-init'], [INITIALIZE]);
    expect(raw.code).toBe(3);
    expect(raw.stderr).toMatch(/refusing to initialize/);
  });

  it('--crash-on-call: crash kills the process mid-call with code 1', async () => {
    const { client, stderr, closed } = await start(FAULT_SERVER, ['--crash-on-call']);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('crash');
    await expect(client.callTool({ name: 'crash', arguments: {} })).rejects.toThrow(/Connection closed/);
    await stderr.waitFor(/crashing mid-call/);
    await closed;

    const raw = await runRaw(
      ['--crash-on-call'],
      [INITIALIZE, INITIALIZED, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'crash' } }],
    );
    expect(raw.code).toBe(1);
    expect(raw.stderr).toMatch(/crashing mid-call/);
  });

  it('--spawn-grandchild: the grandchild outlives a direct kill of its parent', async () => {
    const { client, stderr, pid, closed } = await start(FAULT_SERVER, ['--spawn-grandchild']);
    const [, printed] = await stderr.waitFor(/grandchild-pid=(\d+)/);
    const grandchild = Number(printed);
    startedPids.add(grandchild);
    expect(JSON.parse(textOf(await client.callTool({ name: 'grandchild_pid', arguments: {} })))).toEqual({
      pid: grandchild,
    });
    expect(isRunning(grandchild)).toBe(true);
    if (process.platform === 'linux') expect(parentPid(grandchild)).toBe(pid);

    process.kill(pid, 'SIGTERM');
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isRunning(grandchild)).toBe(true);
    process.kill(grandchild, 'SIGKILL');
    await waitUntil(() => !isRunning(grandchild), 'the grandchild died');
  });
});

/** What the conformance fixture asked the client during one call, and what the client answers. */
class InputRecorder {
  asked: { method: string; key: unknown; callId: unknown }[] = [];
  /** Requests are held until this many arrived, which proves they were in flight together. */
  holdUntil = 0;
  declineElicitation = false;
  refuseSampling = false;
  private readonly release = new Set<() => void>();

  reset(): void {
    this.asked = [];
    this.holdUntil = 0;
    this.declineElicitation = false;
    this.refuseSampling = false;
  }

  async record(method: string, meta: Record<string, unknown> | undefined): Promise<void> {
    this.asked.push({ method, key: meta?.['dev.ferry/inputKey'], callId: meta?.['dev.ferry/callId'] });
    if (this.asked.length >= this.holdUntil) {
      for (const wake of this.release) wake();
      return;
    }
    const arrived = this.asked.length;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.release.delete(wake);
        reject(new Error(`only ${arrived} of ${this.holdUntil} requests were in flight together`));
      }, WAIT_MS);
      const wake = (): void => {
        clearTimeout(timer);
        this.release.delete(wake);
        resolve();
      };
      this.release.add(wake);
    });
  }

  keys(): unknown[] {
    return this.asked.map((a) => `${a.method} ${String(a.key)}`);
  }
}

/** Elicitation answers by requested field, like the conformance suite's own canned answers. */
const ELICITED: Record<string, string | boolean> = {
  name: 'Alice',
  color: 'blue',
  ok: true,
  context: 'test context',
  input: 'typed',
};

async function startConformance(recorder: InputRecorder, notes: string[] = []): Promise<Session> {
  return start(CONFORMANCE_SERVER, [], {
    clientOptions: { capabilities: { sampling: {}, elicitation: { form: {} }, roots: {} } },
    prepare: (c) => {
      c.setRequestHandler(ElicitRequestSchema, async (request) => {
        await recorder.record(request.method, request.params._meta);
        if (recorder.declineElicitation) return { action: 'decline' };
        const fields = 'requestedSchema' in request.params ? request.params.requestedSchema.properties : {};
        return {
          action: 'accept',
          content: Object.fromEntries(Object.keys(fields).map((field) => [field, ELICITED[field] ?? 'x'])),
        };
      });
      c.setRequestHandler(CreateMessageRequestSchema, async (request) => {
        await recorder.record(request.method, request.params._meta);
        if (recorder.refuseSampling) throw new Error('sampling refused by the test');
        return {
          role: 'assistant',
          content: { type: 'text', text: 'Paris' },
          model: 'test-model',
          stopReason: 'endTurn',
        };
      });
      c.setRequestHandler(ListRootsRequestSchema, async (request) => {
        await recorder.record(request.method, request.params?._meta);
        return { roots: [{ uri: 'file:///test/root', name: 'Test Root' }] };
      });
      c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        notes.push(`log ${n.params.level} ${String(n.params.data)}`);
      });
      c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        notes.push('tools/list_changed');
      });
      c.setNotificationHandler(PromptListChangedNotificationSchema, () => {
        notes.push('prompts/list_changed');
      });
    },
  });
}

describe('conformance-server, 2026-07-28 tools', () => {
  const MODERN_TOOLS = [
    'test_missing_capability',
    'test_streaming_elicitation',
    'test_logging_tool',
    'test_trigger_tool_change',
    'test_trigger_prompt_change',
    'test_input_required_result_elicitation',
    'test_input_required_result_sampling',
    'test_input_required_result_list_roots',
    'test_input_required_result_request_state',
    'test_input_required_result_multiple_inputs',
    'test_input_required_result_multi_round',
    'test_input_required_result_tampered_state',
    'test_input_required_result_capabilities',
  ];

  it('declares listChanged and lists every new tool and the prompt, described, with object schemas', async () => {
    const { client } = await startConformance(new InputRecorder());
    expect(client.getServerCapabilities()).toMatchObject({
      tools: { listChanged: true },
      prompts: { listChanged: true },
    });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(MODERN_TOOLS));
    expect(tools.map((tool) => tool.name)).toContain('test_simple_text');
    for (const tool of tools) {
      expect(tool.description, tool.name).toBeTruthy();
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.name, tool.name).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
    }
    const { prompts } = await client.listPrompts();
    expect(
      prompts.find((prompt) => prompt.name === 'test_input_required_result_prompt')?.description,
    ).toBeTruthy();
  });

  it('names every input request with its key and finishes with the answers', async () => {
    const recorder = new InputRecorder();
    const { client } = await startConformance(recorder);
    const cases: [string, string[], string][] = [
      ['test_input_required_result_elicitation', ['elicitation/create user_name'], 'Hello, Alice!'],
      [
        'test_input_required_result_sampling',
        ['sampling/createMessage capital_question'],
        'Sampling result: Paris',
      ],
      ['test_input_required_result_list_roots', ['roots/list client_roots'], 'Found 1 root(s)'],
      [
        'test_input_required_result_request_state',
        ['elicitation/create confirm'],
        'state-ok: confirmed=true',
      ],
      [
        'test_input_required_result_multi_round',
        ['elicitation/create step1', 'elicitation/create step2'],
        'Multi-round complete for Alice who likes blue',
      ],
      ['test_input_required_result_tampered_state', ['elicitation/create confirm'], 'integrity-ok'],
      ['test_missing_capability', ['sampling/createMessage capability_probe'], 'Success: Paris'],
      [
        'test_streaming_elicitation',
        ['elicitation/create streaming_check'],
        'Streaming elicitation answered: accept',
      ],
    ];
    for (const [name, keys, expected] of cases) {
      recorder.reset();
      expect(textOf(await client.callTool({ name, arguments: {} })), name).toBe(expected);
      expect(recorder.keys(), name).toEqual(keys);
      expect(
        recorder.asked.map((a) => a.callId),
        name,
      ).toEqual(keys.map(() => undefined));
    }
  });

  it('sends the three requests of multiple_inputs together, so they make one round', async () => {
    const recorder = new InputRecorder();
    const { client } = await startConformance(recorder);
    recorder.holdUntil = 3;
    const result = await client.callTool({
      name: 'test_input_required_result_multiple_inputs',
      arguments: {},
    });
    expect(textOf(result)).toBe('Name: Alice; Greeting: Paris; Roots: 1');
    expect(recorder.keys().sort()).toEqual([
      'elicitation/create user_name',
      'roots/list client_roots',
      'sampling/createMessage greeting',
    ]);
  });

  it("asks only for what the request's own client capabilities allow, preferring Ferry's forwarded set", async () => {
    const recorder = new InputRecorder();
    const { client } = await startConformance(recorder);
    const call = async (meta?: Record<string, unknown>): Promise<string> =>
      textOf(
        await client.callTool({
          name: 'test_input_required_result_capabilities',
          arguments: {},
          ...(meta ? { _meta: meta } : {}),
        }),
      );

    recorder.reset();
    expect(await call({ 'dev.ferry/clientCapabilities': { sampling: {} } })).toBe(
      'capabilities-ok: sampling=Paris',
    );
    expect(recorder.keys()).toEqual(['sampling/createMessage sample_input']);

    recorder.reset();
    expect(await call({ 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } })).toBe(
      'capabilities-ok: elicitation=typed',
    );
    expect(recorder.keys()).toEqual(['elicitation/create elicit_input']);

    recorder.reset();
    expect(
      await call({
        'dev.ferry/clientCapabilities': {},
        'io.modelcontextprotocol/clientCapabilities': { elicitation: {}, sampling: {} },
      }),
    ).toBe('capabilities-ok: nothing asked (no elicitation or sampling declared)');
    expect(recorder.keys()).toEqual([]);

    // No per-request set: the session's initialize capabilities (both) apply, asked together.
    recorder.reset();
    recorder.holdUntil = 2;
    expect(await call()).toBe('capabilities-ok: elicitation=typed; sampling=Paris');
    expect(recorder.keys().sort()).toEqual([
      'elicitation/create elicit_input',
      'sampling/createMessage sample_input',
    ]);
  });

  it('echoes the call id Ferry puts on a forwarded call into its input requests', async () => {
    const recorder = new InputRecorder();
    const { client } = await startConformance(recorder);
    const result = await client.callTool({
      name: 'test_input_required_result_elicitation',
      arguments: {},
      _meta: { 'dev.ferry/callId': 'call-7' },
    });
    expect(textOf(result)).toBe('Hello, Alice!');
    expect(recorder.asked).toEqual([{ method: 'elicitation/create', key: 'user_name', callId: 'call-7' }]);
  });

  it('reports a declined elicitation as text and a refused request as a tool error', async () => {
    const recorder = new InputRecorder();
    const { client } = await startConformance(recorder);
    recorder.declineElicitation = true;
    expect(
      textOf(await client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} })),
    ).toBe('No name given (decline)');
    recorder.reset();
    recorder.refuseSampling = true;
    const refused = await client.callTool({ name: 'test_input_required_result_sampling', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^Input request failed: .*sampling refused by the test/);
  });

  it('the input-required prompt elicits user_context and uses the answer', async () => {
    const recorder = new InputRecorder();
    const { client } = await startConformance(recorder);
    const prompt = await client.getPrompt({ name: 'test_input_required_result_prompt' });
    expect(prompt.messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'Prompt with context: test context' } },
    ]);
    expect(recorder.keys()).toEqual(['elicitation/create user_context']);
  });

  it('test_logging_tool logs three times; the triggers announce tools and prompts list changes', async () => {
    const notes: string[] = [];
    const { client } = await startConformance(new InputRecorder(), notes);
    expect(textOf(await client.callTool({ name: 'test_logging_tool', arguments: {} }))).toBe(
      'Logging evaluated',
    );
    await waitUntil(() => notes.length >= 3, 'three log notifications arrived');
    expect(notes).toEqual([
      'log info Logging tool started',
      'log info Logging tool working',
      'log info Logging tool done',
    ]);
    notes.length = 0;
    expect(textOf(await client.callTool({ name: 'test_trigger_tool_change', arguments: {} }))).toBe(
      'Mutation triggered',
    );
    expect(textOf(await client.callTool({ name: 'test_trigger_prompt_change', arguments: {} }))).toBe(
      'Mutation triggered',
    );
    await waitUntil(() => notes.length >= 2, 'both list_changed notifications arrived');
    expect(notes).toEqual(['tools/list_changed', 'prompts/list_changed']);
  });
});
