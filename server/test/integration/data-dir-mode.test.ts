import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { startFerry, type TestFerry } from '../helpers/ferry.js';

/**
 * Issue #11 item 8b: a data directory created beforehand with mode 0755 (a `mkdir` by hand, a package)
 * keeps it, and with it other users could list the OAuth state. A real core started on such a directory
 * sets it to 0700 and logs a warning saying so.
 */
describe.skipIf(process.platform === 'win32')('data directory permissions on start', () => {
  let dataDir: string;
  let ferry: TestFerry;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-data-dir-mode-'));
    await chmod(dataDir, 0o755);
    ferry = await startFerry({ echo: echoServer() }, { auth: true, dataDir });
  });
  afterAll(async () => {
    await ferry.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('sets a 0755 data directory to 0700 and logs a warning naming it', async () => {
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    const warning = await ferry.waitFor(
      (e) => e.type === 'log' && e.level === 'warn' && e.message.includes(dataDir),
      2000,
    );
    expect(warning.type === 'log' && warning.message).toContain('mode 0755');
    // Fixed, so it is not left on the status as an open problem.
    expect(ferry.core.admin.status().warnings.join('\n')).not.toContain(dataDir);
  });
});
