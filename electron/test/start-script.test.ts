import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/desktop.js';

/** `npm start` (scripts/start.mjs): the tray app where there is a display, headless `ferry serve` elsewhere. */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-start-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function start(args: string[], env: Record<string, string | undefined>) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !['DISPLAY', 'WAYLAND_DISPLAY'].includes(key)),
  );
  const child = spawn(process.execPath, ['scripts/start.mjs', ...args], {
    cwd: repoRoot,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (text: string) => {
    const deadline = Date.now() + 20_000;
    while (!output.includes(text)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no "${text}" in:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, exited, waitFor, output: () => output };
}

describe('npm start', () => {
  it('runs ferry serve where there is no display, and a TERM to it stops Ferry cleanly', async () => {
    const run = start(['--port', '0', '--data-dir', dir, '--tunnel', 'off'], {});
    await run.waitFor('Ferry is running.');
    expect(run.output()).toContain('No display: starting Ferry headless');
    await stat(path.join(dir, 'runtime.json'));
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    await expect(stat(path.join(dir, 'runtime.json'))).rejects.toThrow(/ENOENT/);
  });

  it('starts the desktop app on this project where there is a display', async () => {
    const electron = path.join(dir, 'electron');
    await writeFile(electron, '#!/bin/sh\necho "electron started in $(pwd) with: $*"\n');
    await chmod(electron, 0o755);
    const run = start([], { DISPLAY: ':0', ELECTRON_OVERRIDE_DIST_PATH: dir });
    expect(await run.exited).toBe(0);
    expect(run.output().trim()).toBe(`electron started in ${repoRoot.replace(/\/$/, '')} with: .`);
  });

  it('honours --headless even with a display', async () => {
    const run = start(['--headless', '--port', '0', '--data-dir', dir, '--tunnel', 'off'], { DISPLAY: ':0' });
    await run.waitFor('Ferry is running.');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
