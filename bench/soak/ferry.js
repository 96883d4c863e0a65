// `ferry serve` for the soak, started the way a user starts it: the built CLI as its own process, OAuth
// on, a quick tunnel through the test suite's faithful fake `cloudflared`, secrets in the file store, the
// data directory on a small tmpfs when this runs as root (so "disk full" is a real ENOSPC).
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { descendantsOf, isAlive } from '../processes.js';
import { SOAK } from './settings.js';

/** Mounts a tmpfs of `bytes` at `dir` when this process may (root on Linux); false otherwise. */
function mountTmpfs(dir, bytes) {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', dir], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return result.status === 0;
}

function umount(dir) {
  spawnSync('umount', [dir], { timeout: 10_000 });
}

/**
 * Starts Ferry with `servers` (mcpServers) and `options` (ferry.servers). Resolves once runtime.json names
 * the tunnel's public URL. The returned object also tracks every pid seen in Ferry's process tree.
 */
export async function startFerry({ root, runId, servers, options, secrets, log }) {
  const base = mkdtempSync(join(os.tmpdir(), 'ferry-soak-'));
  const dataDir = join(base, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const tmpfs = mountTmpfs(dataDir, SOAK.tmpfsBytes);
  const configPath = join(base, 'config.json');
  const tunnelState = join(base, 'cloudflared-state.json');
  const fake = join(root, 'server', 'test', 'fixtures', 'fake-cloudflared', 'cloudflared');
  writeFileSync(
    configPath,
    JSON.stringify({
      mcpServers: servers,
      ferry: {
        servers: options,
        tunnel: { mode: 'quick', binary: fake },
        restart: { initialBackoffMs: 200, maxBackoffMs: 2000 },
      },
    }),
  );
  writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify({ version: 1, secrets }), { mode: 0o600 });
  // The benchmark's probe: on SIGUSR2 a forced full GC, then memory written to probePath (outside the tmpfs).
  const probePath = join(base, 'probe.json');
  const probe = pathToFileURL(join(root, 'bench', 'ferry-probe.js')).href;
  const args = [
    '--expose-gc',
    '--import',
    probe,
    join(root, 'server', 'dist', 'cli.js'),
    'serve',
    '--config',
    configPath,
  ];
  args.push('--data-dir', dataDir, '--port', '0', '--admin-port', '0', '--secret-store', 'file');
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NO_COLOR: '1',
      SOAK_RUN: runId,
      FERRY_BENCH_PROBE_OUT: probePath,
      FAKE_CLOUDFLARED_STATE: tunnelState,
      // A tenth of the real delays (about 0.1 s to the URL); the same words on every start, so tokens issued
      // for the public URL stay valid across a tunnel restart, as with a named tunnel.
      FAKE_CLOUDFLARED_SPEED: '10',
      FAKE_CLOUDFLARED_NEW_HOSTNAME_EACH_START: '0',
    },
  });
  let tail = '';
  const keep = (chunk) => (tail = (tail + chunk.toString('utf8')).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.once('exit', () => (exited = true));
  const seen = new Set();
  const ferry = {
    pid: child.pid,
    base,
    dataDir,
    tmpfs,
    tunnelState,
    seen,
    get tail() {
      return tail;
    },
    get exited() {
      return exited;
    },
    /** Ferry's descendants now; every one is remembered for the leftover check. */
    tree() {
      const pids = descendantsOf(child.pid);
      for (const pid of pids) seen.add(pid);
      return pids;
    },
    cloudflared() {
      try {
        return JSON.parse(readFileSync(tunnelState, 'utf8'));
      } catch {
        return undefined;
      }
    },
    /** Ferry's memory after a forced full GC (what is still referenced), or undefined if it does not answer. */
    async probe() {
      rmSync(probePath, { force: true });
      process.kill(child.pid, 'SIGUSR2');
      const until = Date.now() + SOAK.probeTimeoutMs;
      while (Date.now() < until) {
        if (existsSync(probePath)) return JSON.parse(readFileSync(probePath, 'utf8')).memory;
        await sleep(50);
      }
      return undefined;
    },
    async admin(method, path, body) {
      const res = await fetch(`${ferry.runtime.adminUrl}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${ferry.runtime.adminToken}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`admin ${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
      return text ? JSON.parse(text) : undefined;
    },
    /** SIGTERM, up to stopGraceMs to exit; resolves with the pids of Ferry's tree still alive after that. */
    async stop() {
      ferry.tree();
      const cf = ferry.cloudflared();
      if (cf?.pid) seen.add(cf.pid);
      if (!exited) child.kill('SIGTERM');
      const deadline = Date.now() + SOAK.stopGraceMs;
      while (!exited && Date.now() < deadline) await sleep(50);
      // Children get the same grace to go once Ferry has gone (they were told to stop before it exited).
      while ([...seen].some(isAlive) && Date.now() < deadline) await sleep(50);
      const left = [...seen, ...marked(runId)].filter(
        (pid, i, all) => all.indexOf(pid) === i && isAlive(pid),
      );
      const report = left.map((pid) => ({ pid, cmd: cmdline(pid) }));
      // Cleanup of what Ferry left: by pid, and only pids this run started (recorded or marked).
      if (!exited) child.kill('SIGKILL');
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
      return report;
    },
    cleanup() {
      if (tmpfs) umount(dataDir);
      rmSync(base, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + SOAK.startTimeoutMs;
  const runtimePath = join(dataDir, 'runtime.json');
  for (;;) {
    if (exited) throw new Error(`ferry serve exited during start:\n${tail}`);
    if (Date.now() > deadline) {
      await ferry.stop();
      throw new Error(`ferry serve did not publish a tunnel URL in ${SOAK.startTimeoutMs} ms:\n${tail}`);
    }
    if (existsSync(runtimePath)) {
      try {
        const runtime = JSON.parse(readFileSync(runtimePath, 'utf8'));
        if (runtime.pid === child.pid && /^https:\/\//.test(runtime.publicUrl ?? '')) {
          ferry.runtime = runtime;
          ferry.localUrl = runtime.localUrl;
          ferry.publicUrl = runtime.publicUrl;
          break;
        }
      } catch {
        // Mid-write: read again.
      }
    }
    await sleep(50);
  }
  log(
    `ferry serve pid ${child.pid}, ${ferry.localUrl}, public ${ferry.publicUrl}, data dir on ${tmpfs ? 'tmpfs' : 'disk'}`,
  );
  return ferry;
}

export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 200);
  } catch {
    return '';
  }
}

/** Processes marked as this run's: the marker in their environment (Ferry's own) or arguments (the children). */
function marked(runId) {
  const found = [];
  for (const name of os.platform() === 'linux' ? safeReaddir('/proc') : []) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, 'utf8');
      if (environ.includes(`SOAK_RUN=${runId}`) || cmdline(Number(name)).includes(runId))
        found.push(Number(name));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
