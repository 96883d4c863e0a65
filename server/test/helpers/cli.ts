import { spawn } from 'node:child_process';
import path from 'node:path';
import { node, repoRoot } from './fixtures.js';

export const cliPath = path.join(repoRoot, 'server/dist/cli.js');

/** Runs the built `ferry` CLI to completion; resolves with its exit code and everything it printed. */
export function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(node, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}
