#!/usr/bin/env node
// Where Ferry's CPU goes per echo call, stateful against stateless (issue #13): starts
// `node --cpu-prof server/dist/cli.js serve …` once per wire, drives it with the benchmark's lean client
// (32 callers, a fixed number of calls), stops it with SIGTERM so V8 writes the profile, and prints the
// self time per call grouped by where the code lives and the heaviest functions.
//
//   npm run build && node bench/profile.js            # both wires
//   node bench/profile.js stateless                   # one wire
//
// Needs Node >= 22.18 like bench/run.js (the echo fixture is TypeScript): run it with
// `./node_modules/.bin/node` when the PATH has Node 20. Profiles are kept in bench/results/.
//
// Node globals are imported explicitly: the repo's ESLint config declares no Node globals for JS.
import console from 'node:console';
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
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { HttpSession, StatelessClient, keepAliveAgent } from './client.js';
import { start, stop, stopAll } from './processes.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ECHO_SERVER = join(ROOT, 'server', 'test', 'fixtures', 'echo-server.ts');
const FERRY_CLI = join(ROOT, 'server', 'dist', 'cli.js');
const OUT = join(ROOT, 'bench', 'results');

/** Every loop bounded by a count and a time. */
const LIMITS = {
  warmupCalls: 3000,
  profiledCalls: 20_000,
  callers: 32,
  maxMsPerPhase: 60_000,
  startTimeoutMs: 15_000,
  topFunctions: 25,
};

const log = (message) => console.error(`[profile] ${message}`);

async function drive(clients, calls, tag) {
  const deadline = performance.now() + LIMITS.maxMsPerPhase;
  let next = 0;
  let failed = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (next < calls && performance.now() < deadline && failed < 100) {
        const text = `${tag}-${next++}`;
        try {
          if ((await client.callText('echo', { text })) !== text) failed++;
        } catch {
          failed++;
        }
      }
    }),
  );
  if (failed > 0) throw new Error(`${tag}: ${failed} calls failed or came back wrong`);
  return next;
}

async function profileWire(wire) {
  const dir = mkdtempSync(join(os.tmpdir(), 'ferry-profile-'));
  const profDir = join(dir, 'prof');
  const dataDir = join(dir, 'data');
  const configPath = join(dir, 'config.json');
  writeFileSync(
    configPath,
    JSON.stringify({ mcpServers: { echo: { command: process.execPath, args: [ECHO_SERVER] } } }),
  );
  const proc = start(
    `ferry (${wire})`,
    process.execPath,
    [
      '--cpu-prof',
      '--cpu-prof-dir',
      profDir,
      FERRY_CLI,
      'serve',
      '--config',
      configPath,
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--admin-port',
      '0',
      '--no-auth',
    ],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } },
  );
  const pid = proc.child.pid;
  const agent = keepAliveAgent();
  try {
    const deadline = performance.now() + LIMITS.startTimeoutMs;
    let runtime;
    while (!runtime) {
      if (proc.exited) throw new Error(`Ferry exited:\n${proc.tail}`);
      if (performance.now() > deadline) throw new Error('no runtime.json');
      try {
        runtime = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8'));
      } catch {
        await sleep(10);
      }
    }
    const url = `${runtime.mcpUrl}/echo`;
    const clients = [];
    for (let i = 0; i < LIMITS.callers; i++) {
      if (wire === 'stateless') clients.push(new StatelessClient(url, agent));
      else {
        const session = new HttpSession(url, agent);
        await session.initialize();
        clients.push(session);
      }
    }
    while (!(await clients[0].toolNames()).includes('echo')) {
      if (performance.now() > deadline) throw new Error('echo never listed');
      await sleep(10);
    }
    await drive(clients, LIMITS.warmupCalls, `${wire}-warm`);
    const t0 = performance.now();
    const calls = await drive(clients, LIMITS.profiledCalls, wire);
    const seconds = (performance.now() - t0) / 1000;
    log(`${wire}: ${calls} calls in ${seconds.toFixed(1)} s (${(calls / seconds).toFixed(0)} calls/s)`);
    await stop(pid, 15_000);
    const file = existsSync(profDir)
      ? readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))
      : undefined;
    if (!file) throw new Error('Ferry wrote no .cpuprofile (did it exit cleanly?)');
    mkdirSync(OUT, { recursive: true });
    const kept = join(OUT, `ferry-${wire}.cpuprofile`);
    writeFileSync(kept, readFileSync(join(profDir, file)));
    return { wire, calls: calls + LIMITS.warmupCalls, profile: JSON.parse(readFileSync(kept, 'utf8')), kept };
  } finally {
    await stop(pid);
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where a function's code lives, coarse enough to compare the two wires. */
function placeOf(url) {
  if (!url) return '(native, GC, idle)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1];
  return relative(ROOT, path);
}

/** Self time in µs per node id, from the profile's samples and their time deltas. */
function selfTimes(profile) {
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  return self;
}

function summarise({ wire, calls, profile, kept }) {
  const self = selfTimes(profile);
  const byPlace = new Map();
  const byFunction = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    total += us;
    const place = placeOf(url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${place}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const perCall = (us) => (us / calls).toFixed(1).padStart(7);
  const top = (map, n) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
  console.log(`\n## ${wire}: ${perCall(total).trim()} µs busy per call over ${calls} calls (${kept})\n`);
  console.log('µs/call  where');
  for (const [place, us] of top(byPlace, 15)) console.log(`${perCall(us)}  ${place}`);
  console.log('\nµs/call  function (self time)');
  for (const [fn, us] of top(byFunction, LIMITS.topFunctions)) console.log(`${perCall(us)}  ${fn}`);
}

async function main() {
  if (!existsSync(FERRY_CLI)) {
    console.error('profile: build first (npm run build)');
    return 2;
  }
  const wires = process.argv[2] ? [process.argv[2]] : ['stateful', 'stateless'];
  for (const wire of wires) {
    if (wire !== 'stateful' && wire !== 'stateless') {
      console.error(`profile: unknown wire ${wire} (stateful or stateless)`);
      return 2;
    }
    log(
      `${wire}: ${LIMITS.warmupCalls} warm-up + ${LIMITS.profiledCalls} calls from ${LIMITS.callers} callers`,
    );
    summarise(await profileWire(wire));
  }
  return 0;
}

main()
  .catch((error) => {
    console.error(`profile: ${error.stack ?? error}`);
    return 1;
  })
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  });
