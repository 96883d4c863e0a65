import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { initializeBody, PROTOCOL_VERSION } from '../helpers/http.js';
import { OAuthHarness } from '../helpers/oauth.js';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.js';

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

const PUBLIC = 'https://crash.example';

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

describe('crash safety: SIGKILL while writing OAuth state and config', () => {
  let dataDir: string;
  let configPath: string;
  let ferry: ServeProcess | undefined;
  const random = prng(SEED);

  const running = () => ferry as ServeProcess;
  // One harness across restarts: it always reaches the `ferry serve` running now.
  const h = new OAuthHarness(running, PUBLIC);

  /** `ferry serve` on the shared data dir, with the config it keeps editing there. */
  const start = () =>
    startServeProcess(
      undefined,
      // A fixed public URL keeps the tokens' audience the same across restarts on new ports.
      ['--config', configPath, '--public-url', PUBLIC, '--secret-store', 'file'],
      { dataDir },
    );

  /** Registration, the browser leg approved through the admin API (as the tray does), and the code exchange. */
  const connect = async (remember: boolean): Promise<Connection> => {
    const { clientId, accessToken, refreshToken } = await h.connect({
      decision: remember ? 'approve-remember' : 'approve',
      query: { state: 's' },
    });
    return { clientId, accessToken, refreshToken };
  };

  /** Rotates the refresh token; the connection is updated only once the new tokens reached us. */
  const refresh = async (connection: Connection): Promise<number> => {
    const res = await h.refresh(connection.clientId, connection.refreshToken);
    if (res.status === 200) {
      connection.accessToken = res.body.access_token as string;
      connection.refreshToken = res.body.refresh_token as string;
    }
    return res.status;
  };

  const initializeStatus = async (accessToken: string): Promise<number> => {
    const res = await h.mcpPost(
      '/mcp',
      { authorization: `Bearer ${accessToken}`, 'mcp-protocol-version': PROTOCOL_VERSION },
      initializeBody(0, PROTOCOL_VERSION, { name: 'crash', version: '1' }),
    );
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
    await ferry?.kill();
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
        h
          .admin('/api/servers', {
            method: 'POST',
            body: JSON.stringify({ name: `extra${i}`, spec: extraSpec }),
          })
          .then((res) => {
            if (res.ok) present.add(`extra${i}`);
          }),
        ...Array.from({ length: EXTRA_REGISTRATIONS }, () => h.registerClient()),
      ];
      if (i > 0) {
        // Once asked to go, the server's fate is known only from the answer: a removal the kill cut off
        // may or may not have reached the disk, so neither outcome is asserted for it.
        const doomed = `extra${i - 1}`;
        present.delete(doomed);
        ops.push(
          h.admin(`/api/servers/${doomed}`, { method: 'DELETE' }).then((res) => {
            if (res.ok) absent.add(doomed);
          }),
        );
      }
      // Requests cut off by the kill fail (settled at once, so none is an unhandled rejection); only what
      // was answered counts.
      const settled = Promise.allSettled(ops);
      await new Promise((resolve) => setTimeout(resolve, killAfter));
      await victim.kill();
      await settled;

      ferry = await start();
      await assertFilesParse();
      const servers = await configuredServers();
      for (const name of present) expect(servers, `iteration ${i}: ${name} kept`).toContain(name);
      for (const name of absent) expect(servers, `iteration ${i}: ${name} gone`).not.toContain(name);
      const listed = ((await (await h.admin('/api/clients')).json()) as { clientId: string }[]).map(
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
