import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { echoServer, fixturesDir } from './fixtures.js';
import { startServeProcess, type ServeProcess } from './serveProcess.js';

export const FAKE_CLOUDFLARED = path.join(fixturesDir, 'fake-cloudflared', 'cloudflared');

export interface FakeState {
  pid: number;
  mode: string;
  status: string;
  publicUrl?: string;
  edgeUrl?: string;
  metrics?: string;
}

export async function readFakeState(file: string): Promise<FakeState | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as FakeState;
  } catch {
    return undefined;
  }
}

/** Short timings so fault tests take seconds, not minutes. */
export const FAST_TUNNEL = {
  initialBackoffMs: 200,
  maxBackoffMs: 1000,
  pollMs: 250,
  stuckAfterMs: 1500,
  connectTimeoutMs: 10_000,
  killGraceMs: 1000,
};

/** How much faster than real the fake cloudflared runs in end-to-end tests (its connect delays, mostly). */
const FAKE_SPEED = '20';

export interface QuickTunnelServe {
  ferry: ServeProcess;
  /** The fake cloudflared's state file (its pid, URLs): `readFakeState(statePath)`. */
  statePath: string;
  /** Stops `ferry serve` (its exit code) and removes the fake's state and environment. */
  stop(): Promise<number | null>;
}

/**
 * `ferry serve --tunnel quick` with the fake cloudflared (no network) in front of an echo server; the fake
 * finds its state file and speed through the environment, which `stop` restores.
 */
export async function startQuickTunnelServe(prefix: string): Promise<QuickTunnelServe> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const statePath = path.join(stateDir, 'state.json');
  process.env.FAKE_CLOUDFLARED_STATE = statePath;
  process.env.FAKE_CLOUDFLARED_SPEED = FAKE_SPEED;
  const ferry = await startServeProcess(
    { mcpServers: { echo: echoServer() }, ferry: { tunnel: { binary: FAKE_CLOUDFLARED } } },
    ['--tunnel', 'quick'],
  );
  return {
    ferry,
    statePath,
    async stop() {
      const code = await ferry.stop();
      delete process.env.FAKE_CLOUDFLARED_STATE;
      delete process.env.FAKE_CLOUDFLARED_SPEED;
      await rm(stateDir, { recursive: true, force: true });
      return code;
    },
  };
}
