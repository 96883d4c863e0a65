#!/usr/bin/env node
// Ferry benchmark: one run, four ways to reach the same stdio echo server
// (server/test/fixtures/echo-server.ts), side by side:
//
//   direct stdio     the SDK Client + StdioClientTransport straight to the child (the floor)
//   Ferry            `node server/dist/cli.js serve …` as a separate process, `/mcp/echo`, stateful
//                    (MCP 2025-11-25: initialize, Mcp-Session-Id)
//   Ferry stateless  the same command in a fresh process, same URL, MCP 2026-07-28 (no session; each
//                    POST carries its own `_meta` and the MCP-Protocol-Version/Mcp-Method/Mcp-Name headers)
//   supergateway     `supergateway --stdio … --outputTransport streamableHttp --stateful`, `/mcp`
//
// Every HTTP target is driven by the same lean client (bench/client.js), so the client's own cost is
// the same for all of them. Both Ferry processes also carry bench/ferry-probe.js, which reports memory
// after a forced GC, for the memory rows. Run with `npm run bench` (builds first; needs Node >= 22.18, which npm puts first
// on PATH from the `node` devDependency, because the echo fixture is TypeScript run by type stripping).
// Prints a Markdown table and writes it to bench/results/latest.md. See docs/benchmarks.md.
//
// Node globals are imported explicitly: the repo's ESLint config declares no Node globals for JS.
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { AUTH_TARGETS, benchAuth } from './auth.js';
import { POLICY_TARGETS, benchPolicy } from './policy.js';
import { HttpSession, StatelessClient, keepAliveAgent } from './client.js';
import {
  childrenCpuMs,
  cpuMs,
  fdCount,
  freePort,
  rssBytes,
  start,
  stop,
  stopAll,
  track,
  treeRssBytes,
  untrack,
} from './processes.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ECHO_SERVER = join(ROOT, 'server', 'test', 'fixtures', 'echo-server.ts');
const FERRY_CLI = join(ROOT, 'server', 'dist', 'cli.js');
const SUPERGATEWAY = join(ROOT, 'node_modules', 'supergateway', 'dist', 'index.js');
const PROBE = join(ROOT, 'bench', 'ferry-probe.js');
const RESULTS = join(ROOT, 'bench', 'results', 'latest.md');
const NODE = process.execPath;

/** Every loop is bounded by a count and a time. */
const SETTINGS = {
  warmupCalls: 1000,
  latencyCalls: 2000,
  latencyMaxMs: 15_000,
  /** Sequential calls again after the throughput runs (tens of thousands of calls: JIT fully warm). */
  warmLatencyCalls: 1000,
  concurrency: [1, 8, 32],
  phaseMs: 3000,
  phaseWarmupMs: 500,
  blobBytes: 1024 * 1024,
  blobWarmup: 3,
  blobCalls: 20,
  blobMaxMs: 20_000,
  coldRuns: 5,
  startTimeoutMs: 15_000,
  idleSettleMs: 1000,
  sdkWarmupCalls: 300,
  sdkCalls: 1000,
  aggregateWarmupCalls: 300,
  aggregateCalls: 1000,
  /**
   * Memory rows (both Ferry columns): two bursts of this many echo calls from the 32 callers after the
   * timed runs, each bounded in time too; memory is read before and after each, after a forced GC.
   * Two bursts so that what the first 10,000 leave behind (JIT code, lazily built structures) is told
   * apart from growth that goes on per request (a leak): the second burst should add nothing.
   */
  memoryBurstCalls: 10_000,
  memoryBurstMaxMs: 30_000,
  /** Pause after a burst before reading memory: lets sessions closed at the end of a request go. */
  memorySettleMs: 500,
  /** Longest the probe (a forced GC in Ferry) may take to answer. */
  probeTimeoutMs: 10_000,
  /** The whole run is abandoned (everything stopped) after this long. */
  watchdogMs: 8 * 60_000,
};

/** Ferry's targets on a 2-core machine. */
const TARGETS = {
  p50: 0.5,
  calls32: 1500,
  coldStart: 400,
  idleRssMb: 70,
  blobMs: 15,
  /** Issue #13: what the second 10,000 stateless calls may add to the heap after a GC (100 B a call). */
  flatHeapBytes: 1024 * 1024,
};

const SALT = Math.random().toString(36).slice(2, 8);
const log = (message) => console.error(`[bench] ${message}`);

// ---------------------------------------------------------------------------------------------------
// Statistics and checks

function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const median = (values) => percentile(values, 50);

function newCounters() {
  return { calls: 0, wrong: 0, failed: 0, lastError: undefined };
}

/** One echo with a unique text; counts it as wrong unless exactly that text comes back. */
async function echoChecked(session, text, counters) {
  counters.calls++;
  try {
    const got = await session.echo(text);
    if (got === text) return true;
    counters.wrong++;
    counters.lastError = `wrong echo: sent ${JSON.stringify(text)}, got ${JSON.stringify(got).slice(0, 80)}`;
  } catch (error) {
    counters.failed++;
    counters.lastError = error.message;
  }
  return false;
}

function tooManyFailures(counters) {
  return counters.failed + counters.wrong > 100;
}

async function warmup(session, calls, counters, tag) {
  const deadline = performance.now() + 30_000;
  for (let i = 0; i < calls && performance.now() < deadline && !tooManyFailures(counters); i++) {
    await echoChecked(session, `${tag}-w${i}-${SALT}`, counters);
  }
}

/** Sequential calls on one session; per-call latency of the successful ones, in ms. */
async function latency(session, calls, maxMs, counters, tag) {
  const times = [];
  const deadline = performance.now() + maxMs;
  for (let i = 0; i < calls && performance.now() < deadline && !tooManyFailures(counters); i++) {
    const t0 = performance.now();
    const ok = await echoChecked(session, `${tag}-l${i}-${SALT}`, counters);
    if (ok) times.push(performance.now() - t0);
  }
  return {
    p50: percentile(times, 50),
    p90: percentile(times, 90),
    p99: percentile(times, 99),
    n: times.length,
  };
}

/** Each session calls sequentially until the deadline; all sessions run at once. Calls/s of correct answers. */
async function throughput(sessions, durationMs, counters, tag) {
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  let ok = 0;
  await Promise.all(
    sessions.map(async (session, k) => {
      for (let i = 0; performance.now() < deadline && !tooManyFailures(counters); i++) {
        if (await echoChecked(session, `${tag}-s${k}-${i}-${SALT}`, counters)) ok++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  return { perSecond: ok / elapsed, ok };
}

/** Sequential `blob` calls of `bytes` bytes; latency p50 of the ones that returned exactly that many bytes. */
async function blobLatency(session, counters) {
  const times = [];
  const deadline = performance.now() + SETTINGS.blobMaxMs;
  const total = SETTINGS.blobWarmup + SETTINGS.blobCalls;
  for (let i = 0; i < total && performance.now() < deadline; i++) {
    const t0 = performance.now();
    try {
      const text = await session.blob(SETTINGS.blobBytes);
      const ms = performance.now() - t0;
      if (text.length !== SETTINGS.blobBytes) {
        counters.wrong++;
        counters.lastError = `blob returned ${text.length} bytes`;
      } else if (i >= SETTINGS.blobWarmup) {
        times.push(ms);
      }
    } catch (error) {
      counters.failed++;
      counters.lastError = error.message;
    }
  }
  return { p50: median(times), n: times.length };
}

/** Peak VmRSS of `pid` while sampling runs. */
function rssSampler(pid, everyMs = 50) {
  let peak = 0;
  const tick = () => {
    const rss = rssBytes(pid) ?? 0;
    if (rss > peak) peak = rss;
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return peak;
    },
  };
}

/** CPU ms a process used per correct call over the throughput phases, in µs. */
function perCall(cpuBefore, cpuAfter, phases) {
  const calls = Object.values(phases).reduce((sum, phase) => sum + phase.ok, 0);
  if (cpuBefore === undefined || cpuAfter === undefined || calls === 0) return undefined;
  return ((cpuAfter - cpuBefore) * 1000) / calls;
}

/** Runs `fn` for each item with at most `limit` at a time. */
async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        out[index] = await fn(items[index], index);
      }
    }),
  );
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Clients: the SDK over stdio (direct), the lean HTTP client (Ferry, supergateway), the SDK over HTTP

function textOf(result) {
  const first = result?.content?.[0];
  if (result?.isError || !first || first.type !== 'text') throw new Error('no text content in the result');
  return first.text;
}

function sdkSession(client) {
  return {
    echo: async (text) => textOf(await client.callTool({ name: 'echo', arguments: { text } })),
    blob: async (bytes) => textOf(await client.callTool({ name: 'blob', arguments: { bytes } })),
  };
}

function httpSession(session, toolPrefix = '') {
  return {
    echo: (text) => session.callText(`${toolPrefix}echo`, { text }),
    blob: (bytes) => session.callText(`${toolPrefix}blob`, { bytes }),
  };
}

async function connectStdio() {
  const transport = new StdioClientTransport({ command: NODE, args: [ECHO_SERVER], stderr: 'ignore' });
  const client = new Client({ name: 'ferry-bench', version: '1.0.0' }, { capabilities: {} });
  try {
    await client.connect(transport);
  } finally {
    track('echo-server (direct)', transport.pid);
  }
  return { client, pid: transport.pid };
}

async function closeStdio({ client, pid }) {
  await client.close();
  untrack(pid);
}

/** The SDK's own Streamable HTTP client, for the labelled "SDK client" row. */
async function sdkHttpLatency(url, counters, tag) {
  const client = new Client({ name: 'ferry-bench-sdk', version: '1.0.0' }, { capabilities: {} });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    const session = sdkSession(client);
    await warmup(session, SETTINGS.sdkWarmupCalls, counters, `${tag}-sdk`);
    return await latency(session, SETTINGS.sdkCalls, SETTINGS.latencyMaxMs, counters, `${tag}-sdk`);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Polls tools/list until it names `tool`: a bridge may answer before its child is ready. */
async function waitForTool(session, tool, deadline) {
  for (;;) {
    const names = await session.toolNames();
    if (names.includes(tool)) return;
    if (performance.now() > deadline)
      throw new Error(`tools/list still lacks "${tool}": [${names.join(', ')}]`);
    await sleep(5);
  }
}

// ---------------------------------------------------------------------------------------------------
// Bridges: started as separate processes, stopped by pid

/**
 * Extra `ferry serve` flags: `--no-auth` where this build has OAuth in front of `/mcp` (loopback-only
 * mode, no bearer token needed), so the benchmark measures the MCP path and not a token exchange.
 */
function ferryExtraFlags() {
  const help = spawnSync(NODE, [FERRY_CLI, '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 15_000 });
  return `${help.stdout ?? ''}`.includes('--no-auth') ? ['--no-auth'] : [];
}

let ferryFlags = [];

/** One GET of the admin API with the per-launch token runtime.json names; resolves with the JSON body. */
function adminGet(runtime, path) {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${runtime.adminUrl}/api${path}`,
      { headers: { Authorization: `Bearer ${runtime.adminToken}` }, agent: false, timeout: 10_000 },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          try {
            if (res.statusCode !== 200) throw new Error(`admin ${path}: HTTP ${res.statusCode}`);
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`admin ${path}: no answer in 10 s`)));
    req.on('error', reject);
  });
}

/**
 * Starts Ferry the way a user does. `probe`: with `--expose-gc` and bench/ferry-probe.js preloaded, so
 * `probe()` can read memory after a forced GC (off for the cold starts, which measure the plain start).
 * `stateless`: the returned session speaks MCP 2026-07-28 instead of initializing a stateful one.
 */
async function startFerry({ probe = false, stateless = false } = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), 'ferry-bench-'));
  const dataDir = join(dir, 'data');
  const configPath = join(dir, 'config.json');
  const probePath = join(dir, 'probe.json');
  writeFileSync(configPath, JSON.stringify({ mcpServers: { echo: { command: NODE, args: [ECHO_SERVER] } } }));
  const runtimePath = join(dataDir, 'runtime.json');
  const t0 = performance.now();
  const deadline = t0 + SETTINGS.startTimeoutMs;
  const proc = start(
    stateless ? 'ferry (stateless)' : 'ferry',
    NODE,
    [
      ...(probe ? ['--expose-gc', '--import', pathToFileURL(PROBE).href] : []),
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
      ...ferryFlags,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...(probe ? { FERRY_BENCH_PROBE_OUT: probePath } : {}) },
    },
  );
  const agent = keepAliveAgent();
  const pid = proc.child.pid;
  const close = async () => {
    const stopMs = await stop(pid);
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
    return stopMs;
  };
  try {
    let runtime;
    while (!runtime) {
      if (proc.exited) throw new Error(`Ferry exited during start:\n${proc.tail}`);
      if (performance.now() > deadline)
        throw new Error(`no runtime.json after ${SETTINGS.startTimeoutMs} ms`);
      try {
        runtime = JSON.parse(readFileSync(runtimePath, 'utf8'));
      } catch {
        await sleep(2);
      }
    }
    const runtimeMs = performance.now() - t0;
    // Stopped (SIGTERM) by the pid runtime.json names, which must be the process started here.
    if (runtime.pid !== pid) throw new Error(`runtime.json names pid ${runtime.pid}, started ${pid}`);
    const url = `${runtime.mcpUrl}/echo`;
    const session = stateless ? new StatelessClient(url, agent) : new HttpSession(url, agent);
    if (!stateless) await session.initialize();
    await waitForTool(session, 'echo', deadline);
    const coldMs = performance.now() - t0;
    const readProbe = async () => {
      rmSync(probePath, { force: true });
      process.kill(pid, 'SIGUSR2');
      const until = performance.now() + SETTINGS.probeTimeoutMs;
      while (!existsSync(probePath)) {
        if (performance.now() > until) throw new Error(`no probe answer in ${SETTINGS.probeTimeoutMs} ms`);
        await sleep(10);
      }
      return JSON.parse(readFileSync(probePath, 'utf8'));
    };
    return {
      pid,
      url,
      mcpUrl: runtime.mcpUrl,
      agent,
      session,
      coldMs,
      runtimeMs,
      close,
      stateless,
      newSession: async () => {
        if (stateless) return new StatelessClient(url, agent);
        const s = new HttpSession(url, agent);
        await s.initialize();
        return s;
      },
      ...(probe ? { probe: readProbe } : {}),
      hubSessions: async () => (await adminGet(runtime, '/status')).sessions,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

const shellQuote = (text) => `'${text.replace(/'/g, `'\\''`)}'`;

async function startSupergateway() {
  const port = await freePort();
  const t0 = performance.now();
  const deadline = t0 + SETTINGS.startTimeoutMs;
  // --logLevel none: supergateway otherwise logs every message (JSON.stringify + a stdout write) at
  // its default level "info"; the benchmark gives it its fastest configuration.
  const proc = start(
    'supergateway',
    NODE,
    [
      SUPERGATEWAY,
      '--stdio',
      `${shellQuote(NODE)} ${shellQuote(ECHO_SERVER)}`,
      '--outputTransport',
      'streamableHttp',
      '--stateful',
      '--port',
      String(port),
      '--logLevel',
      'none',
    ],
    { cwd: ROOT },
  );
  const agent = keepAliveAgent();
  const pid = proc.child.pid;
  const close = async () => {
    const stopMs = await stop(pid);
    agent.destroy();
    return stopMs;
  };
  try {
    const url = `http://127.0.0.1:${port}/mcp`;
    let session;
    while (!session) {
      if (proc.exited) throw new Error(`supergateway exited during start:\n${proc.tail}`);
      if (performance.now() > deadline)
        throw new Error(`supergateway not answering after ${SETTINGS.startTimeoutMs} ms`);
      const attempt = new HttpSession(url, agent);
      try {
        await attempt.initialize();
        session = attempt;
      } catch (error) {
        if (!/ECONNREFUSED|ECONNRESET|socket hang up/.test(error.message)) throw error;
        await sleep(2);
      }
    }
    await waitForTool(session, 'echo', deadline);
    const coldMs = performance.now() - t0;
    return { pid, url, agent, session, coldMs, close };
  } catch (error) {
    await close();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// The three targets

async function coldStarts(name, once) {
  const runs = [];
  for (let i = 0; i < SETTINGS.coldRuns; i++) {
    runs.push(await once());
    log(`${name}: cold start ${i + 1}/${SETTINGS.coldRuns} ${runs[i].toFixed(0)} ms`);
  }
  return { median: median(runs), runs };
}

async function benchDirect() {
  const result = { counters: newCounters() };
  const counters = result.counters;
  result.cold = await coldStarts('direct', async () => {
    const t0 = performance.now();
    const conn = await connectStdio();
    try {
      const { tools } = await conn.client.listTools();
      if (!tools.some((t) => t.name === 'echo')) throw new Error('echo server lists no "echo" tool');
      return performance.now() - t0;
    } finally {
      await closeStdio(conn);
    }
  });

  // One child, one connection: N "sessions" are N concurrent sequential callers multiplexed over it,
  // the same shape as Ferry's shared child.
  const conn = await connectStdio();
  try {
    await conn.client.listTools();
    const session = sdkSession(conn.client);
    log('direct: warm-up');
    await warmup(session, SETTINGS.warmupCalls, counters, 'direct');
    log('direct: latency');
    result.latency = await latency(session, SETTINGS.latencyCalls, SETTINGS.latencyMaxMs, counters, 'direct');
    await throughput(Array(32).fill(session), SETTINGS.phaseWarmupMs, counters, 'direct-warm');
    result.throughput = {};
    const cpu0 = cpuMs(conn.pid);
    for (const n of SETTINGS.concurrency) {
      let childRss;
      const probe = setTimeout(() => (childRss = rssBytes(conn.pid)), SETTINGS.phaseMs / 2);
      result.throughput[n] = await throughput(
        Array(n).fill(session),
        SETTINGS.phaseMs,
        counters,
        `direct-${n}`,
      );
      clearTimeout(probe);
      if (n === 32) result.treeRss = childRss;
      log(`direct: ${n} sessions ${result.throughput[n].perSecond.toFixed(0)} calls/s`);
    }
    result.childCpuPerCall = perCall(cpu0, cpuMs(conn.pid), result.throughput);
    result.warmLatency = await latency(
      session,
      SETTINGS.warmLatencyCalls,
      SETTINGS.latencyMaxMs,
      counters,
      'direct-hot',
    );
    log('direct: 1 MB responses');
    result.blob = await blobLatency(session, counters);
  } finally {
    await closeStdio(conn);
  }
  return result;
}

/** A bounded burst: `calls` echo calls shared by `sessions` calling at once, or until `maxMs` is over. */
async function burst(sessions, calls, maxMs, counters, tag) {
  const deadline = performance.now() + maxMs;
  let next = 0;
  let ok = 0;
  await Promise.all(
    sessions.map(async (session, k) => {
      while (next < calls && performance.now() < deadline && !tooManyFailures(counters)) {
        const i = next++;
        if (await echoChecked(session, `${tag}-m${k}-${i}-${SALT}`, counters)) ok++;
      }
    }),
  );
  return { ok, sent: next };
}

/** Memory of the bridge right now: RSS as it stands, then after a forced GC, sessions and handles. */
async function memorySnapshot(bridge, label) {
  await sleep(SETTINGS.memorySettleMs);
  const rss = rssBytes(bridge.pid);
  const probe = await bridge.probe();
  return {
    label,
    rss,
    gcRss: probe.memory.rss,
    heapUsed: probe.memory.heapUsed,
    external: probe.memory.external,
    resources: probe.resources,
    handles: Object.values(probe.resources).reduce((sum, n) => sum + n, 0),
    fds: fdCount(bridge.pid),
    hubSessions: await bridge.hubSessions(),
  };
}

/**
 * The memory rows: a snapshot, then two bursts of `memoryBurstCalls` echo calls, a snapshot after each.
 * Flat memory means the second burst adds (close to) nothing after GC and leaves no session behind.
 */
async function memoryRun(name, bridge, sessions, counters) {
  const points = [await memorySnapshot(bridge, 'before')];
  for (const round of [1, 2]) {
    const done = await burst(
      sessions,
      SETTINGS.memoryBurstCalls,
      SETTINGS.memoryBurstMaxMs,
      counters,
      `${name}-${round}`,
    );
    const point = await memorySnapshot(
      bridge,
      `+${(round * SETTINGS.memoryBurstCalls).toLocaleString('en')}`,
    );
    point.sent = done.sent;
    points.push(point);
    log(
      `${name}: memory after burst ${round} (${done.sent} calls): RSS ${mb(point.rss)} MB, ` +
        `after GC ${mb(point.gcRss)} MB, heap ${mb(point.heapUsed)} MB, ${point.hubSessions} hub sessions, ` +
        `${point.fds} fds`,
    );
  }
  return points;
}

/**
 * One HTTP target. `options.cold`: measure cold starts (off for Ferry's stateless column: the same
 * command as the stateful one). `options.extras`: the rows only Ferry's stateful wire has (aggregated
 * endpoint) and the SDK client row (the SDK 1.x client cannot speak 2026-07-28).
 */
async function benchHttp(name, startBridge, options = { cold: true, extras: true }) {
  const result = { counters: newCounters() };
  const counters = result.counters;
  if (options.cold) {
    result.cold = await coldStarts(name, async () => {
      const bridge = await startBridge({ probe: false });
      if (bridge.runtimeMs !== undefined) (result.runtimeMs ??= []).push(bridge.runtimeMs);
      await bridge.close();
      return bridge.coldMs;
    });
  }

  const bridge = await startBridge({ probe: true });
  try {
    await sleep(SETTINGS.idleSettleMs);
    result.idleRss = rssBytes(bridge.pid);
    if (bridge.probe) result.idleMemory = await memorySnapshot(bridge, 'idle');
    const session = httpSession(bridge.session);
    log(`${name}: warm-up`);
    await warmup(session, SETTINGS.warmupCalls, counters, name);
    log(`${name}: latency`);
    result.latency = await latency(session, SETTINGS.latencyCalls, SETTINGS.latencyMaxMs, counters, name);

    if (options.extras && bridge.mcpUrl) {
      // Ferry only: the aggregated endpoint, tools named <server>__<tool>.
      log(`${name}: aggregated /mcp`);
      const aggregated = new HttpSession(bridge.mcpUrl, bridge.agent);
      await aggregated.initialize();
      await waitForTool(aggregated, 'echo__echo', performance.now() + SETTINGS.startTimeoutMs);
      const agg = httpSession(aggregated, 'echo__');
      await warmup(agg, SETTINGS.aggregateWarmupCalls, counters, `${name}-agg`);
      result.aggregate = await latency(
        agg,
        SETTINGS.aggregateCalls,
        SETTINGS.latencyMaxMs,
        counters,
        `${name}-agg`,
      );
    }

    if (options.extras) {
      log(`${name}: SDK client`);
      result.sdk = await sdkHttpLatency(bridge.url, counters, name);
    }

    // 32 sessions (stateless: 32 callers), opened before anything is timed (supergateway spawns a child for each).
    log(`${name}: opening 32 sessions`);
    const extra = await mapLimit(Array.from({ length: 31 }), 4, async () => {
      if (bridge.newSession) return httpSession(await bridge.newSession());
      const s = new HttpSession(bridge.url, bridge.agent);
      await s.initialize();
      return httpSession(s);
    });
    const sessions = [session, ...extra];
    const load = rssSampler(bridge.pid);
    await throughput(sessions, SETTINGS.phaseWarmupMs, counters, `${name}-warm`);
    result.throughput = {};
    const cpu0 = cpuMs(bridge.pid);
    const childCpu0 = childrenCpuMs(bridge.pid);
    for (const n of SETTINGS.concurrency) {
      let tree;
      const probe = setTimeout(() => (tree = treeRssBytes(bridge.pid)), SETTINGS.phaseMs / 2);
      result.throughput[n] = await throughput(
        sessions.slice(0, n),
        SETTINGS.phaseMs,
        counters,
        `${name}-${n}`,
      );
      clearTimeout(probe);
      if (n === 32) result.treeRss = tree;
      log(`${name}: ${n} sessions ${result.throughput[n].perSecond.toFixed(0)} calls/s`);
    }
    result.cpuPerCall = perCall(cpu0, cpuMs(bridge.pid), result.throughput);
    result.childCpuPerCall = perCall(childCpu0, childrenCpuMs(bridge.pid), result.throughput);
    result.loadRss = load.stop();
    log(`${name}: latency after load`);
    result.warmLatency = await latency(
      session,
      SETTINGS.warmLatencyCalls,
      SETTINGS.latencyMaxMs,
      counters,
      `${name}-hot`,
    );

    // Before the 1 MB calls: those leave RSS high (freed heap is not handed back at once), which would
    // hide what the echo calls themselves keep.
    if (bridge.probe) {
      log(`${name}: memory (2 × ${SETTINGS.memoryBurstCalls} calls from 32 callers)`);
      result.memory = await memoryRun(name, bridge, sessions, counters);
    }

    log(`${name}: 1 MB responses`);
    const blobRss = rssSampler(bridge.pid);
    result.blob = await blobLatency(session, counters);
    result.blobRss = blobRss.stop();
  } finally {
    result.stopMs = await bridge.close();
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Report

const ms = (value) => (value === undefined ? 'n/a' : value < 10 ? value.toFixed(2) : value.toFixed(1));
const mb = (bytes) => (bytes === undefined ? 'n/a' : (bytes / 1024 / 1024).toFixed(1));
const rate = (value) => (value === undefined ? 'n/a' : Math.round(value).toString());
const load = (values) => values.map((v) => v.toFixed(2)).join('/');
const verdict = (ok) => (ok ? 'PASS' : 'MISS');

function wrongText(counters) {
  const bad = counters.wrong + counters.failed;
  if (bad === 0) return `0 of ${counters.calls}`;
  return `${counters.wrong} wrong + ${counters.failed} failed of ${counters.calls}`;
}

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const git = (args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const commit = git(['rev-parse', '--short', 'HEAD']).stdout?.trim() || 'unknown';
  const dirty = (git(['status', '--porcelain']).stdout ?? '').trim() !== '';
  return {
    nproc: os.availableParallelism(),
    model,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    commit: `${commit}${dirty ? ' (uncommitted changes)' : ''}`,
  };
}

function markdownTable(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [line(rows[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.slice(1).map(line)];
}

const signedMb = (bytes) => (bytes === undefined ? 'n/a' : `${bytes >= 0 ? '+' : ''}${mb(bytes)}`);

/** Issue #13: the stateless wire against the stateful one, and memory over 2 × 10,000 calls. */
function statelessTables(ferry, st) {
  const growth = (result, key) => {
    const [, first, second] = result.memory ?? [];
    return first && second ? second[key] - first[key] : undefined;
  };
  const last = (result) => result.memory?.at(-1);
  const before = (result) => result.memory?.[0];
  const sessionsFlat = (result) =>
    last(result) !== undefined && last(result).hubSessions === before(result).hubSessions;
  const comparison = markdownTable([
    ['Stateless against stateful (issue #13)', 'Ferry stateful', 'Ferry stateless', 'Target', 'Stateless'],
    [
      'Latency p50, echo, sequential (ms)',
      ms(ferry.latency.p50),
      ms(st.latency.p50),
      '≤ stateful',
      verdict(st.latency.p50 <= ferry.latency.p50),
    ],
    [
      'Latency p50, echo, again after the load runs (ms)',
      ms(ferry.warmLatency.p50),
      ms(st.warmLatency.p50),
      '≤ stateful',
      verdict(st.warmLatency.p50 <= ferry.warmLatency.p50),
    ],
    [
      'Throughput, 32 callers (calls/s)',
      rate(ferry.throughput[32].perSecond),
      rate(st.throughput[32].perSecond),
      '≥ stateful',
      verdict(st.throughput[32].perSecond >= ferry.throughput[32].perSecond),
    ],
    ['Bridge CPU per echo call (µs)', rate(ferry.cpuPerCall), rate(st.cpuPerCall), '', ''],
    [
      'Child (echo server) CPU per echo call (µs)',
      rate(ferry.childCpuPerCall),
      rate(st.childCpuPerCall),
      '',
      '',
    ],
    [
      `Heap after GC, growth over the 2nd ${SETTINGS.memoryBurstCalls} calls (MB)`,
      signedMb(growth(ferry, 'heapUsed')),
      signedMb(growth(st, 'heapUsed')),
      `≤ ${mb(TARGETS.flatHeapBytes)}`,
      verdict(growth(st, 'heapUsed') <= TARGETS.flatHeapBytes),
    ],
    [
      `Hub sessions after ${2 * SETTINGS.memoryBurstCalls} calls (before)`,
      `${last(ferry)?.hubSessions} (${before(ferry)?.hubSessions})`,
      `${last(st)?.hubSessions} (${before(st)?.hubSessions})`,
      'unchanged',
      verdict(sessionsFlat(st)),
    ],
  ]);
  const points = ['idle', 'before', ...(st.memory ?? []).slice(1).map((p) => p.label)];
  const series = (result) => [result.idleMemory, ...(result.memory ?? [])];
  const memoryRows = [
    [
      `Ferry memory, ${SETTINGS.memoryBurstCalls}-call bursts from 32 callers`,
      ...points,
      `2nd ${SETTINGS.memoryBurstCalls} adds`,
    ],
  ];
  for (const [wire, result] of [
    ['stateful', ferry],
    ['stateless', st],
  ]) {
    const at = series(result);
    const row = (what, key, format, delta) => [
      `${wire}: ${what}`,
      ...at.map((p) => (p ? format(p[key]) : 'n/a')),
      delta(growth(result, key)),
    ];
    const count = (value) => (value === undefined ? 'n/a' : String(value));
    const signed = (value) => (value === undefined ? 'n/a' : `${value >= 0 ? '+' : ''}${value}`);
    memoryRows.push(
      row('RSS (MB)', 'rss', mb, signedMb),
      row('RSS after forced GC (MB)', 'gcRss', mb, signedMb),
      row('heap used after forced GC (MB)', 'heapUsed', mb, signedMb),
      row('hub sessions', 'hubSessions', count, signed),
      row('open fds', 'fds', count, signed),
      row('libuv handles and requests', 'handles', count, signed),
    );
  }
  const kinds = (result) =>
    Object.entries(last(result)?.resources ?? {})
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ');
  const bursts = (result) => (result.memory ?? []).slice(1).map((p) => p.sent);
  return [
    ...comparison,
    '',
    ...markdownTable(memoryRows),
    '',
    `"before" is after the timed runs (${ferry.counters.calls} and ${st.counters.calls} calls in all on the two ` +
      `wires by the end of the run); calls sent per burst: stateful ${bursts(ferry).join(', ')}, stateless ` +
      `${bursts(st).join(', ')}. Open fds and handles include the 32 keep-alive sockets of the bench's callers. ` +
      `Resources after the last burst: stateful ${kinds(ferry)}; stateless ${kinds(st)}.`,
  ];
}

function render(results, info, startedAt, elapsedS) {
  const { direct, ferry, ferryStateless: st, supergateway: sg } = results;
  const rows = [
    [
      'Metric',
      'direct stdio (floor)',
      'Ferry `/mcp/echo`',
      'Ferry stateless (2026-07-28)',
      'supergateway',
      'Ferry target',
      'Ferry',
    ],
    [
      'Latency p50, echo, sequential (ms)',
      ms(direct.latency.p50),
      ms(ferry.latency.p50),
      ms(st.latency.p50),
      ms(sg.latency.p50),
      `≤ ${TARGETS.p50}`,
      verdict(ferry.latency.p50 <= TARGETS.p50),
    ],
    [
      'Latency p90, echo, sequential (ms)',
      ms(direct.latency.p90),
      ms(ferry.latency.p90),
      ms(st.latency.p90),
      ms(sg.latency.p90),
      '',
      '',
    ],
    [
      'Latency p99, echo, sequential (ms)',
      ms(direct.latency.p99),
      ms(ferry.latency.p99),
      ms(st.latency.p99),
      ms(sg.latency.p99),
      '',
      '',
    ],
    [
      'Latency p50, echo, again after the load runs (ms)',
      ms(direct.warmLatency.p50),
      ms(ferry.warmLatency.p50),
      ms(st.warmLatency.p50),
      ms(sg.warmLatency.p50),
      '',
      '',
    ],
    [
      'Latency p99, echo, again after the load runs (ms)',
      ms(direct.warmLatency.p99),
      ms(ferry.warmLatency.p99),
      ms(st.warmLatency.p99),
      ms(sg.warmLatency.p99),
      '',
      '',
    ],
    ...SETTINGS.concurrency.map((n) => [
      `Throughput, ${n} session${n === 1 ? '' : 's'} (calls/s)`,
      rate(direct.throughput[n].perSecond),
      rate(ferry.throughput[n].perSecond),
      rate(st.throughput[n].perSecond),
      rate(sg.throughput[n].perSecond),
      n === 32 ? `≥ ${TARGETS.calls32}` : '',
      n === 32 ? verdict(ferry.throughput[n].perSecond >= TARGETS.calls32) : '',
    ]),
    [
      'Wrong or failed echoes (all calls)',
      wrongText(direct.counters),
      wrongText(ferry.counters),
      wrongText(st.counters),
      wrongText(sg.counters),
      '0',
      verdict(ferry.counters.wrong + ferry.counters.failed === 0),
    ],
    [
      '1 MB response (`blob`), p50 (ms)',
      ms(direct.blob.p50),
      ms(ferry.blob.p50),
      ms(st.blob.p50),
      ms(sg.blob.p50),
      `≤ ${TARGETS.blobMs}`,
      verdict(ferry.blob.p50 <= TARGETS.blobMs),
    ],
    [
      `Cold start to first tools/list, median of ${SETTINGS.coldRuns} (ms)`,
      ms(direct.cold.median),
      ms(ferry.cold.median),
      'same process',
      ms(sg.cold.median),
      `≤ ${TARGETS.coldStart}`,
      verdict(ferry.cold.median <= TARGETS.coldStart),
    ],
    [
      'Bridge RSS, idle (MB)',
      'n/a',
      mb(ferry.idleRss),
      mb(st.idleRss),
      mb(sg.idleRss),
      `≤ ${TARGETS.idleRssMb}`,
      verdict(ferry.idleRss / 1024 / 1024 <= TARGETS.idleRssMb),
    ],
    [
      'Bridge CPU per echo call, 1/8/32-session runs (µs)',
      'n/a',
      rate(ferry.cpuPerCall),
      rate(st.cpuPerCall),
      rate(sg.cpuPerCall),
      '',
      '',
    ],
    [
      'Children CPU per echo call, same runs (µs)',
      rate(direct.childCpuPerCall),
      rate(ferry.childCpuPerCall),
      rate(st.childCpuPerCall),
      rate(sg.childCpuPerCall),
      '',
      '',
    ],
    [
      'Bridge RSS, peak under 1/8/32-session load (MB)',
      'n/a',
      mb(ferry.loadRss),
      mb(st.loadRss),
      mb(sg.loadRss),
      '',
      '',
    ],
    [
      'Bridge RSS, peak during 1 MB calls (MB)',
      'n/a',
      mb(ferry.blobRss),
      mb(st.blobRss),
      mb(sg.blobRss),
      '',
      '',
    ],
    [
      'RSS incl. children, 32 sessions (MB)',
      mb(direct.treeRss),
      mb(ferry.treeRss),
      mb(st.treeRss),
      mb(sg.treeRss),
      '',
      '',
    ],
    [
      'Latency p50, SDK client instead of lean client (ms)',
      ms(direct.latency.p50),
      ms(ferry.sdk.p50),
      'n/a',
      ms(sg.sdk.p50),
      '',
      '',
    ],
    [
      'Latency p50, aggregated `/mcp` (`echo__echo`) (ms)',
      'n/a',
      ms(ferry.aggregate?.p50),
      'n/a',
      'n/a',
      '',
      '',
    ],
  ];
  const table = markdownTable(rows);
  const ferryStart = ferry.runtimeMs
    ? ` (spawn → runtime.json: ${ferry.runtimeMs.map((v) => v.toFixed(0)).join(', ')})`
    : '';
  return [
    `Ferry benchmark, ${startedAt.toISOString()}, ${elapsedS.toFixed(0)} s`,
    '',
    `Machine: ${info.nproc} CPUs (${info.model}), ${info.memory}, ${info.kernel}; Node ${info.node}; commit ${info.commit}`,
    `Ferry: \`${info.ferryCommand}\` (the measured processes with \`node --expose-gc --import bench/ferry-probe.js\`, ` +
      'the cold starts without); the stateless column is a second, fresh Ferry process; ' +
      'supergateway 4 with `--stateful --logLevel none`.',
    `Load average (1/5/15 min): ${load(info.loadBefore)} before, ${load(info.loadAfter)} after ` +
      '(the run itself adds about 2)' +
      (info.loadBefore[0] > info.nproc / 2
        ? '; the machine was busy before the start, so wall-clock figures are upper bounds (CPU per call is steadier)'
        : ''),
    '',
    ...table,
    '',
    `Cold-start runs (ms): direct ${direct.cold.runs.map((v) => v.toFixed(0)).join(', ')}; ` +
      `Ferry ${ferry.cold.runs.map((v) => v.toFixed(0)).join(', ')}${ferryStart}; ` +
      `supergateway ${sg.cold.runs.map((v) => v.toFixed(0)).join(', ')}.`,
    `Stop after SIGTERM (ms): Ferry ${ferry.stopMs}, Ferry stateless ${st.stopMs}, supergateway ${sg.stopMs}.`,
    '',
    ...statelessTables(ferry, st),
    '',
    '| OAuth (Ferry, in-process)                                  | Figure | Target | Ferry |',
    '| ---------------------------------------------------------- | ------ | ------ | ----- |',
    `| Bearer check per MCP request, p50 (ms)                     | ${results.auth.bearer.p50Ms.toFixed(4)} | ≤ ${AUTH_TARGETS.bearerMs} | ${verdict(results.auth.bearer.p50Ms <= AUTH_TARGETS.bearerMs)} |`,
    `| Bearer check per MCP request, mean of ${results.auth.bearer.count} (ms)          | ${results.auth.bearer.meanMs.toFixed(4)} | | |`,
    `| Full Claude handshake, 401 to authorized initialize, median (ms) | ${results.auth.handshake.medianMs.toFixed(1)} | | |`,
    `Handshake runs (ms, consent approved instantly): ${results.auth.handshake.runs.map((v) => v.toFixed(0)).join(', ')}.`,
    '',
    '| Per-tool control (Ferry, in-process)                       | Figure | Target | Ferry |',
    '| ---------------------------------------------------------- | ------ | ------ | ----- |',
    `| Policy check per allowed call (policy + pin), p50 (ms)     | ${results.policy.checkMs.toFixed(5)} | ≤ ${POLICY_TARGETS.checkMs} | ${verdict(results.policy.checkMs <= POLICY_TARGETS.checkMs)} |`,
    `| Policy check and audit line per call, p50 (ms)             | ${results.policy.checkAndAuditMs.toFixed(5)} | | |`,
    `Per-tool control: ${results.policy.calls} calls in batches of 1000 (figures include building each call and awaiting the check). The echo calls of the tables above went through the same check and audit trail.`,
    ...['direct', 'ferry', 'ferryStateless', 'supergateway']
      .filter((k) => results[k].counters.lastError)
      .map((k) => `Last error (${k}): ${results[k].counters.lastError}`),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------

async function main() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 18)) {
    console.error(
      `bench: Node ${process.version} cannot run the TypeScript echo fixture; use \`npm run bench\` (Node 22 from node_modules/.bin)`,
    );
    return 2;
  }
  for (const [what, path] of [
    ['Ferry build (npm run build)', FERRY_CLI],
    ['echo fixture', ECHO_SERVER],
    ['supergateway (npm install)', SUPERGATEWAY],
  ]) {
    if (!existsSync(path)) {
      console.error(`bench: missing ${what}: ${path}`);
      return 2;
    }
  }
  const startedAt = new Date();
  const t0 = performance.now();
  const info = machine();
  info.loadBefore = os.loadavg();
  log(`${info.nproc} CPUs, ${info.model}, Node ${info.node}`);
  const results = {};
  results.direct = await benchDirect();
  ferryFlags = ferryExtraFlags();
  info.ferryCommand = `node server/dist/cli.js serve --config <tmp> --data-dir <tmp> --port 0 --admin-port 0${ferryFlags.map((f) => ` ${f}`).join('')}`;
  results.ferry = await benchHttp('ferry', startFerry);
  results.ferryStateless = await benchHttp(
    'ferry-stateless',
    (options) => startFerry({ ...options, stateless: true }),
    { cold: false, extras: false },
  );
  results.supergateway = await benchHttp('supergateway', startSupergateway);
  log('OAuth: bearer check and full handshake');
  results.auth = await benchAuth({ root: ROOT, echoServer: ECHO_SERVER, node: NODE });
  results.policy = await benchPolicy({ root: ROOT });
  info.loadAfter = os.loadavg();
  const report = render(results, info, startedAt, (performance.now() - t0) / 1000);
  console.log(`\n${report}`);
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, report);
  log(`written to ${RESULTS}`);
  return 0;
}

const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${SETTINGS.watchdogMs / 1000} s; stopping everything`);
  void stopAll().finally(() => process.exit(1));
}, SETTINGS.watchdogMs);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`bench: ${signal}; stopping everything`);
    void stopAll().finally(() => process.exit(130));
  });
}

main()
  .catch((error) => {
    console.error(`bench: ${error.stack ?? error}`);
    return 1;
  })
  .then(async (code) => {
    await stopAll();
    clearTimeout(watchdog);
    // Keep-alive sockets and SDK timers would otherwise hold the loop open for a while.
    process.exit(code);
  });
