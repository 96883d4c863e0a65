import { execFile } from 'node:child_process';

/**
 * The SDK's stdio transport spawns children without a process group of their own, so killing the
 * direct child leaves grandchildren (an `npx` wrapper's node, a Python venv launcher's interpreter)
 * running. We snapshot the tree from `ps` before each signal and signal every member.
 */
export async function descendantsOf(rootPid: number): Promise<number[]> {
  if (process.platform === 'win32') return [];
  const table = await new Promise<string>((resolve) => {
    execFile('ps', ['-A', '-o', 'pid=,ppid='], { timeout: 5000 }, (error, stdout) =>
      resolve(error ? '' : stdout),
    );
  });
  const children = new Map<number, number[]>();
  for (const line of table.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (!pid || ppid === undefined || Number.isNaN(ppid)) continue;
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const found: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const next = children.get(queue.shift() as number) ?? [];
    for (const pid of next) {
      if (!found.includes(pid)) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Signals `pid` and all its current descendants; returns every pid it signalled. */
export async function signalTree(pid: number, signal: NodeJS.Signals): Promise<number[]> {
  if (process.platform === 'win32') {
    await new Promise<void>((resolve) => {
      const force = signal === 'SIGKILL' ? ['/F'] : [];
      execFile('taskkill', ['/PID', String(pid), '/T', ...force], () => resolve());
    });
    return [pid];
  }
  const members = [pid, ...(await descendantsOf(pid))];
  for (const member of members) {
    try {
      process.kill(member, signal);
    } catch {
      // Already gone: exactly what we wanted.
    }
  }
  return members;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Waits until every pid is gone or `ms` passes; returns the ones still alive. */
export async function waitForExit(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(25);
    alive = alive.filter(isAlive);
  }
  return alive;
}
