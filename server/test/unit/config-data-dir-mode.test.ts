import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { secureDataDir } from '../../src/config/dataDirMode.js';

const posix = process.platform !== 'win32';
let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ferry-data-dir-'));
  dir = path.join(root, 'Ferry');
  await mkdir(dir);
  // mkdir applies the umask: set the mode the way a `mkdir` by hand or a package would leave it.
  await chmod(dir, 0o755);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const modeOf = async (target: string) => (await stat(target)).mode & 0o777;

describe.skipIf(!posix)('secureDataDir', () => {
  it('sets a data dir of ours created 0755 to 0700 and says so', async () => {
    const check = await secureDataDir(dir);
    expect(check.outcome).toBe('tightened');
    expect(check.warning).toContain(dir);
    expect(check.warning).toContain('mode 0755');
    expect(check.warning).toContain('0700');
    expect(await modeOf(dir)).toBe(0o700);
    // Once tightened there is nothing more to say.
    expect(await secureDataDir(dir)).toEqual({ outcome: 'ok' });
  });

  it('leaves a data dir of another user as it is and warns with the fix', async () => {
    const someoneElse = (await stat(dir)).uid + 1;
    const check = await secureDataDir(dir, { uid: someoneElse });
    expect(check.outcome).toBe('open');
    expect(check.warning).toContain(`chmod 700 ${dir}`);
    expect(check.warning).toContain('not to you');
    expect(await modeOf(dir)).toBe(0o755);
  });

  it('never changes a shared directory (sticky bit, like /tmp): warns instead', async () => {
    await chmod(dir, 0o1777);
    const check = await secureDataDir(dir);
    expect(check.outcome).toBe('open');
    expect(check.warning).toContain('shared');
    expect(await modeOf(dir)).toBe(0o777);
    expect((await stat(dir)).mode & 0o1000).toBe(0o1000);
  });

  it('accepts 0700, a missing dir (created 0700 later) and, on Windows, anything', async () => {
    await chmod(dir, 0o700);
    expect(await secureDataDir(dir)).toEqual({ outcome: 'ok' });
    expect(await secureDataDir(path.join(root, 'missing'))).toEqual({ outcome: 'ok' });
    await chmod(dir, 0o777);
    expect(await secureDataDir(dir, { platform: 'win32' })).toEqual({ outcome: 'ok' });
    expect(await modeOf(dir)).toBe(0o777);
  });
});
