import { spawn } from 'node:child_process';
import path from 'node:path';
import { node, repoRoot } from './fixtures.js';

export const cliPath = path.join(repoRoot, 'server/dist/cli.js');

/**
 * Runs the built `ferry` CLI to completion; resolves with its exit code, everything it printed (`out`, both
 * streams in arrival order) and each stream on its own.
 */
export function runCli(
  args: string[],
): Promise<{ code: number | null; out: string; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(node, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
      stderr += c.toString();
    });
    child.on('exit', (code) => resolve({ code, out, stdout, stderr }));
  });
}
