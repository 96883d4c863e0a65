import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeInfo } from '../../src/core.js';
import type { PendingConsent } from '../../src/events/types.js';
import { echoServer, node, repoRoot } from '../helpers/fixtures.js';
import { CLAUDE_CALLBACK, CLAUDE_REGISTRATION, CookieJar, pkce } from '../helpers/oauth.js';

/**
 * Crash safety (issue #16): the real `ferry serve`, OAuth on, file secret store (so the signing key survives
 * like the keychain does), is SIGKILLed at a seeded random moment while it writes OAuth state, remembered
 * approvals and config, then restarted on the same data dir. After every restart each file parses, every
 * connection whose token response reached the client still works (access token on /mcp, refresh token on
 * /token), and every admin edit that was answered is in the config.
 *
 * Bounds, all here: ITERATIONS kills (each costs one `ferry serve` start, ~1-2 s on a loaded 2-core box);
 * MAX_KILL_DELAY_MS spreads the kill over a burst (a connect flow takes a few hundred ms); the seed makes the
 * delays and choices repeatable (FERRY_CRASH_SEED to try others).
 */
const ITERATIONS = 12;
const MAX_KILL_DELAY_MS = 600;
const SEED = Number(process.env.FERRY_CRASH_SEED ?? 16_016);
/** Registrations per burst besides the connect flow: under the registration burst limit (20) per process. */
const EXTRA_REGISTRATIONS = 2;
const START_TIMEOUT_MS = 20_000;

const PUBLIC = 'https://crash.example';
const MCP = `${PUBLIC}/mcp`;

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed with the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Connection {
  clientId: string;
  accessToken: string;
  refreshToken: string;
}

interface Running {
  child: ChildProcess;
  runtime: RuntimeInfo;
  output: () => string;
}

describe('crash safety: SIGKILL while writing OAuth state and config', () => {
  let dataDir: string;
  let configPath: string;
  let ferry: Running | undefined;
  const random = prng(SEED);

  const running = () => ferry as Running;

  /** `ferry serve` on the shared data dir; waits for a runtime.json written by this very process. */
  const start = async (): Promise<Running> => {
    const child = spawn(
      node,
      [
        path.join(repoRoot, 'server/dist/cli.js'),
        'serve',
        '--config',
        configPath,
        '--data-dir',
        dataDir,
        '--port',
        '0',
        // A fixed public URL keeps the tokens' audience the same across restarts on new ports.
        '--public-url',
        PUBLIC,
        '--secret-store',
        'file',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`ferry serve exited (${child.exitCode}):\n${output}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`ferry serve wrote no runtime.json in time:\n${output}`);
      }
      const runtime = await readFile(path.join(dataDir, 'runtime.json'), 'utf8').then(
        (text) => JSON.parse(text) as RuntimeInfo,
        () => undefined,
      );
      // A SIGKILLed predecessor leaves its runtime.json behind.
      if (runtime !== undefined && runtime.pid === child.pid) return { child, runtime, output: () => output };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const kill = async (target: Running) => {
    if (target.child.exitCode !== null || target.child.signalCode !== null) return;
    const exited = new Promise((resolve) => target.child.once('exit', resolve));
    target.child.kill('SIGKILL');
    await exited;
  };

  const local = (url: string) =>
    url.startsWith(PUBLIC) ? running().runtime.localUrl + url.slice(PUBLIC.length) : url;
  const pub = (route: string, init: RequestInit = {}) =>
    fetch(local(route.startsWith('/') ? `${PUBLIC}${route}` : route), { redirect: 'manual', ...init });
  const admin = (route: string, init: RequestInit = {}) =>
    fetch(`${running().runtime.adminUrl as string}${route}`, {
      ...init,
      headers: {
        authorization: `Bearer ${running().runtime.adminToken as string}`,
        'content-type': 'application/json',
      },
    });
  const form = async (route: string, fields: Record<string, string>) => {
    const res = await pub(route, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const register = async (): Promise<string> => {
    const res = await pub('/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(CLAUDE_REGISTRATION),
    });
    const body = (await res.json()) as Record<string, unknown>;
    if (res.status !== 201) throw new Error(`register answered ${res.status}: ${JSON.stringify(body)}`);
    return body.client_id as string;
  };

  /** Registration, the browser leg approved through the admin API (as the tray does), and the code exchange. */
  const connect = async (remember: boolean): Promise<Connection> => {
    const clientId = await register();
    const { verifier, challenge } = pkce();
    const jar = new CookieJar();
    const get = async (url: string) => {
      const res = await pub(url, { headers: { cookie: jar.header() } });
      jar.store(res);
      return res;
    };
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: CLAUDE_CALLBACK,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 's',
      scope: 'claudeai',
      resource: MCP,
    });
    const authorize = await get(`/authorize?${query.toString()}`);
    if (authorize.status !== 303 && authorize.status !== 302)
      throw new Error(`authorize answered ${authorize.status}`);
    const waitingUrl = new URL(authorize.headers.get('location') as string, PUBLIC);
    const waiting = await get(waitingUrl.href);
    await waiting.text();
    let consent: PendingConsent | undefined;
    for (let i = 0; i < 100 && !consent; i++) {
      const pending = (await (await admin('/api/consents')).json()) as PendingConsent[];
      consent = pending.find((c) => c.clientId === clientId);
      if (!consent) await new Promise((resolve) => setTimeout(resolve, 30));
    }
    if (!consent) throw new Error('no consent request');
    const approved = await admin(`/api/consents/${consent.id}/approve`, {
      method: 'POST',
      body: JSON.stringify({ remember }),
    });
    if (approved.status !== 200) throw new Error(`approve answered ${approved.status}`);
    const uid = waitingUrl.pathname.split('/')[2] as string;
    let next: string | undefined;
    for (let i = 0; i < 100 && !next; i++) {
      next = ((await (await get(`/consent/${uid}/status`)).json()) as { next?: string }).next;
      if (!next) await new Promise((resolve) => setTimeout(resolve, 30));
    }
    if (!next) throw new Error('consent never resolved');
    let res = await get(next);
    for (let hops = 0; hops < 6 && (res.status === 302 || res.status === 303); hops++) {
      const location = new URL(res.headers.get('location') as string, PUBLIC);
      if (location.origin !== PUBLIC) {
        const code = location.searchParams.get('code');
        if (!code) throw new Error(`no code in ${location.href}`);
        const tokens = await form('/token', {
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          redirect_uri: CLAUDE_CALLBACK,
          client_id: clientId,
          resource: MCP,
        });
        if (tokens.status !== 200) throw new Error(`token answered ${tokens.status}`);
        return {
          clientId,
          accessToken: tokens.body.access_token as string,
          refreshToken: tokens.body.refresh_token as string,
        };
      }
      res = await get(location.href);
    }
    throw new Error(`authorization did not return to the client: ${res.status}`);
  };

  /** Rotates the refresh token; the connection is updated only once the new tokens reached us. */
  const refresh = async (connection: Connection): Promise<number> => {
    const res = await form('/token', {
      grant_type: 'refresh_token',
      refresh_token: connection.refreshToken,
      client_id: connection.clientId,
    });
    if (res.status === 200) {
      connection.accessToken = res.body.access_token as string;
      connection.refreshToken = res.body.refresh_token as string;
    }
    return res.status;
  };

  const initializeStatus = async (accessToken: string): Promise<number> => {
    const res = await pub('/mcp', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'crash', version: '1' },
        },
      }),
    });
    await res.text();
    return res.status;
  };

  /** Every state file Ferry keeps must parse; a missing optional one is fine. */
  const assertFilesParse = async () => {
    for (const name of ['oauth-state.json', 'config.json', 'remembered-approvals.json', 'secrets.json']) {
      const text = await readFile(path.join(dataDir, name), 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' && name === 'remembered-approvals.json') return undefined;
        throw error;
      });
      if (text !== undefined) expect(() => JSON.parse(text) as unknown, name).not.toThrow();
    }
  };

  const configuredServers = async (): Promise<string[]> => {
    const config = JSON.parse(await readFile(configPath, 'utf8')) as { mcpServers: Record<string, unknown> };
    return Object.keys(config.mcpServers);
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-crash-'));
    configPath = path.join(dataDir, 'config.json');
    // Never a real tunnel from a test, even on a machine with cloudflared installed.
    await writeFile(
      configPath,
      JSON.stringify({ mcpServers: { echo: echoServer() }, ferry: { tunnel: { mode: 'off' } } }),
    );
    ferry = await start();
  });

  afterAll(async () => {
    if (ferry) await kill(ferry);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every answered connection, token and config edit across SIGKILLs at random moments', async () => {
    const primary = await connect(false);
    expect(await initializeStatus(primary.accessToken)).toBe(200);
    const connections: Connection[] = [primary];
    const present = new Set<string>();
    const absent = new Set<string>();
    const extraSpec = { ...echoServer(), disabled: true };

    for (let i = 0; i < ITERATIONS; i++) {
      const remember = random() < 0.5;
      const killAfter = Math.floor(random() * MAX_KILL_DELAY_MS);
      const victim = running();
      const ops: Promise<unknown>[] = [
        connect(remember).then((c) => connections.push(c)),
        refresh(primary),
        admin('/api/servers', {
          method: 'POST',
          body: JSON.stringify({ name: `extra${i}`, spec: extraSpec }),
        }).then((res) => {
          if (res.ok) present.add(`extra${i}`);
        }),
        ...Array.from({ length: EXTRA_REGISTRATIONS }, () => register()),
      ];
      if (i > 0)
        ops.push(
          admin(`/api/servers/extra${i - 1}`, { method: 'DELETE' }).then((res) => {
            if (!res.ok) return;
            present.delete(`extra${i - 1}`);
            absent.add(`extra${i - 1}`);
          }),
        );
      // Requests cut off by the kill fail (settled at once, so none is an unhandled rejection); only what
      // was answered counts.
      const settled = Promise.allSettled(ops);
      await new Promise((resolve) => setTimeout(resolve, killAfter));
      await kill(victim);
      await settled;

      ferry = await start();
      await assertFilesParse();
      const servers = await configuredServers();
      for (const name of present) expect(servers, `iteration ${i}: ${name} kept`).toContain(name);
      for (const name of absent) expect(servers, `iteration ${i}: ${name} gone`).not.toContain(name);
      const listed = ((await (await admin('/api/clients')).json()) as { clientId: string }[]).map(
        (c) => c.clientId,
      );
      for (const connection of connections) {
        expect(listed, `iteration ${i}: client kept`).toContain(connection.clientId);
        expect(await initializeStatus(connection.accessToken), `iteration ${i}: access token`).toBe(200);
      }
      // The primary's rotation may have been cut mid-flight: its last known refresh token must still work.
      expect(await refresh(primary), `iteration ${i}: refresh token (seed ${SEED})`).toBe(200);
      expect(await initializeStatus(primary.accessToken)).toBe(200);
    }

    // Every connection made along the way still refreshes, and nothing left behind breaks a clean start.
    for (const connection of connections) expect(await refresh(connection)).toBe(200);
    const leftovers = (await readdir(dataDir)).filter((name) => name.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
    expect(connections.length).toBeGreaterThan(1);
  }, 240_000);
});
