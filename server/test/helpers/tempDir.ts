import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/**
 * A fresh directory under the OS temp dir for every test of the file, handed to `use` before the test, and
 * removed after it whatever the test left there (a test that took its write bit away included).
 */
export function useTempDirEach(prefix: string, use: (dir: string) => void): void {
  let dir: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    use(dir);
  });
  afterEach(async () => {
    if (!dir) return;
    await chmod(dir, 0o700).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
}
