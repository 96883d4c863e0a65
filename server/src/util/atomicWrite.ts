import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, realpath, rename, rm, type FileHandle } from 'node:fs/promises';
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
  const temp = path.join(dir, tempName(path.basename(target), process.pid, randomBytes(6).toString('hex')));
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

/** `.<target>.<pid>.<12 hex>.tmp`: the writer's pid lets a later start tell a dead writer's leftover from a live write. */
function tempName(base: string, pid: number, nonce: string): string {
  return `.${base}.${pid}.${nonce}.tmp`;
}

const TEMP_PATTERN = /^\.(.+)\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes the temp files that writers killed mid-write (SIGKILL, power loss) left next to their targets in
 * `dir`; the targets themselves are whole, old or new. Only files of this module's naming whose writer's pid is
 * no longer alive go, so a write in progress in a live process (another Ferry on the same directory) is left
 * alone. `targets` limits the sweep to those file names (a config file that lives in a shared directory).
 * Best effort: Ferry starts whatever this finds; returns the names removed.
 */
export async function removeStaleTempFiles(dir: string, targets?: readonly string[]): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_PATTERN.exec(name);
    if (!match || (targets && !targets.includes(match[1] as string))) continue;
    if (writerAlive(Number(match[2]))) continue;
    const ok = await rm(path.join(dir, name), { force: true }).then(
      () => true,
      () => false,
    );
    if (ok) removed.push(name);
  }
  return removed;
}

/** The same for one file's leftovers only, wherever it lives (through a symlink, beside the real file). */
export async function removeStaleTempFilesOf(file: string): Promise<string[]> {
  const target = await resolveTarget(file);
  return removeStaleTempFiles(path.dirname(target), [path.basename(target)]);
}

function writerAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: a process of another user has that pid; it is alive, and its file is not ours to judge.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
