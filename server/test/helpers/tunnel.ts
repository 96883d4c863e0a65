import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fixturesDir } from './fixtures.js';

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
