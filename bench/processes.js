// Process bookkeeping for the benchmark: every process it starts is tracked by pid and stopped by pid
// (SIGTERM, then SIGKILL after a grace period, then any descendant left behind), even on error.
// Memory figures come from /proc/<pid>/status (Linux only).
//
// Node globals are imported explicitly: the repo's ESLint config declares no Node globals for JS.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

/** pid -> { child, name, tail } for everything started and not yet stopped. */
const running = new Map();

/** Starts a process with piped output (kept as a short tail for error messages); tracked until stopped. */
export function start(name, command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const entry = { child, name, tail: '', exited: false };
  const keep = (chunk) => {
    entry.tail = (entry.tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => (entry.exited = true));
  child.once('error', (error) => {
    entry.exited = true;
    keep(`\nspawn failed: ${error.message}\n`);
  });
  if (child.pid !== undefined) running.set(child.pid, entry);
  return entry;
}

/** Registers a process someone else spawned (the SDK's stdio transport) so cleanup still reaches it. */
export function track(name, pid) {
  if (pid !== undefined && pid !== null && !running.has(pid)) {
    running.set(pid, { child: undefined, name, tail: '', exited: false });
  }
}

export function untrack(pid) {
  running.delete(pid);
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Parent pid of every process, from /proc/<pid>/stat (the field after the parenthesised name). */
function parentMap() {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(fields[1]));
    } catch {
      // Exited while we looked.
    }
  }
  return parents;
}

export function descendantsOf(pid) {
  const parents = parentMap();
  const found = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = [];
    for (const [child, parent] of parents) if (frontier.includes(parent)) next.push(child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** VmRSS of one process in bytes, or undefined if it is gone. */
export function rssBytes(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Open file descriptors of a process (sockets, pipes, files), or undefined if it is gone. */
export function fdCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** User + system CPU time a process has used so far, in ms (USER_HZ is 100 on Linux). */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5); fields[] starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** CPU ms used so far by all descendants of a process (the bridge's children), not the process itself. */
export function childrenCpuMs(pid) {
  return descendantsOf(pid).reduce((sum, child) => sum + (cpuMs(child) ?? 0), 0);
}

/** VmRSS of a process plus all its descendants, in bytes. */
export function treeRssBytes(pid) {
  let total = rssBytes(pid) ?? 0;
  for (const child of descendantsOf(pid)) total += rssBytes(child) ?? 0;
  return total;
}

async function waitGone(pid, entry, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (entry?.child ? entry.exited : !isAlive(pid)) return true;
    await sleep(10);
  }
  return entry?.child ? entry.exited : !isAlive(pid);
}

/** SIGTERM by pid, up to `graceMs` to exit, then SIGKILL it and whatever it left behind. Returns ms taken. */
export async function stop(pid, graceMs = 5000) {
  const entry = running.get(pid);
  const startedAt = Date.now();
  if (entry?.exited || !isAlive(pid)) {
    running.delete(pid);
    return 0;
  }
  const family = descendantsOf(pid);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
  if (!(await waitGone(pid, entry, graceMs))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
    await waitGone(pid, entry, 2000);
  }
  const took = Date.now() - startedAt;
  // Give a well-behaved bridge a moment to reap its children, then make sure nothing survives.
  const leftovers = family.filter(isAlive);
  if (leftovers.length > 0) await sleep(200);
  for (const member of family) {
    if (!isAlive(member)) continue;
    try {
      process.kill(member, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  running.delete(pid);
  return took;
}

/** Stops everything still tracked; used on error and on Ctrl+C. */
export async function stopAll() {
  await Promise.allSettled([...running.keys()].map((pid) => stop(pid, 2000)));
}

/** A port that was free a moment ago on 127.0.0.1 (for tools that cannot pick their own). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
