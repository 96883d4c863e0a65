import { chmod, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** What `secureDataDir` reads from the machine; tests pass their own user id to play another owner. */
export interface DataDirEnvironment {
  platform?: NodeJS.Platform;
  /** The current user's id (`process.getuid()` by default). */
  uid?: number;
}

export interface DataDirCheck {
  /** `tightened`: Ferry set it to 0700. `open`: it stays readable by others (Ferry could not change it). */
  outcome: 'ok' | 'tightened' | 'open';
  /** For the log (and, when `open`, the status warnings); absent when `ok`. */
  warning?: string;
}

/**
 * The data directory holds the OAuth state (clients, grants, hashed refresh tokens), the admin token in
 * `runtime.json` and, if chosen, the secrets file. Ferry creates it 0700, but one made beforehand (by the
 * user, a package, an earlier `mkdir -p`) keeps whatever mode it had, often 0755: then other users on the
 * machine can list it and read any file whose own mode lets them. When it belongs to the current user,
 * Ferry sets it to 0700 and says so; otherwise it can only warn. Windows has no mode bits (ACLs instead):
 * nothing is checked there. A directory that does not exist yet is fine: it is created 0700.
 */
export async function secureDataDir(
  dir: string,
  environment: DataDirEnvironment = {},
): Promise<DataDirCheck> {
  const platform = environment.platform ?? process.platform;
  if (platform === 'win32') return { outcome: 'ok' };
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { outcome: 'ok' };
    return {
      outcome: 'open',
      warning: `could not check the permissions of the data directory ${dir}: ${String(error)}`,
    };
  }
  const loose = info.mode & 0o077;
  if (!info.isDirectory() || loose === 0) return { outcome: 'ok' };
  const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
  const uid = environment.uid ?? process.getuid?.();
  // `--data-dir /tmp` or `--data-dir ~` must not lock others out of a shared /tmp (sticky bit) or change
  // the home directory: those are only warned about.
  const shared =
    (info.mode & 0o1000) !== 0 || [os.homedir(), path.parse(dir).root].includes(path.resolve(dir));
  if (shared)
    return {
      outcome: 'open',
      warning: openWarning(dir, mode, 'it is a shared or home directory, not Ferry’s own'),
    };
  if (uid !== undefined && info.uid === uid) {
    try {
      await chmod(dir, 0o700);
      return {
        outcome: 'tightened',
        warning:
          `the data directory ${dir} was open to other users (mode ${mode}); Ferry set it to 0700 (owner only), ` +
          'as it holds the OAuth state and the admin token',
      };
    } catch (error) {
      return { outcome: 'open', warning: openWarning(dir, mode, `chmod failed: ${String(error)}`) };
    }
  }
  return {
    outcome: 'open',
    warning: openWarning(dir, mode, `it belongs to user id ${info.uid}, not to you`),
  };
}

function openWarning(dir: string, mode: string, why: string): string {
  return (
    `the data directory ${dir} is open to other users (mode ${mode}) and Ferry could not change that (${why}). ` +
    `It holds the OAuth state and the admin token. Fix: chmod 700 ${dir} as its owner, or start Ferry with ` +
    'another --data-dir'
  );
}
