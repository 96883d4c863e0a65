import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modernServer } from '../helpers/fixtures.js';
import { startFerry, type TestFerry } from '../helpers/ferry.js';
import { firstText, modernPost } from '../helpers/modern.js';
import { OAuthHarness, type Connection } from '../helpers/oauth.js';

const PUBLIC = 'https://ferry-pooled.example';
/** Short enough for a test to see a child go, long enough that back-to-back calls never see it go. */
const IDLE_MS = 1_500;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * `per-session` servers on the stateless 2026-07-28 wire: one child per OAuth client, kept across its
 * requests, counted against its caps, stopped when idle, on revocation, on server removal and on stop.
 * Real OAuth clients, real HTTP, real child processes (checked by pid).
 */
describe('per-session servers on the stateless wire', () => {
  let ferry: TestFerry;
  let h: OAuthHarness;
  let a: Connection;
  let b: Connection;
  let c: Connection;
  let d: Connection;
  let stopped = false;
  const pids = new Set<number>();

  beforeAll(async () => {
    ferry = await startFerry(
      { solo: modernServer('error'), other: modernServer('error') },
      {
        auth: true,
        publicUrl: PUBLIC,
        ferry: {
          servers: { solo: { sessionMode: 'per-session' }, other: { sessionMode: 'per-session' } },
        },
        coreOptions: { clientLimits: { pooledChildIdleMs: IDLE_MS, childrenPerClient: 1 } },
      },
    );
    h = new OAuthHarness(ferry, PUBLIC);
    a = await h.connect({ resource: `${PUBLIC}/mcp/solo` });
    b = await h.connect({ resource: `${PUBLIC}/mcp/solo` });
    c = await h.connect({ resource: `${PUBLIC}/mcp` });
    d = await h.connect({ resource: `${PUBLIC}/mcp/other` });
  }, 30_000);

  afterAll(async () => {
    if (!stopped) await ferry?.stop();
  });

  const call = async (who: Connection, path = '/mcp/solo', tool = 'whoami') => {
    const reply = await modernPost(
      `${ferry.runtime.localUrl}${path}`,
      'tools/call',
      { name: tool, arguments: {} },
      { headers: { authorization: `Bearer ${who.accessToken}` } },
    );
    return reply;
  };
  const whoami = async (who: Connection) => {
    const reply = await call(who);
    expect(reply.status).toBe(200);
    const me = JSON.parse(firstText(reply.body?.result)) as { pid: number; calls: number };
    pids.add(me.pid);
    return me;
  };

  it('gives one client the same child on every request', async () => {
    const first = await whoami(a);
    const second = await whoami(a);
    expect(second.pid).toBe(first.pid);
    expect(second.calls).toBe(first.calls + 1);
    expect(ferry.core.hub.statuses().find((s) => s.name === 'solo')?.children).toBe(1);
  });

  it('gives another client a child of its own', async () => {
    const mine = await whoami(a);
    const theirs = await whoami(b);
    expect(theirs.pid).not.toBe(mine.pid);
  });

  it('refuses a request that would run more children than the client may (429)', async () => {
    // On /mcp the request needs a child of both per-session servers; the client may run one.
    const reply = await call(c, '/mcp', 'solo__whoami');
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toEqual(expect.any(String));
    expect((reply.body?.error as { message: string }).message).toMatch(/childrenPerClient/);
  });

  it('stops a client’s child once it has been idle, and starts a fresh one on its next request', async () => {
    const before = await whoami(a);
    await expect.poll(() => alive(before.pid), { timeout: 10_000, interval: 100 }).toBe(false);
    // A child counts against the caps until Ferry has seen it exit; then the client has room again.
    await expect
      .poll(() => ferry.core.hub.statuses().find((s) => s.name === 'solo')?.children, { timeout: 10_000 })
      .toBe(0);
    const after = await whoami(a);
    expect(after.pid).not.toBe(before.pid);
    expect(after.calls).toBe(1);
  });

  it('stops a client’s child when the client is revoked', async () => {
    const { pid } = await whoami(b);
    const revoked = await h.admin(`/api/clients/${encodeURIComponent(b.clientId)}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect(alive(pid)).toBe(false);
  });

  it('stops the children of a server that is removed', async () => {
    const { pid } = await whoami(a);
    await ferry.core.hub.removeServer('solo');
    expect(alive(pid)).toBe(false);
  });

  it('leaves no child behind when Ferry stops', async () => {
    const other = await call(d, '/mcp/other');
    expect(other.status).toBe(200);
    pids.add((JSON.parse(firstText(other.body?.result)) as { pid: number }).pid);
    stopped = true;
    await ferry.stop();
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });
});
