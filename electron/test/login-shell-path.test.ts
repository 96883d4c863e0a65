import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loginShellPath, mergePaths } from '../src/main/loginShellPath.js';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'ferry-shell-'));
});
afterEach(() => rm(home, { recursive: true, force: true }));

describe('the login shell’s PATH for apps started from a launcher', () => {
  it('reads what the user’s profile adds, past anything the profile prints', async () => {
    await writeFile(
      path.join(home, '.profile'),
      'echo "welcome banner"\nexport PATH="/opt/homebrew/bin:$HOME/.volta/bin:$PATH"\n',
    );
    const found = await loginShellPath({ SHELL: '/bin/sh', HOME: home, PATH: '/usr/bin:/bin' });
    // /etc/profile may reset the system part first; the profile's additions come on top of it.
    expect(found?.split(':').slice(0, 2)).toEqual(['/opt/homebrew/bin', `${home}/.volta/bin`]);
    expect(found?.split(':')).toContain('/usr/bin');
  });

  it('gives up on a shell that hangs, within the time limit', async () => {
    const slow = path.join(home, 'slow-shell');
    await writeFile(slow, '#!/bin/sh\nsleep 30\n');
    await chmod(slow, 0o755);
    const started = Date.now();
    expect(await loginShellPath({ SHELL: slow, HOME: home, PATH: '/usr/bin:/bin' }, 300)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up on a shell that does not exist or fails', async () => {
    expect(
      await loginShellPath({ SHELL: path.join(home, 'nope'), HOME: home, PATH: '/usr/bin' }),
    ).toBeUndefined();
    await writeFile(path.join(home, '.profile'), 'exit 3\n');
    expect(await loginShellPath({ SHELL: '/bin/sh', HOME: home, PATH: '/usr/bin' })).toBeUndefined();
  });

  it('merges the shell’s entries first, keeps the app’s extras, and drops duplicates and empties', () => {
    expect(mergePaths('/a:/b::/c', '/b:/usr/bin:/a:')).toBe('/a:/b:/c:/usr/bin');
    expect(mergePaths('/a', undefined)).toBe('/a');
  });
});
