import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
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

export interface FakeCloudflaredEnv {
  /** A temp dir of the test's own (the fake's state file is in it). */
  stateDir: string;
  /** The fake cloudflared's state file (its pid, URLs): `readFakeState(statePath)`. */
  statePath: string;
  /** Puts the environment back as it was (every FAKE_CLOUDFLARED_* a test set goes) and removes the dir. */
  restore(): Promise<void>;
}

/**
 * The fake cloudflared finds its state file and speed through the environment: this sets both for one
 * test (or file) and `restore` takes them back.
 */
export async function fakeCloudflaredEnv(prefix: string): Promise<FakeCloudflaredEnv> {
  const saved = { ...process.env };
  const stateDir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const statePath = path.join(stateDir, 'state.json');
  process.env.FAKE_CLOUDFLARED_STATE = statePath;
  process.env.FAKE_CLOUDFLARED_SPEED = FAKE_SPEED;
  return {
    stateDir,
    statePath,
    async restore() {
      for (const key of Object.keys(process.env))
        if (key.startsWith('FAKE_CLOUDFLARED')) delete process.env[key];
      Object.assign(process.env, saved);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * `fakeCloudflaredEnv` around every test of the file (hooks), so each test has its own state file; a test
 * hook that stops Ferry, registered after this, runs before the environment goes.
 */
export function useFakeCloudflaredEnv(prefix: string): {
  readonly stateDir: string;
  readonly statePath: string;
} {
  let env: FakeCloudflaredEnv | undefined;
  const current = () => {
    if (!env) throw new Error('the fake cloudflared environment exists only inside a test');
    return env;
  };
  beforeEach(async () => {
    env = await fakeCloudflaredEnv(prefix);
  });
  afterEach(async () => {
    await env?.restore();
    env = undefined;
  });
  return {
    get stateDir() {
      return current().stateDir;
    },
    get statePath() {
      return current().statePath;
    },
  };
}

export interface QuickTunnelServe {
  ferry: ServeProcess;
  /** The fake cloudflared's state file (its pid, URLs): `readFakeState(statePath)`. */
  statePath: string;
  /** Stops `ferry serve` (its exit code) and removes the fake's state and environment. */
  stop(): Promise<number | null>;
}

/**
 * `ferry serve --tunnel quick` with the fake cloudflared (no network) in front of an echo server; the fake
 * runs in `fakeCloudflaredEnv`, which `stop` restores.
 */
export async function startQuickTunnelServe(prefix: string): Promise<QuickTunnelServe> {
  const env = await fakeCloudflaredEnv(prefix);
  const ferry = await startServeProcess(
    { mcpServers: { echo: echoServer() }, ferry: { tunnel: { binary: FAKE_CLOUDFLARED } } },
    ['--tunnel', 'quick'],
  );
  return {
    ferry,
    statePath: env.statePath,
    async stop() {
      const code = await ferry.stop();
      await env.restore();
      return code;
    },
  };
}
