/**
 * The fake `cloudflared` (server/test/fixtures/fake-cloudflared/cloudflared) behaves as its header comment
 * documents: the real CLI and log lines, a state file, an "edge" that really proxies to the origin with the
 * public Host header and unbuffered streaming, /ready on --metrics, and the fault modes the tunnel manager
 * tests rely on. If this suite fails, tunnel-manager failures are not worth reading yet.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeRequest } from '../helpers/hostRequest.js';

const FAKE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/fake-cloudflared/cloudflared',
);
const WAIT_MS = 10_000;
const ZEROLOG = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (INF|WRN|ERR) \S/;
const BOX_URL = /\|\s+(https:\/\/([a-z0-9-]+)\.trycloudflare\.com)\s+\|/;

interface FakeState {
  pid: number;
  mode: 'quick' | 'named';
  status: string;
  publicUrl: string | null;
  publicHostname: string | null;
  edgeUrl: string;
  metrics: string | null;
  readyConnections: number;
  connectorId: string | null;
  tunnelId: string | null;
}

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A started fake: its output so far, a way to wait for a line, and its exit. */
class Fake {
  stderr = '';
  stdout = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    child.stderr?.setEncoding('utf8');
    child.stdout?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr += chunk;
      for (const wake of this.waiters) wake();
    });
    child.stdout?.on('data', (chunk: string) => {
      this.stdout += chunk;
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async waitFor(pattern: RegExp, timeoutMs = WAIT_MS): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stderr);
      if (match) return match;
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(`stderr never matched ${pattern}; tail: ${this.stderr.slice(-800)}`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(remaining, 200));
        this.waiters.add(wake);
      });
    }
  }

  async exit(timeoutMs = WAIT_MS): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return withTimeout(this.exited, timeoutMs, `fake cloudflared (pid ${this.pid}) to exit`);
  }
}

// Every process and server a test starts, so afterEach can stop what is left: processes by pid only.
const started = new Set<Fake>();
const servers = new Set<Server>();
const tempDirs = new Set<string>();

afterEach(async () => {
  for (const fake of started) {
    if (fake.child.exitCode === null && fake.child.signalCode === null) {
      try {
        process.kill(fake.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  started.clear();
  await Promise.all(
    [...servers].map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
  servers.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
});

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-fake-cloudflared-'));
  tempDirs.add(dir);
  return dir;
}

/** Runs the fake through node (as the tunnel manager's tests will) or directly through its shebang. */
function startFake(args: string[], env: Record<string, string> = {}, direct = false): Fake {
  const child = direct
    ? spawn(FAKE, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [FAKE, ...args], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  const fake = new Fake(child);
  started.add(fake);
  return fake;
}

function readState(file: string): FakeState {
  return JSON.parse(readFileSync(file, 'utf8')) as FakeState;
}

async function waitForState(
  file: string,
  accept: (state: FakeState) => boolean,
  timeoutMs = WAIT_MS,
): Promise<FakeState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const state = readState(file);
      if (accept(state)) return state;
    } catch {
      // Not written yet.
    }
    if (Date.now() > deadline) throw new Error(`state file ${file} never reached the expected state`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer; timeoutMs?: number } = {},
): Promise<Reply> {
  const { status, headers, text } = await nodeRequest(url, { timeoutMs: 5_000, ...options });
  return { status, headers, body: text };
}

interface SeenRequest {
  method: string;
  url: string;
  host: string | undefined;
  headers: IncomingMessage['headers'];
  remoteAddress: string | undefined;
}

/** The origin: echoes what it saw, hashes uploads, and streams an SSE response it finishes on cue. */
async function startOrigin(): Promise<{
  url: string;
  seen: SeenRequest[];
  releaseSse: () => void;
  sseSecondSent: () => boolean;
}> {
  const seen: SeenRequest[] = [];
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let secondSent = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      host: req.headers.host,
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
    });
    if (req.url === '/upload') {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
      });
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') }));
      });
      return;
    }
    if (req.url === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('event: message\ndata: first\n\n');
      void withTimeout(released, 5_000, 'the SSE release')
        .catch(() => {})
        .then(() => {
          secondSent = true;
          res.end('event: message\ndata: second\n\n');
        });
      return;
    }
    req.resume();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ host: req.headers.host, url: req.url }));
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    releaseSse: () => release(),
    sseSecondSent: () => secondSent,
  };
}

function token(fields: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(fields)).toString('base64');
}

const FAST = { FAKE_CLOUDFLARED_SPEED: '20' };

describe('fake cloudflared', () => {
  it('answers --version, help and bad flags like the real CLI', async () => {
    const version = startFake(['--version'], {}, true);
    expect(await version.exit()).toEqual({ code: 0, signal: null });
    expect(version.stdout).toMatch(
      /^cloudflared version 2025\.\d+\.\d+ \(built \d{4}-\d\d-\d\d-\d\d:\d\d UTC\)\n$/,
    );

    const help = startFake(['tunnel', '--help']);
    expect((await help.exit()).code).toBe(0);
    expect(help.stdout).toContain('cloudflared tunnel - Use Cloudflare Tunnel');

    // urfave/cli prints usage errors on stdout and cloudflared still exits 0 (cloudflare/cloudflared#1606).
    const bogus = startFake(['tunnel', '--bogus', '--url', 'http://127.0.0.1:1']);
    expect((await bogus.exit()).code).toBe(0);
    expect(bogus.stdout).toMatch(/^Incorrect Usage\. flag provided but not defined: -bogus\n/);

    // --metrics belongs to `tunnel`, not to `run`.
    const misplaced = startFake(['tunnel', 'run', '--metrics', '127.0.0.1:0', '--token', 'x']);
    expect((await misplaced.exit()).code).toBe(0);
    expect(misplaced.stdout).toMatch(/^Incorrect Usage: flag provided but not defined: -metrics\n/);

    const nothing = startFake(['tunnel']);
    expect((await nothing.exit()).code).toBe(1);
    expect(nothing.stderr).toContain(
      'You did not specify any valid additional argument to the cloudflared tunnel command.',
    );
  });

  it('runs a quick tunnel that proxies with the public Host, streams SSE and bodies, and stops on SIGTERM', async () => {
    const origin = await startOrigin();
    const dir = tempDir();
    const stateFile = path.join(dir, 'state.json');
    const fake = startFake(['tunnel', '--no-autoupdate', '--metrics', '127.0.0.1:0', '--url', origin.url], {
      ...FAST,
      FAKE_CLOUDFLARED_STATE: stateFile,
    });

    await fake.waitFor(/Registered tunnel connection connIndex=0 /);
    const [, publicUrl, words] = (await fake.waitFor(BOX_URL)) as unknown as [string, string, string];
    expect(words.split('-')).toHaveLength(4);

    const lines = fake.stderr.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(ZEROLOG);
    const messages = lines.map((line) => line.slice(25));
    const at = (prefix: string): number => messages.findIndex((message) => message.startsWith(prefix));
    expect(at('Requesting new quick Tunnel on trycloudflare.com...')).toBeGreaterThan(0);
    const box = messages.slice(at('+---'), at('+---') + 4);
    expect(box[1]).toBe(
      '|  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |',
    );
    expect(new Set(box.map((row) => row.length)).size).toBe(1);
    expect(box[3]).toBe(box[0]);
    expect(at('Starting metrics server on 127.0.0.1:')).toBeGreaterThan(at('Initial protocol quic'));
    expect(at('Registered tunnel connection')).toBeGreaterThan(at('Starting metrics server'));
    expect(messages[at('Registered tunnel connection')]).toMatch(
      /^Registered tunnel connection connIndex=0 connection=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12} event=0 ip=198\.41\.200\.\d+ location=[a-z]{3}\d\d protocol=quic$/,
    );
    // A quick tunnel has exactly one connection (ha-connections is forced to 1).
    expect(fake.stderr).not.toMatch(/connIndex=1/);

    const state = await waitForState(stateFile, (s) => s.status === 'connected');
    expect(state).toMatchObject({ pid: fake.pid, mode: 'quick', publicUrl, readyConnections: 1 });
    expect(state.edgeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fake.stderr).toContain(`Starting metrics server on ${state.metrics}/metrics`);

    // Plain request: the origin sees the public hostname and Cloudflare's headers, from 127.0.0.1.
    const echo = await send(`${state.edgeUrl}/echo?x=1`, { headers: { 'x-forwarded-for': '10.9.8.7' } });
    expect(echo.status).toBe(200);
    expect(echo.headers['cf-ray']).toMatch(/^[0-9a-f]{16}-[A-Z]{3}$/);
    const seen = origin.seen.at(-1);
    expect(seen).toMatchObject({ method: 'GET', url: '/echo?x=1', host: `${words}.trycloudflare.com` });
    expect(seen?.remoteAddress).toBe('127.0.0.1');
    expect(seen?.headers['x-forwarded-proto']).toBe('https');
    expect(seen?.headers['cf-connecting-ip']).toBe('203.0.113.7');
    expect(seen?.headers['x-forwarded-for']).toBe('10.9.8.7, 203.0.113.7');
    expect(seen?.headers['cf-ray']).toBe(echo.headers['cf-ray']);
    expect(seen?.headers['cf-warp-tag-id']).toBe(state.connectorId);

    // SSE: the first event arrives while the origin still holds the response open.
    const sse = await new Promise<{ firstBeforeSecond: boolean; body: string }>((resolve, reject) => {
      const req = request(`${state.edgeUrl}/sse`, { timeout: 5_000 }, (res) => {
        let body = '';
        let firstBeforeSecond = false;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (!body && chunk.includes('data: first')) {
            firstBeforeSecond = !origin.sseSecondSent();
            origin.releaseSse();
          }
          body += chunk;
        });
        res.on('end', () => resolve({ firstBeforeSecond, body }));
      });
      req.on('timeout', () => req.destroy(new Error('SSE request timed out')));
      req.on('error', reject);
      req.end();
    });
    expect(sse.firstBeforeSecond).toBe(true);
    expect(sse.body).toBe('event: message\ndata: first\n\nevent: message\ndata: second\n\n');

    // A 2 MiB POST body arrives intact.
    const upload = randomBytes(2 * 1024 * 1024);
    const posted = await send(`${state.edgeUrl}/upload`, {
      method: 'POST',
      body: upload,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(JSON.parse(posted.body)).toEqual({
      bytes: upload.length,
      sha256: createHash('sha256').update(upload).digest('hex'),
    });

    const ready = await send(`http://${state.metrics}/ready`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({
      status: 200,
      readyConnections: 1,
      connectorId: state.connectorId,
    });
    const quick = await send(`http://${state.metrics}/quicktunnel`);
    expect(JSON.parse(quick.body)).toEqual({ hostname: `${words}.trycloudflare.com` });

    process.kill(fake.pid, 'SIGTERM');
    expect(await fake.exit()).toEqual({ code: 0, signal: null });
    expect(fake.stderr).toMatch(/INF Initiating graceful shutdown due to signal terminated \.\.\.\n/);
    expect(fake.stderr).toMatch(
      /INF Unregistered tunnel connection connIndex=0 event=0 ip=198\.41\.200\.\d+\n/,
    );
    expect(fake.stderr).toMatch(/INF Tunnel server stopped\n.*INF Metrics server stopped\n$/);
    expect(readState(stateFile)).toMatchObject({ status: 'exited', exitCode: 0, readyConnections: 0 });
  });

  it('drops the edge connection: /ready goes 503, the edge answers 530, then it re-registers', async () => {
    const origin = await startOrigin();
    const stateFile = path.join(tempDir(), 'state.json');
    const fake = startFake(['tunnel', '--no-autoupdate', '--metrics', '127.0.0.1:0', '--url', origin.url], {
      ...FAST,
      FAKE_CLOUDFLARED_STATE: stateFile,
      FAKE_CLOUDFLARED_DROP_AFTER_MS: '400',
      FAKE_CLOUDFLARED_RECOVER_AFTER_MS: '1200',
    });
    await fake.waitFor(/Registered tunnel connection connIndex=0 /);
    const state = readState(stateFile);
    expect((await send(`http://${state.metrics}/ready`)).status).toBe(200);

    await fake.waitFor(/INF Retrying connection in up to \d+s connIndex=0 event=0 ip=/);
    expect(fake.stderr).toMatch(
      /ERR Serve tunnel error error="accept stream listener encountered a failure while serving" connIndex=0 event=0 ip=/,
    );
    const down = await send(`http://${state.metrics}/ready`);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({ status: 503, readyConnections: 0 });
    expect((await send(`${state.edgeUrl}/echo`)).status).toBe(530);
    expect(readState(stateFile)).toMatchObject({ status: 'reconnecting', readyConnections: 0 });

    await fake.waitFor(
      /Registered tunnel connection connIndex=0 [^\n]*\n[^]*Registered tunnel connection connIndex=0 /,
    );
    expect((await send(`http://${state.metrics}/ready`)).status).toBe(200);
    expect((await send(`${state.edgeUrl}/echo`)).status).toBe(200);
  });

  it('fails the first quick-tunnel request like the real one, then succeeds with new words on restart', async () => {
    const origin = await startOrigin();
    const stateFile = path.join(tempDir(), 'state.json');
    const env = { ...FAST, FAKE_CLOUDFLARED_STATE: stateFile, FAKE_CLOUDFLARED_FAIL_FIRST: '1' };
    const args = ['tunnel', '--no-autoupdate', '--metrics', '127.0.0.1:0', '--url', origin.url];

    const first = startFake(args, env);
    expect(await first.exit()).toEqual({ code: 1, signal: null });
    expect(first.stderr).toMatch(
      /\nfailed to request quick Tunnel: Post "https:\/\/api\.trycloudflare\.com\/tunnel": .+\n$/,
    );
    expect(first.stderr).not.toContain('Your quick Tunnel has been created');
    expect(readState(stateFile)).toMatchObject({ status: 'failed', exitCode: 1, publicUrl: null });

    const second = startFake(args, env);
    const [, url2] = (await second.waitFor(BOX_URL)) as unknown as [string, string];
    await second.waitFor(/Registered tunnel connection connIndex=0 /);
    process.kill(second.pid, 'SIGTERM');
    expect((await second.exit()).code).toBe(0);

    const third = startFake(args, env);
    const [, url3] = (await third.waitFor(BOX_URL)) as unknown as [string, string];
    expect(url3).not.toBe(url2);
    process.kill(third.pid, 'SIGTERM');
    expect((await third.exit()).code).toBe(0);

    const fourth = startFake(args, { ...env, FAKE_CLOUDFLARED_NEW_HOSTNAME_EACH_START: '0' });
    const [, url4] = (await fourth.waitFor(BOX_URL)) as unknown as [string, string];
    expect(url4).toBe(url3);
    process.kill(fourth.pid, 'SIGTERM');
    expect((await fourth.exit()).code).toBe(0);
  });

  it('hangs: /ready and the edge stop answering, the process stays up, SIGTERM still ends it', async () => {
    const origin = await startOrigin();
    const stateFile = path.join(tempDir(), 'state.json');
    const fake = startFake(['tunnel', '--no-autoupdate', '--metrics', '127.0.0.1:0', '--url', origin.url], {
      ...FAST,
      FAKE_CLOUDFLARED_STATE: stateFile,
      FAKE_CLOUDFLARED_HANG_AFTER_MS: '300',
    });
    await fake.waitFor(/Registered tunnel connection connIndex=0 /);
    const state = await waitForState(stateFile, (s) => s.status === 'hung');
    await expect(send(`http://${state.metrics}/ready`, { timeoutMs: 500 })).rejects.toThrow(/timed out/);
    await expect(send(`${state.edgeUrl}/echo`, { timeoutMs: 500 })).rejects.toThrow(/timed out/);
    expect(fake.child.exitCode).toBeNull();

    process.kill(fake.pid, 'SIGTERM');
    expect(await fake.exit()).toEqual({ code: 0, signal: null });
  });

  it('dies from SIGTERM like Go while the quick tunnel is still being requested', async () => {
    const fake = startFake(['tunnel', '--url', 'http://127.0.0.1:1'], { FAKE_CLOUDFLARED_SPEED: '1' });
    await fake.waitFor(/Requesting new quick Tunnel on trycloudflare\.com\.\.\./);
    process.kill(fake.pid, 'SIGTERM');
    expect(await fake.exit()).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('runs a named tunnel from a token: validation, four connections, dashboard hostname', async () => {
    const bad = startFake(['tunnel', '--no-autoupdate', 'run', '--token', 'not-a-token']);
    expect(await bad.exit()).toEqual({ code: 255, signal: null });
    expect(bad.stderr).toBe("Provided Tunnel token is not valid.\nSee 'cloudflared tunnel run --help'.\n");

    const badUuid = startFake(['tunnel', 'run'], {
      TUNNEL_TOKEN: token({ a: 'acct', t: 'nope', s: 'c2VjcmV0' }),
    });
    expect((await badUuid.exit()).code).toBe(255);

    const origin = await startOrigin();
    const stateFile = path.join(tempDir(), 'state.json');
    const tunnelId = '5f3c2a1e-9b8d-4c7e-a6f5-0d1e2f3a4b5c';
    const fake = startFake(['tunnel', '--no-autoupdate', '--metrics', '127.0.0.1:0', 'run'], {
      ...FAST,
      TUNNEL_TOKEN: token({
        a: '0123456789abcdef0123456789abcdef',
        t: tunnelId,
        s: randomBytes(32).toString('base64'),
      }),
      FAKE_CLOUDFLARED_STATE: stateFile,
      FAKE_CLOUDFLARED_HOSTNAME: 'ferry.example.com',
      FAKE_CLOUDFLARED_SERVICE: origin.url,
    });
    await fake.waitFor(/Registered tunnel connection connIndex=3 /);
    expect(fake.stderr).toMatch(new RegExp(`INF Starting tunnel tunnelID=${tunnelId}\n`));
    expect(fake.stderr).not.toContain('Cannot determine default configuration path');
    expect(fake.stderr).toMatch(
      /INF Updated to new configuration config="\{\\"ingress\\":\[\{\\"hostname\\":\\"ferry\.example\.com\\"/,
    );
    for (const index of [0, 1, 2, 3])
      expect(fake.stderr).toContain(`Registered tunnel connection connIndex=${index} `);

    const state = readState(stateFile);
    expect(state).toMatchObject({
      mode: 'named',
      tunnelId,
      publicUrl: 'https://ferry.example.com',
      readyConnections: 4,
    });
    expect(JSON.parse((await send(`http://${state.metrics}/ready`)).body)).toMatchObject({
      readyConnections: 4,
    });
    expect((await send(`${state.edgeUrl}/named`)).status).toBe(200);
    expect(origin.seen.at(-1)).toMatchObject({ url: '/named', host: 'ferry.example.com' });

    process.kill(fake.pid, 'SIGINT');
    expect(await fake.exit()).toEqual({ code: 0, signal: null });
    expect(fake.stderr).toContain('Initiating graceful shutdown due to signal interrupt ...');
    expect(fake.stderr.match(/Unregistered tunnel connection connIndex=\d/g)).toHaveLength(4);
  });
});
