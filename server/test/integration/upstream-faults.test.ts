import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/upstream/processTree.js';
import { echoServer, faultServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { until } from '../helpers/until.js';

let ferry: TestFerry | undefined;
afterEach(async () => {
  await ferry?.stop();
  ferry = undefined;
});

const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]?.text ?? '';
const pidOf = (f: TestFerry, name: string) => f.core.admin.server(name).pid as number;

describe('upstream supervisor under faults', () => {
  it('fails an in-flight call within 1 s when its child is SIGKILLed, restarts it, and serves again', async () => {
    ferry = await startFerry({ fault: faultServer(), echo: echoServer() });
    await Promise.all([serverState(ferry, 'fault', 'ready'), serverState(ferry, 'echo', 'ready')]);
    const client = await ferry.connect();
    const firstPid = pidOf(ferry, 'fault');
    const pending = client.callTool({ name: 'fault__slow', arguments: { ms: 20_000 } });
    const settled = pending.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const seq = ferry.bus.lastSeq;
    process.kill(firstPid, 'SIGKILL');
    const killedAt = performance.now();
    const outcome = await settled;
    expect(performance.now() - killedAt).toBeLessThan(1000);
    expect(outcome).toMatch(/server "fault" exited while handling tools\/call/);
    // The other server never noticed.
    expect(text(await client.callTool({ name: 'echo__echo', arguments: { text: 'still here' } }))).toBe(
      'still here',
    );
    await ferry.waitFor(
      (e) => e.seq > seq && e.type === 'server.status' && e.server === 'fault' && e.state === 'ready',
    );
    expect(pidOf(ferry, 'fault')).not.toBe(firstPid);
    const again = await client.callTool({ name: 'fault__slow', arguments: { ms: 1 } });
    expect(again.isError).toBeFalsy();
    const failed = ferry.bus.calls.toArray().find((c) => c.target === 'slow' && c.outcome === 'error');
    expect(failed?.error).toMatch(/exited/);
  });

  it('reports a crash mid-call with the child’s last stderr line', async () => {
    ferry = await startFerry({ fault: faultServer('--crash-on-call') });
    await serverState(ferry, 'fault', 'ready');
    const client = await ferry.connect('fault');
    await expect(client.callTool({ name: 'crash', arguments: {} })).rejects.toThrow(
      /exited while handling tools\/call/,
    );
    await ferry.waitFor(
      (e) =>
        e.type === 'server.status' && e.state === 'restarting' && /exited with code 1/.test(e.reason ?? ''),
    );
  });

  it('marks a crash-looping server crashed with the reason and its last stderr lines, and stops restarting it', async () => {
    ferry = await startFerry(
      { loop: faultServer('--exit-during-init') },
      { restart: { maxExits: 3, windowSeconds: 60 } },
    );
    const crashed = await serverState(ferry, 'loop', 'crashed', 20_000);
    expect(crashed.type === 'server.status' && crashed.reason).toMatch(
      /exited with code 3 before finishing initialize/,
    );
    expect(crashed.type === 'server.status' && crashed.reason).toMatch(/3 times in 60s/);
    const starts = ferry.bus.recent
      .toArray()
      .filter((e) => e.type === 'server.status' && e.server === 'loop' && e.state === 'restarting');
    expect(starts.length).toBe(2);
    const status = ferry.core.admin.server('loop');
    expect(status.state).toBe('crashed');
    expect(status.stderrTail.join('\n')).toMatch(/initialize/i);
    // Restarting by hand gives it a fresh chance (and the same outcome here).
    const seq = ferry.bus.lastSeq;
    await ferry.core.admin.restartServer('loop');
    await ferry.waitFor(
      (e) => e.seq > seq && e.type === 'server.status' && e.server === 'loop' && e.state === 'crashed',
      20_000,
    );
  });

  it('names a missing program plainly and does not retry it', async () => {
    ferry = await startFerry({ ghost: { command: 'ferry-no-such-program-xyz' } });
    const crashed = await serverState(ferry, 'ghost', 'crashed');
    expect(crashed.type === 'server.status' && crashed.reason).toMatch(
      /cannot run "ferry-no-such-program-xyz": no such program/,
    );
  });

  it('survives junk on the child’s stdout and warns about it', async () => {
    ferry = await startFerry({ noisy: faultServer('--non-json-stdout') });
    await serverState(ferry, 'noisy', 'ready');
    const client = await ferry.connect('noisy');
    for (let i = 0; i < 5; i++) {
      const result = await client.callTool({ name: 'slow', arguments: { ms: 1 } });
      expect(result.isError).toBeFalsy();
    }
    await ferry.waitFor(
      (e) => e.type === 'log' && e.level === 'warn' && /stdout must carry only JSON-RPC/.test(e.message),
    );
    expect(ferry.core.admin.server('noisy').state).toBe('ready');
  });

  it('keeps serving while a child floods stderr, with the flood rate-limited in the log', async () => {
    ferry = await startFerry({ flood: faultServer('--flood-stderr', '8') });
    await serverState(ferry, 'flood', 'ready');
    const client = await ferry.connect('flood');
    const result = await client.callTool({ name: 'slow', arguments: { ms: 1 } });
    expect(result.isError).toBeFalsy();
    await ferry.waitFor((e) => e.type === 'log' && /more stderr lines not logged/.test(e.message), 20_000);
    expect(ferry.bus.logs.size).toBeLessThanOrEqual(2000);
  });

  it('ends a child that sends a 50 MB line with a clear error, restarts it, and leaves other servers alone', async () => {
    ferry = await startFerry({ huge: faultServer('--huge-line', '50'), echo: echoServer() });
    await Promise.all([serverState(ferry, 'huge', 'ready'), serverState(ferry, 'echo', 'ready')]);
    const client = await ferry.connect();
    const seq = ferry.bus.lastSeq;
    await expect(client.callTool({ name: 'huge__huge', arguments: {} })).rejects.toThrow(
      /over the 32 MiB limit/,
    );
    expect(text(await client.callTool({ name: 'echo__echo', arguments: { text: 'ok' } }))).toBe('ok');
    await ferry.waitFor(
      (e) => e.seq > seq && e.type === 'server.status' && e.server === 'huge' && e.state === 'ready',
      20_000,
    );
  });

  it('kills a child that ignores SIGTERM, and its grandchildren, when stopping', async () => {
    ferry = await startFerry(
      { stubborn: faultServer('--ignore-sigterm', '--spawn-grandchild') },
      { restart: { killGraceMs: 300 } },
    );
    await serverState(ferry, 'stubborn', 'ready');
    const client = await ferry.connect('stubborn');
    const grandchild = (
      JSON.parse(text(await client.callTool({ name: 'grandchild_pid', arguments: {} }))) as { pid: number }
    ).pid;
    expect(grandchild).toBeGreaterThan(1);
    const child = pidOf(ferry, 'stubborn');
    expect(isAlive(grandchild)).toBe(true);
    const started = performance.now();
    await ferry.core.admin.removeServer('stubborn');
    expect(performance.now() - started).toBeLessThan(5000);
    await until('the child and grandchild gone', () => !isAlive(child) && !isAlive(grandchild), 3000);
    expect(isAlive(child)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
  });

  it('leaves no process behind when Ferry stops', async () => {
    ferry = await startFerry({ a: faultServer('--spawn-grandchild'), b: echoServer() });
    await Promise.all([serverState(ferry, 'a', 'ready'), serverState(ferry, 'b', 'ready')]);
    const client = await ferry.connect('a');
    const grandchild = (
      JSON.parse(text(await client.callTool({ name: 'grandchild_pid', arguments: {} }))) as { pid: number }
    ).pid;
    expect(grandchild).toBeGreaterThan(1);
    const pids = [pidOf(ferry, 'a'), pidOf(ferry, 'b'), grandchild];
    await ferry.stop();
    ferry = undefined;
    await until('every process gone', () => pids.every((pid) => !isAlive(pid)), 3000);
    expect(pids.filter(isAlive)).toEqual([]);
  });
});

describe('servers changed at run time', () => {
  it('adds, disables, enables, edits, restarts and removes servers without restarting Ferry', async () => {
    ferry = await startFerry({ echo: echoServer() });
    await serverState(ferry, 'echo', 'ready');
    const client = await ferry.connect();
    const tools = async () => (await client.listTools()).tools.map((t) => t.name).sort();
    expect(await tools()).toEqual(['echo__blob', 'echo__echo']);

    await ferry.core.admin.addServer({ name: 'second', spec: echoServer() });
    await serverState(ferry, 'second', 'ready');
    expect(await tools()).toEqual(['echo__blob', 'echo__echo', 'second__blob', 'second__echo']);

    await ferry.core.admin.setDisabled('second', true);
    expect(ferry.core.admin.server('second').state).toBe('disabled');
    expect(await tools()).toEqual(['echo__blob', 'echo__echo']);

    let seq = ferry.bus.lastSeq;
    await ferry.core.admin.setDisabled('second', false);
    await ferry.waitFor(
      (e) => e.seq > seq && e.type === 'server.status' && e.server === 'second' && e.state === 'ready',
    );

    const before = pidOf(ferry, 'echo');
    seq = ferry.bus.lastSeq;
    await ferry.core.admin.restartServer('echo');
    await ferry.waitFor(
      (e) => e.seq > seq && e.type === 'server.status' && e.server === 'echo' && e.state === 'ready',
    );
    expect(pidOf(ferry, 'echo')).not.toBe(before);

    seq = ferry.bus.lastSeq;
    await ferry.core.admin.updateServer('second', { env: { MARKER: 'edited' } });
    await ferry.waitFor(
      (e) => e.seq > seq && e.type === 'server.status' && e.server === 'second' && e.state === 'ready',
    );

    await ferry.core.admin.removeServer('second');
    expect(await tools()).toEqual(['echo__blob', 'echo__echo']);
    const config = JSON.parse(
      await (await import('node:fs/promises')).readFile(ferry.configPath, 'utf8'),
    ) as {
      mcpServers: Record<string, unknown>;
    };
    expect(Object.keys(config.mcpServers)).toEqual(['echo']);
  });

  it('rejects an invalid server definition with field-level issues and writes nothing', async () => {
    ferry = await startFerry({ echo: echoServer() });
    const { readFile } = await import('node:fs/promises');
    const before = await readFile(ferry.configPath, 'utf8');
    await expect(
      ferry.core.admin.addServer({ name: 'bad name!', spec: { command: '', args: 'nope' } }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      issues: expect.arrayContaining([
        expect.objectContaining({ path: 'name' }),
        expect.objectContaining({ path: 'command' }),
        expect.objectContaining({ path: 'args' }),
      ]),
    });
    expect(await readFile(ferry.configPath, 'utf8')).toBe(before);
  });

  it('never half-saves an edit: a bad field rejects the options sent with it too, and options merge', async () => {
    ferry = await startFerry(
      { echo: echoServer() },
      { ferry: { servers: { echo: { requestTimeoutSeconds: 42 } } } },
    );
    const { readFile } = await import('node:fs/promises');
    const before = await readFile(ferry.configPath, 'utf8');
    await expect(
      ferry.core.admin.updateServer('echo', { command: '' }, { sessionMode: 'per-session' }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      issues: [expect.objectContaining({ path: 'command' })],
    });
    expect(await readFile(ferry.configPath, 'utf8')).toBe(before);
    await ferry.core.admin.updateServer('echo', { env: { A: '1' } }, { sessionMode: 'per-session' });
    const saved = JSON.parse(await readFile(ferry.configPath, 'utf8')) as {
      mcpServers: { echo: { env: Record<string, string> } };
      ferry: { servers: { echo: Record<string, unknown> } };
    };
    expect(saved.mcpServers.echo.env).toEqual({ A: '1' });
    expect(saved.ferry.servers.echo).toEqual({ requestTimeoutSeconds: 42, sessionMode: 'per-session' });
    expect(ferry.core.admin.server('echo')).toMatchObject({ envNames: ['A'], sessionMode: 'per-session' });
  });
});
