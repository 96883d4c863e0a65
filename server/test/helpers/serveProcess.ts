import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RuntimeInfo } from '../../src/core.js';
import { node, repoRoot } from './fixtures.js';

export interface ServeProcess {
  child: ChildProcess;
  runtime: RuntimeInfo;
  dataDir: string;
  output: () => string;
  /** `keepDataDir`: leave the data dir for a second run (`startServeProcess(…, { dataDir })`). */
  stop(options?: { keepDataDir?: boolean }): Promise<number | null>;
}

/**
 * Runs the built CLI exactly as a user does (`ferry serve`), waits for runtime.json, and stops it with
 * SIGTERM. Needs `npm run build` first (the `test` script does it).
 */
/**
 * `extraArgs` defaults to `--no-auth` (which also means no tunnel). With OAuth on, pass `--tunnel off` unless
 * the test is about tunnels: otherwise a machine with cloudflared installed would open a real one.
 */
export async function startServeProcess(
  config: unknown,
  extraArgs: string[] = ['--no-auth'],
  reuse: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<ServeProcess> {
  const dataDir = reuse.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'ferry-serve-')));
  const configPath = path.join(dataDir, 'config.json');
  await writeFile(configPath, JSON.stringify(config));
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
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], ...(reuse.env ? { env: { ...process.env, ...reuse.env } } : {}) },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const runtimePath = path.join(dataDir, 'runtime.json');
  const deadline = Date.now() + 20_000;
  let runtime: RuntimeInfo | undefined;
  while (!runtime) {
    if (child.exitCode !== null) throw new Error(`ferry serve exited early (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`ferry serve wrote no runtime.json in 20 s:\n${output}`);
    }
    runtime = await readFile(runtimePath, 'utf8').then(
      (text) => JSON.parse(text) as RuntimeInfo,
      () => undefined,
    );
    if (!runtime) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    runtime,
    dataDir,
    output: () => output,
    async stop({ keepDataDir = false } = {}) {
      const cleanUp = () => (keepDataDir ? undefined : rm(dataDir, { recursive: true, force: true }));
      if (child.exitCode === null) {
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        child.kill('SIGTERM');
        const code = await Promise.race([
          exited,
          new Promise<null>((resolve) => setTimeout(() => resolve(null), 15_000)),
        ]);
        if (child.exitCode === null) child.kill('SIGKILL');
        await cleanUp();
        return code;
      }
      await cleanUp();
      return child.exitCode;
    },
  };
}
