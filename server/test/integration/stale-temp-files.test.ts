import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleTempFilesOf } from '../../src/util/atomicWrite.js';
import { echoServer, node } from '../helpers/fixtures.js';
import { startFerry, type TestFerry } from '../helpers/ferry.js';

/** The pid of a process that has exited: what a SIGKILLed Ferry's temp file names. */
async function deadPid(): Promise<number> {
  const child = spawn(node, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

/**
 * Found by the crash-safety loop (crash-safety.test.ts): a Ferry killed between creating an atomic write's
 * temp file and renaming it leaves `.oauth-state.json.<pid>.<hex>.tmp` behind (a copy of token hashes and
 * clients), and nothing ever removed it, so every crash added one. A start now removes those of dead writers.
 */
describe('temp files left by a writer killed mid-write', () => {
  const dirs: string[] = [];
  let ferry: TestFerry | undefined;
  afterEach(async () => {
    await ferry?.stop();
    ferry = undefined;
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('are removed when Ferry starts; a live writer’s temp file and unrelated dotfiles stay', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-stale-'));
    dirs.push(dataDir);
    const dead = await deadPid();
    const stale = [
      `.oauth-state.json.${dead}.0123456789ab.tmp`,
      `.config.json.${dead}.abcdef012345.tmp`,
      `.remembered-approvals.json.${dead}.00000000ffff.tmp`,
    ];
    // This test process is alive: its (pretend) write in progress must not be pulled from under it.
    const live = `.oauth-state.json.${process.pid}.aaaaaaaaaaaa.tmp`;
    const unrelated = ['.keep', `.notes.${dead}.tmp`];
    for (const name of [...stale, live, ...unrelated]) await writeFile(path.join(dataDir, name), '{"partial');
    ferry = await startFerry({ echo: echoServer() }, { dataDir });
    const left = await readdir(dataDir);
    for (const name of stale) expect(left).not.toContain(name);
    expect(left).toContain(live);
    for (const name of unrelated) expect(left).toContain(name);
    await ferry.waitFor((e) => e.type === 'log' && e.message.includes('removed 3 temp file(s)'));
  });

  it('for a file in a shared directory, only that file’s leftovers go', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-stale-shared-'));
    dirs.push(dir);
    const dead = await deadPid();
    const mine = `.ferry.json.${dead}.0123456789ab.tmp`;
    const someoneElses = `.other.json.${dead}.0123456789ab.tmp`;
    for (const name of [mine, someoneElses]) await writeFile(path.join(dir, name), '');
    expect(await removeStaleTempFilesOf(path.join(dir, 'ferry.json'))).toEqual([mine]);
    expect(await readdir(dir)).toEqual([someoneElses]);
  });
});
