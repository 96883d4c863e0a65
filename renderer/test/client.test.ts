import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminApiError } from '../src/api/errors.js';
import { createHttpTransport } from '../src/api/http.js';
import { SseParser, type SseMessage } from '../src/api/sse.js';
import type { StreamState } from '../src/api/transport.js';
import type { Stamped } from '../src/api/types.js';
import { fieldOf, parseEnv, toInput } from '../src/features/servers/draft.js';
import { parseSnippet } from '../src/features/servers/snippet.js';
import { serversReady, tunnelKind } from '../src/features/status/words.js';

/** The window's client-side logic that needs no browser: SSE framing, resume, errors, the server form. */

describe('SseParser', () => {
  const parse = (chunks: string[]) => {
    const messages: SseMessage[] = [];
    const parser = new SseParser((m) => messages.push(m));
    for (const chunk of chunks) parser.feed(chunk);
    return messages;
  };

  it('frames events across arbitrary chunk boundaries and any line ending, skipping comments', () => {
    const stream =
      ': keep-alive\n\nid: 1\nevent: log\ndata: {"a":1}\n\nid: 2\r\nevent: call.end\r\ndata: x\r\ndata: y\r\n\r\n';
    const whole = parse([stream]);
    expect(whole).toEqual([
      { id: '1', event: 'log', data: '{"a":1}' },
      { id: '2', event: 'call.end', data: 'x\ny' },
    ]);
    for (let size = 1; size < 8; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.slice(i, i + size));
      expect(parse(chunks)).toEqual(whole);
    }
  });

  it('keeps the last id for events without one and ignores events without data', () => {
    expect(parse(['id: 7\nevent: a\n\nevent: b\ndata: 1\n\n', 'data:no-space\r\r'])).toEqual([
      { id: '7', event: 'b', data: '1' },
      { id: '7', event: 'message', data: 'no-space' },
    ]);
  });
});

describe('the HTTP admin transport', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const event = (seq: number): Stamped => ({
    type: 'log',
    level: 'info',
    source: 'ferry',
    message: `line ${seq}`,
    seq,
    at: 1000 + seq,
  });

  it('sends the bearer token and turns error bodies into AdminApiError with their issues', async () => {
    const seen: (string | undefined)[] = [];
    const base = await serve((req, res) => {
      seen.push(req.headers.authorization);
      if (req.url === '/api/status') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"1"}');
        return;
      }
      res.writeHead(400, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: {
            code: 'invalid_input',
            message: 'the server definition has problems',
            issues: [{ path: 'name', message: 'bad', fix: 'rename' }],
          },
        }),
      );
    });
    const transport = createHttpTransport({ baseUrl: base, token: 'tok' });
    expect(await transport.request('GET', '/status')).toEqual({ version: '1' });
    const error = (await transport.request('POST', '/servers', {}).catch((e: unknown) => e)) as AdminApiError;
    expect(error).toBeInstanceOf(AdminApiError);
    expect(error).toMatchObject({ code: 'invalid_input', status: 400 });
    expect(error.issues).toEqual([{ path: 'name', message: 'bad', fix: 'rename' }]);
    expect(seen).toEqual(['Bearer tok', 'Bearer tok']);
  });

  it('says the API cannot be reached when nothing listens', async () => {
    const base = await serve(() => undefined);
    server?.close();
    server = undefined;
    const transport = createHttpTransport({ baseUrl: base, token: 'tok' });
    const error = (await transport.request('GET', '/status').catch((e: unknown) => e)) as AdminApiError;
    expect(error.code).toBe('network');
    expect(error.message).toContain(`Cannot reach the Ferry admin API at ${base}`);
  });

  it('resumes the event stream after a drop from the last id it saw, so nothing is lost or doubled', async () => {
    const requests: { since: string | null; lastEventId: string | undefined }[] = [];
    const base = await serve((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const lastEventId = req.headers['last-event-id'] as string | undefined;
      requests.push({ since: url.searchParams.get('since'), lastEventId });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const from = Number(lastEventId ?? url.searchParams.get('since') ?? 0);
      for (const seq of [from + 1, from + 2]) {
        res.write(`id: ${seq}\nevent: log\ndata: ${JSON.stringify(event(seq))}\n\n`);
      }
      // Drop the connection mid-stream, as a restart or sleep would.
      setTimeout(() => res.destroy(), 20);
    });
    const transport = createHttpTransport({ baseUrl: base, token: 'tok', retryDelaysMs: [10] });
    const seqs: number[] = [];
    const states: StreamState['state'][] = [];
    const stop = transport.events(
      0,
      (e) => seqs.push(e.seq),
      (s) => states.push(s.state),
    );
    const deadline = Date.now() + 5000;
    while (seqs.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    stop();
    expect(seqs.slice(0, 6)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(requests[0]).toEqual({ since: '0', lastEventId: undefined });
    expect(requests[1]).toEqual({ since: null, lastEventId: '2' });
    expect(requests[2]).toEqual({ since: null, lastEventId: '4' });
    expect(states.slice(0, 4)).toEqual(['connecting', 'open', 'retrying', 'connecting']);
  });

  it('gives up on a refused token instead of retrying', async () => {
    let count = 0;
    const base = await serve((_req, res) => {
      count++;
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'unauthorized', message: 'missing or wrong admin token' } }));
    });
    const transport = createHttpTransport({ baseUrl: base, token: 'old', retryDelaysMs: [5] });
    const states: StreamState[] = [];
    const stop = transport.events(
      undefined,
      () => undefined,
      (s) => states.push(s),
    );
    await new Promise((r) => setTimeout(r, 200));
    stop();
    expect(count).toBe(1);
    expect(states.at(-1)).toMatchObject({ state: 'closed', error: { code: 'unauthorized' } });
  });
});

describe('the server form', () => {
  it('reads every shape of Claude Desktop snippet users paste', () => {
    const full = parseSnippet(
      JSON.stringify({
        mcpServers: {
          files: { command: 'npx', args: ['-y', 'pkg', '/home/me'], env: { A: '1' } },
          remote: { url: 'https://mcp.example.com/sse' },
        },
        ferry: { servers: { files: { sessionMode: 'per-session' } } },
      }),
    );
    expect(
      full.ok &&
        full.servers.map((s) => [s.draft.name, s.draft.args, s.draft.env, s.draft.sessionMode, s.problem]),
    ).toEqual([
      ['files', '-y\npkg\n/home/me', 'A=1', 'per-session', undefined],
      ['remote', '', '', 'shared', expect.stringContaining('remote server')],
    ]);
    const bare = parseSnippet('{"command": "uvx", "args": ["mcp-server-time"]}');
    expect(bare.ok && bare.servers[0]?.draft).toMatchObject({
      name: '',
      command: 'uvx',
      args: 'mcp-server-time',
    });
    // An entry cut out of the middle of a file, trailing comma and all.
    const entry = parseSnippet('"time": { "command": "uvx", "args": ["mcp-server-time",], },');
    expect(entry.ok && entry.servers[0]?.draft).toMatchObject({ name: 'time', command: 'uvx' });
    expect(parseSnippet('not json')).toMatchObject({ ok: false });
    expect(parseSnippet('{"a": 1}')).toMatchObject({ ok: false });
  });

  it('builds one add request and catches malformed env lines before sending', () => {
    const draft = {
      name: ' notes ',
      command: 'node',
      args: 'a b\n\n--flag\n',
      env: 'A=1\n# comment\nB==x',
      cwd: '',
      sessionMode: 'shared' as const,
      envSet: {},
      envRemove: [],
    };
    expect(toInput(draft)).toEqual({
      input: { name: 'notes', spec: { command: 'node', args: ['a b', '--flag'], env: { A: '1', B: '=x' } } },
      issues: [],
    });
    expect(parseEnv('GOOD=1\nbad line\n=x').issues.map((i) => i.message)).toEqual([
      expect.stringContaining('line 2'),
      expect.stringContaining('line 3'),
    ]);
  });

  it('puts each API issue next to its field, for add paths and for whole-file paths of an edit', () => {
    expect(
      ['name', 'command', 'args[1]', 'env.TOKEN', 'cwd', 'options.sessionMode', 'url'].map((p) => fieldOf(p)),
    ).toEqual(['name', 'command', 'args', 'env', 'cwd', 'sessionMode', undefined]);
    expect(fieldOf('mcpServers.files.command', 'files')).toBe('command');
    expect(fieldOf('mcpServers.files.args[0]', 'files')).toBe('args');
    expect(fieldOf('ferry.servers.files.sessionMode', 'files')).toBe('sessionMode');
    expect(fieldOf('ferry.port', 'files')).toBeUndefined();
  });
});

describe('Status card values', () => {
  it('names the tunnel kind only while one runs, so a stopped tunnel reads "off" and not "off (off)"', () => {
    expect(tunnelKind({ mode: 'off', state: 'off' })).toBeUndefined();
    expect(tunnelKind({ mode: 'quick', state: 'off' })).toBeUndefined();
    expect(tunnelKind({ mode: 'quick', state: 'connected' })).toBe('quick');
    expect(tunnelKind({ mode: 'named', state: 'failed' })).toBe('named');
  });

  it('counts ready servers without repeating the row label "Servers"', () => {
    expect(serversReady([])).toBe('none yet');
    expect(serversReady([{ state: 'ready' }])).toBe('1 of 1 ready');
    expect(serversReady([{ state: 'ready' }, { state: 'crashed' }, { state: 'ready' }])).toBe('2 of 3 ready');
  });
});
