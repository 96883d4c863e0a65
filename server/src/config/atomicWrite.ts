import { randomBytes } from 'node:crypto';
import { mkdir, open, realpath, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface AtomicWriteOptions {
  /** Default 0o600: configs and secret files hold tokens. */
  mode?: number;
}

/**
 * Replaces `file` so that readers (and a crash at any moment) see either the old content or the new, never a
 * mix: write a temp file in the same directory, fsync it, rename it over the target, fsync the directory.
 * On failure the target is untouched and the temp file removed; the original fs error is rethrown.
 */
export async function writeFileAtomic(
  file: string,
  data: string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  const target = await resolveTarget(file);
  const dir = path.dirname(target);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(
    dir,
    `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', mode);
    // open()'s mode is filtered through the umask; the file must end up exactly `mode`.
    await handle.chmod(mode);
    await handle.writeFile(data, 'utf8');
    await handle.sync();
    await handle.close();
    handle = undefined;
    await renameWithRetry(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

/** Writing through a symlink (dotfile setups) must replace the file it points to, not the link itself. */
async function resolveTarget(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return path.resolve(file);
  }
}

/** Windows refuses to replace a file another process (antivirus, indexer, editor) holds open for a moment. */
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await rename(from, to);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const transient = code === 'EPERM' || code === 'EACCES' || code === 'EBUSY';
      if (process.platform !== 'win32' || !transient || attempt >= 10) throw error;
      await sleep(20 * (attempt + 1));
    }
  }
}

/** Makes the rename itself durable. Not possible on Windows or some file systems, where it is skipped. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // The data is already renamed into place; durability of the rename is best-effort.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
