import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLIENT, type ClientLimits } from '../../src/hub/clientLimits.js';
import type { HubSession } from '../../src/hub/session.js';
import { echoServer, faultServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { openSession } from '../helpers/http.js';
import { type Connection, OAuthHarness } from '../helpers/oauth.js';
import { sleep, until } from '../helpers/until.js';

const PUBLIC = 'https://ferry-limits.example';
const run = promisify(execFile);

/** Small caps, so each one is reached with a handful of real sessions and processes. */
const LIMITS: ClientLimits = {
  sessionsPerClient: 4,
  sessionsTotal: 6,
  legacyStreamsPerClient: 2,
  legacyStreamsTotal: 3,
  childrenPerClient: 2,
  childrenTotal: 3,
  pooledChildIdleMs: 60_000,
};

/** The per-session server's script: counting processes that run it counts per-session children. */
const PER_SESSION_SCRIPT = 'echo-server.ts';

/**
 * One OAuth client flooding Ferry (issue #11, item 4): its sessions, legacy streams and per-session
 * children stay under its own caps, re-created (invented) session ids count like new ones, and another
 * client's sessions survive. Two real clients, real HTTP, real child processes counted with `ps`.
 */
describe('per-client caps on sessions, legacy streams and per-session children', () => {
  let ferry: TestFerry;
  let h: OAuthHarness;
  let a: { shared: Connection; all: Connection };
  let b: { shared: Connection; all: Connection };
  const streams: AbortController[] = [];

  beforeAll(async () => {
    ferry = await startFerry(
      { shared: faultServer(), solo: echoServer() },
      {
        auth: true,
        publicUrl: PUBLIC,
        ferry: { servers: { solo: { sessionMode: 'per-session' } } },
        coreOptions: { clientLimits: LIMITS },
      },
    );
    await serverState(ferry, 'shared', 'ready');
    h = new OAuthHarness(ferry, PUBLIC);
    // Two clients; each also holds a second grant (on /mcp), which counts against the same client caps.
    const connectBoth = async () => {
      const shared = await h.connect({ resource: `${PUBLIC}/mcp/shared` });
      const all = await h.connect({ clientId: shared.clientId, resource: `${PUBLIC}/mcp` });
      return { shared, all };
    };
    a = await connectBoth();
    b = await connectBoth();
  }, 30_000);

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.abort();
    const hub = ferry.core.hub;
    await Promise.all([...hub.sessions.keys()].map((id) => hub.closeSession(id, 'test cleanup')));
  });

  afterAll(() => ferry?.stop());

  const auth = (c: Connection) => ({ authorization: `Bearer ${c.accessToken}` });

  async function initialize(c: Connection, path: string) {
    const res = await h.mcpPost(path, auth(c));
    return {
      status: res.status,
      id: res.headers.get('mcp-session-id'),
      retryAfter: res.headers.get('retry-after'),
      text: await res.text(),
    };
  }

  /** A request on a session id the client made up: Ferry re-creates unknown ids (claude-connector.md row 7). */
  async function onSession(c: Connection, path: string, id: string, body: unknown) {
    const res = await h.mcpPost(path, { ...auth(c), 'mcp-session-id': id }, body);
    return { status: res.status, text: await res.text() };
  }

  const echoCall = (text: string) => ({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'solo__echo', arguments: { text } },
  });

  function sessionsOf(c: Connection, kind = 'streamable'): HubSession[] {
    return [...ferry.core.hub.sessions.values()].filter((s) => s.client === c.clientId && s.kind === kind);
  }

  it('keeps a flooding client at its session cap, invented session ids included, closing only its own sessions', async () => {
    const kept = await Promise.all([
      initialize(b.shared, '/mcp/shared'),
      initialize(b.shared, '/mcp/shared'),
    ]);
    expect(kept.map((r) => r.status)).toEqual([200, 200]);

    const flood = await Promise.all([
      ...Array.from({ length: 8 }, () => initialize(a.shared, '/mcp/shared')),
      ...Array.from({ length: 8 }, (_, i) =>
        onSession(a.shared, '/mcp/shared', `invented-${i}`, { jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      ),
    ]);
    // Each was served, or refused with 429 while all of the client's sessions were handling requests.
    for (const r of flood) expect([200, 429]).toContain(r.status);

    expect(sessionsOf(a.shared).length).toBe(LIMITS.sessionsPerClient);
    // The other client's sessions are untouched and still answer.
    expect(
      sessionsOf(b.shared)
        .map((s) => s.id)
        .sort(),
    ).toEqual(kept.map((r) => r.id).sort());
    for (const { id } of kept) {
      const list = await onSession(b.shared, '/mcp/shared', id as string, {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/list',
      });
      expect(list.status).toBe(200);
      expect(list.text).toContain('"slow"');
    }
  });

  it('refuses one more session with 429 when every session of the client has a call in flight', async () => {
    const opened = await Promise.all(
      Array.from({ length: LIMITS.sessionsPerClient }, () => initialize(a.shared, '/mcp/shared')),
    );
    const calls = opened.map((r) =>
      onSession(a.shared, '/mcp/shared', r.id as string, {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'slow', arguments: { ms: 2500 } },
      }),
    );
    await until(
      'every shared session busy',
      () => sessionsOf(a.shared).filter((s) => s.busy).length === LIMITS.sessionsPerClient,
    );

    const refused = await initialize(a.shared, '/mcp/shared');
    expect(refused.status).toBe(429);
    expect(refused.id).toBeNull();
    expect(refused.retryAfter).toMatch(/^\d+$/);
    const body = JSON.parse(refused.text) as { jsonrpc: string; error: { code: number; message: string } };
    expect(body.jsonrpc).toBe('2.0');
    expect(body.error.message).toMatch(/Too many sessions: .*at most 4 \(sessionsPerClient\)/);
    // An invented id is refused the same way.
    const invented = await onSession(a.shared, '/mcp/shared', 'invented-busy', {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
    });
    expect(invented.status).toBe(429);

    // Another client is not held back by the first one's cap.
    expect((await initialize(b.shared, '/mcp/shared')).status).toBe(200);
    for (const call of await Promise.all(calls)) expect(call.text).toContain('slept 2500ms');
    expect(sessionsOf(a.shared).length).toBe(LIMITS.sessionsPerClient);
  });

  it('never closes a session for a GET stream reopened on an unknown session id', async () => {
    const ids = (
      await Promise.all(
        Array.from({ length: LIMITS.sessionsPerClient }, () => initialize(a.shared, '/mcp/shared')),
      )
    ).map((r) => r.id as string);
    // An SDK client reopens its GET stream when it ends; were that to evict, a client holding more sessions
    // than its cap would close and re-create its own sessions in turn without end.
    const controller = new AbortController();
    streams.push(controller);
    const reopened = await h.client.fetch('/mcp/shared', {
      headers: {
        ...auth(a.shared),
        accept: 'text/event-stream',
        'mcp-session-id': 'stream-of-a-closed-session',
      },
      signal: controller.signal,
    });
    expect(reopened.status).toBe(429);
    expect(((await reopened.json()) as { error: { message: string } }).error.message).toMatch(
      /sessionsPerClient/,
    );
    expect(
      sessionsOf(a.shared)
        .map((s) => s.id)
        .sort(),
    ).toEqual([...ids].sort());
    // A request on that id is activity: it may take the place of the least recently used session.
    const posted = await onSession(a.shared, '/mcp/shared', 'stream-of-a-closed-session', {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
    });
    expect(posted.status).toBe(200);
    expect(sessionsOf(a.shared).map((s) => s.id)).toContain('stream-of-a-closed-session');
    expect(sessionsOf(a.shared).length).toBe(LIMITS.sessionsPerClient);
  });

  it('at the overall session cap closes a session of the client over its fair share, never of the other', async () => {
    const aIds = (
      await Promise.all(
        Array.from({ length: LIMITS.sessionsPerClient }, () => initialize(a.shared, '/mcp/shared')),
      )
    ).map((r) => r.id as string);
    const bIds = (
      await Promise.all([initialize(b.shared, '/mcp/shared'), initialize(b.shared, '/mcp/shared')])
    ).map((r) => r.id as string);
    expect(ferry.core.hub.sessions.size).toBe(LIMITS.sessionsTotal);

    // B is under its fair share (6 / 2 clients = 3): A, over it, gives up its least recently used session.
    const third = await initialize(b.shared, '/mcp/shared');
    expect(third.status).toBe(200);
    expect(sessionsOf(a.shared).length).toBe(3);
    expect(
      sessionsOf(b.shared)
        .map((s) => s.id)
        .sort(),
    ).toEqual([...bIds, third.id].sort());
    const aLeft = sessionsOf(a.shared).map((s) => s.id);
    expect(aIds).toEqual(expect.arrayContaining(aLeft));

    // Now B is at its share: its next session costs B one of its own, and none of A's.
    const fourth = await initialize(b.shared, '/mcp/shared');
    expect(fourth.status).toBe(200);
    expect(
      sessionsOf(a.shared)
        .map((s) => s.id)
        .sort(),
    ).toEqual([...aLeft].sort());
    expect(sessionsOf(b.shared).length).toBe(3);
    expect(ferry.core.hub.sessions.size).toBe(LIMITS.sessionsTotal);
  });

  it('keeps the live per-session children of a flooding client at its cap, and the other client’s child alive', async () => {
    const bSession = await initialize(b.all, '/mcp');
    expect(bSession.status).toBe(200);
    const bEcho = await onSession(b.all, '/mcp', bSession.id as string, echoCall('from B'));
    expect(bEcho.text).toContain('from B');
    const bPid = ferry.core.hub.sessions.get(bSession.id as string)?.own.get('solo')?.pid;
    expect(bPid).toBeTypeOf('number');
    expect(await perSessionChildren()).toEqual([bPid]);

    let flooding = true;
    let most = 0;
    const sampler = (async () => {
      while (flooding) {
        most = Math.max(most, (await perSessionChildren()).length);
        await sleep(50);
      }
    })();
    const flood = await Promise.all([
      ...Array.from({ length: 4 }, () => initialize(a.all, '/mcp')),
      ...Array.from({ length: 4 }, (_, i) =>
        onSession(a.all, '/mcp', `invented-child-${i}`, { jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      ),
    ]).finally(() => (flooding = false));
    await sampler;
    for (const r of flood) expect([200, 429]).toContain(r.status);

    const children = await perSessionChildren();
    expect(most).toBeLessThanOrEqual(LIMITS.childrenTotal);
    expect(children.length).toBeLessThanOrEqual(LIMITS.childrenTotal);
    const aChildren = sessionsOf(a.all).flatMap((s) => [...s.own.values()].map((u) => u.pid));
    expect(aChildren.length).toBeLessThanOrEqual(LIMITS.childrenPerClient);
    expect(children).toContain(bPid);
    const again = await onSession(b.all, '/mcp', bSession.id as string, echoCall('B again'));
    expect(again.text).toContain('B again');
  }, 60_000);

  it('refuses a session whose per-session children would exceed the client’s cap when none can give way', async () => {
    const opened = await Promise.all(
      Array.from({ length: LIMITS.childrenPerClient }, () => initialize(a.all, '/mcp')),
    );
    const calls = opened.map((r) =>
      onSession(a.all, '/mcp', r.id as string, {
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'shared__slow', arguments: { ms: 2000 } },
      }),
    );
    await until(
      'every child busy',
      () => sessionsOf(a.all).filter((s) => s.busy).length === LIMITS.childrenPerClient,
    );
    const refused = await initialize(a.all, '/mcp');
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.text)).toMatchObject({
      error: { message: expect.stringMatching(/at most 2 \(childrenPerClient\)/) },
    });
    expect((await perSessionChildren()).length).toBe(LIMITS.childrenPerClient);
    for (const call of await Promise.all(calls)) expect(call.text).toContain('slept 2000ms');
  });

  it('refuses a legacy SSE stream over the client’s cap before it starts, and keeps the open ones', async () => {
    const first = await openStream(a.shared);
    const second = await openStream(a.shared);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);

    const third = await openStream(a.shared);
    expect(third.status).toBe(429);
    expect(third.headers.get('content-type')).toBe('application/json');
    const body = JSON.parse(await third.text()) as { error: { message: string } };
    expect(body.error.message).toMatch(/2 legacy SSE streams, at most 2 \(legacyStreamsPerClient\)/);
    expect(sessionsOf(a.shared, 'legacy').length).toBe(LIMITS.legacyStreamsPerClient);

    // The other client still gets a stream; at the overall cap nobody's stream is closed for another's.
    const other = await openStream(b.shared);
    expect(other.status).toBe(200);
    const overall = await openStream(b.shared);
    expect(overall.status).toBe(429);
    expect(((await overall.json()) as { error: { message: string } }).error.message).toMatch(
      /legacyStreamsTotal/,
    );
    expect(sessionsOf(a.shared, 'legacy').length).toBe(2);
    expect(sessionsOf(b.shared, 'legacy').length).toBe(1);
  });

  async function openStream(c: Connection): Promise<Response> {
    const controller = new AbortController();
    streams.push(controller);
    return h.client.fetch('/sse/shared', {
      headers: { ...auth(c), accept: 'text/event-stream' },
      signal: controller.signal,
    });
  }
});

describe('without OAuth (loopback only)', () => {
  let ferry: TestFerry;

  beforeAll(async () => {
    ferry = await startFerry(
      { shared: faultServer() },
      { coreOptions: { clientLimits: { ...LIMITS, sessionsPerClient: 2 } } },
    );
    await serverState(ferry, 'shared', 'ready');
  });
  afterAll(() => ferry?.stop());

  it('counts every session against the one local client', async () => {
    const url = `${ferry.runtime.localUrl}/mcp/shared`;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await openSession(url));
    const sessions = [...ferry.core.hub.sessions.values()];
    expect(sessions.map((s) => s.client)).toEqual([LOCAL_CLIENT, LOCAL_CLIENT]);
    // The two most recent stay; the older ones of the same (only) client gave way.
    expect(sessions.map((s) => s.id).sort()).toEqual(ids.slice(2).sort());
  });
});

/** Live processes of the per-session server that are children of this process (Ferry runs in it). */
async function perSessionChildren(): Promise<number[]> {
  const { stdout } = await run('ps', ['-A', '-o', 'pid=,ppid=,stat=,args='], { timeout: 5000 });
  const pids: number[] = [];
  for (const line of stdout.split('\n')) {
    const [pid, ppid, stat, ...args] = line.trim().split(/\s+/);
    if (Number(ppid) !== process.pid || stat?.startsWith('Z')) continue;
    if (args.join(' ').includes(PER_SESSION_SCRIPT)) pids.push(Number(pid));
  }
  return pids;
}
