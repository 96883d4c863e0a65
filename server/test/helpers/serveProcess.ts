import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RuntimeInfo } from '../../src/core.js';
import { cliPath } from './cli.js';
import { node } from './fixtures.js';

/** How long `ferry serve` may take to write its runtime.json: a cold start on a loaded 2-core box is ~1-2 s. */
export const SERVE_START_TIMEOUT_MS = 20_000;
/** How long a SIGTERMed `ferry serve` may take to shut down before it is SIGKILLed. */
export const SERVE_STOP_TIMEOUT_MS = 15_000;

export interface ServeProcess {
  child: ChildProcess;
  runtime: RuntimeInfo;
  dataDir: string;
  output: () => string;
  /** `keepDataDir`: leave the data dir for a second run (`startServeProcess(…, { dataDir })`). */
  stop(options?: { keepDataDir?: boolean }): Promise<number | null>;
  /** SIGKILL, as a crash or a power cut would; the data dir stays. */
  kill(): Promise<void>;
}

/**
 * The one way the tests start `ferry serve`: the built CLI exactly as a user runs it, waiting for a
 * runtime.json written by this very process (a killed predecessor leaves its own behind), stopped with
 * SIGTERM. Needs `npm run build` first (the `test` script does it).
 *
 * `config` is written to <dataDir>/config.json and passed as `--config`; `undefined` writes none and
 * passes none, so Ferry takes the default path in the data dir: the file a previous run left there, or
 * none at all (the demo server). `extraArgs` defaults to `--no-auth` (which also means no tunnel). With
 * OAuth on, pass `--tunnel off` unless the test is about tunnels: otherwise a machine with cloudflared
 * installed would open a real one.
 */
export async function startServeProcess(
  config: unknown,
  extraArgs: string[] = ['--no-auth'],
  reuse: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<ServeProcess> {
  const dataDir = reuse.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'ferry-serve-')));
  const configArgs: string[] = [];
  if (config !== undefined) {
    const configPath = path.join(dataDir, 'config.json');
    await writeFile(configPath, JSON.stringify(config));
    configArgs.push('--config', configPath);
  }
  const child = spawn(
    node,
    [cliPath, 'serve', ...configArgs, '--data-dir', dataDir, '--port', '0', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'], ...(reuse.env ? { env: { ...process.env, ...reuse.env } } : {}) },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const runtimePath = path.join(dataDir, 'runtime.json');
  const deadline = Date.now() + SERVE_START_TIMEOUT_MS;
  let runtime: RuntimeInfo | undefined;
  while (!runtime) {
    if (child.exitCode !== null) throw new Error(`ferry serve exited early (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`ferry serve wrote no runtime.json in ${SERVE_START_TIMEOUT_MS} ms:\n${output}`);
    }
    runtime = await readFile(runtimePath, 'utf8').then(
      (text) => JSON.parse(text) as RuntimeInfo,
      () => undefined,
    );
    if (runtime?.pid !== child.pid) runtime = undefined;
    if (!runtime) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    runtime,
    dataDir,
    output: () => output,
    async stop({ keepDataDir = false } = {}) {
      const cleanUp = () => (keepDataDir ? undefined : rm(dataDir, { recursive: true, force: true }));
      if (!exited()) {
        const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        child.kill('SIGTERM');
        const code = await Promise.race([
          exit,
          new Promise<null>((resolve) => setTimeout(() => resolve(null), SERVE_STOP_TIMEOUT_MS)),
        ]);
        if (!exited()) child.kill('SIGKILL');
        await cleanUp();
        return code;
      }
      await cleanUp();
      return child.exitCode;
    },
    async kill() {
      if (exited()) return;
      const exit = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exit;
    },
  };
}
