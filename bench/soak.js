#!/usr/bin/env node
// Ferry soak: mixed traffic against a real `ferry serve` (OAuth on, a tunnel through the fake cloudflared,
// stdio children) for N minutes while faults are injected on a schedule. Every answer is checked; the run
// fails on a wrong answer, a process left behind, a fault not recovered within its bound, or memory growth
// of 10 % or more from minute 2 to the end. Prints the report and writes bench/results/soak-latest.md.
//
//   npm run soak                     10 minutes
//   npm run soak -- --minutes N      N minutes
//   npm run soak -- --quick          about one minute, one pass over every fault (CI)
//
// Bounds: bench/soak/settings.js. What each fault is and what recovery means: docs/reliability.md.
// Node globals are imported explicitly: the repo's ESLint config declares no Node globals for JS.
import { randomBytes } from 'node:crypto';
import console from 'node:console';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { fdCount, rssBytes } from './processes.js';
import { FAULTS } from './soak/faults.js';
import { startFerry } from './soak/ferry.js';
import { connect } from './soak/oauth.js';
import { memoryGrowth, render, verdict } from './soak/report.js';
import { SOAK } from './soak/settings.js';
import { Recorder, legacyCaller, perSessionCaller, statefulCaller, statelessCaller } from './soak/traffic.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOAK_SERVER = join(ROOT, 'bench', 'soak', 'soak-server.js');
const ECHO_SERVER = join(ROOT, 'server', 'test', 'fixtures', 'echo-server.ts');
const RESULTS = join(ROOT, 'bench', 'results', 'soak-latest.md');
const log = (message) => console.error(`[soak] ${message}`);

function parseArgs(argv) {
  let minutes = SOAK.defaultMinutes;
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') quick = true;
    else if (argv[i] === '--minutes' && Number(argv[i + 1]) > 0) minutes = Number(argv[++i]);
    else {
      console.error('usage: npm run soak -- [--minutes N | --quick]');
      process.exit(2);
    }
  }
  return { minutes: quick ? SOAK.quickMinutes : minutes, quick };
}

function machine() {
  return (
    `Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}), ` +
    `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}; Node ${process.version}; ` +
    `load average at start ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}.`
  );
}

async function main() {
  const { minutes, quick } = parseArgs(process.argv.slice(2));
  const runId = `soak-${randomBytes(6).toString('hex')}`;
  const child = (extra = []) => ({
    command: process.execPath,
    args: [SOAK_SERVER, '--soak-run', runId, ...extra],
  });
  const secretValue = randomBytes(12).toString('hex');
  const ferry = await startFerry({
    root: ROOT,
    runId,
    log,
    servers: {
      soak: child(),
      echo: { command: process.execPath, args: [ECHO_SERVER, '--soak-run', runId] },
      session: child(),
      hang: child(),
      secret: { ...child(), env: { SOAK_SECRET: '${secret:soak/secret}' } },
    },
    options: {
      soak: { defaultToolPolicy: 'allow' },
      echo: { defaultToolPolicy: 'allow' },
      session: { defaultToolPolicy: 'allow', sessionMode: 'per-session' },
      hang: { defaultToolPolicy: 'allow', requestTimeoutSeconds: SOAK.hangRequestTimeoutSeconds },
      secret: { defaultToolPolicy: 'allow' },
    },
    secrets: { 'soak/secret': secretValue },
  });
  const abandon = (why) => {
    log(`${why}: stopping everything`);
    void ferry
      .stop()
      .finally(() => ferry.cleanup())
      .finally(() => process.exit(1));
  };
  const watchdog = setTimeout(
    () => abandon('the run overran its bound'),
    minutes * 60_000 + (quick ? SOAK.quickOverrunMs : SOAK.overrunMs),
  );
  // Ctrl+C, or CI's `timeout`: Ferry and its children go too.
  process.once('SIGINT', () => abandon('interrupted'));
  process.once('SIGTERM', () => abandon('terminated'));
  try {
    // Wait for every shared child, then one token per resource through the real OAuth flow.
    const until = Date.now() + SOAK.startTimeoutMs;
    for (;;) {
      const servers = await ferry.admin('GET', '/servers');
      const shared = servers.filter((s) => s.name !== 'session');
      if (shared.every((s) => s.state === 'ready')) break;
      if (Date.now() > until)
        throw new Error(`servers not ready: ${JSON.stringify(servers.map((s) => [s.name, s.state]))}`);
      await sleep(100);
    }
    const tokens = {};
    for (const server of ['soak', 'echo', 'session', 'hang', 'secret']) {
      tokens[server] = (await connect(ferry, `${ferry.publicUrl}/mcp/${server}`)).accessToken;
    }
    log(`tokens issued; ${minutes} minute(s) of traffic${quick ? ' (quick)' : ''}`);

    const startedIso = new Date().toISOString();
    const startedAt = performance.now();
    const recorder = new Recorder(startedAt);
    const endAt = startedAt + minutes * 60_000;
    let faultsDone = false;
    const stop = () => performance.now() >= endAt && faultsDone;
    const local = (path) => `${ferry.localUrl}${path}`;
    // Each kind of caller: how many, where it calls, with which token, and its tag's letter.
    const kinds = [
      [statefulCaller, SOAK.statefulSessions, '/mcp/soak', tokens.soak, 's'],
      [perSessionCaller, SOAK.perSessionClients, '/mcp/session', tokens.session, 'p'],
      [legacyCaller, SOAK.legacySseClients, '/sse/soak', tokens.soak, 'l'],
      [statelessCaller, SOAK.statelessCallers, '/mcp/echo', tokens.echo, 'm'],
    ];
    const callers = [];
    for (const [caller, count, path, token, letter] of kinds) {
      for (let i = 0; i < count; i++)
        callers.push(caller({ recorder, url: local(path), token, tag: `${letter}${i}`, stop }));
    }

    const samples = [];
    const sample = () => {
      const minute = Math.floor((performance.now() - startedAt) / 60_000);
      samples.push({
        minute,
        rss: rssBytes(ferry.pid),
        fds: fdCount(ferry.pid),
        children: ferry.tree().length,
      });
    };
    sample();
    const sampler = setInterval(sample, SOAK.sampleEveryMs);
    // At the end of every minute: memory after a forced GC, the figure a leak shows in (RSS also holds garbage).
    const afterGc = [];
    let probing = Promise.resolve();
    const probeMinute = (minute) => {
      probing = probing.then(async () => {
        const memory = await ferry.probe().catch(() => undefined);
        if (memory) afterGc.push({ minute, rss: memory.rss, heapUsed: memory.heapUsed });
      });
    };
    const minuteTimers = Array.from({ length: Math.ceil(minutes) }, (_, i) =>
      setTimeout(() => probeMinute(i), (i + 1) * 60_000 - 1_000),
    );

    // Faults: one after another on the schedule; a quick run makes one pass, a longer one cycles until the end.
    const ctx = { ferry, tokens, secretValue };
    const faults = [];
    const spacing = quick ? SOAK.quickFaultSpacingMs : SOAK.faultSpacingMs;
    for (let k = 0; ; k++) {
      const slot = startedAt + SOAK.firstFaultAfterMs + k * spacing;
      const onePass = k >= FAULTS.length;
      if ((quick && onePass) || (!quick && slot >= endAt - spacing / 2 && onePass)) break;
      if (!quick && slot >= endAt) break;
      await sleep(Math.max(0, slot - performance.now()));
      const fault = FAULTS[k % FAULTS.length];
      log(`fault: ${fault.name}`);
      const result = await fault.run(ctx).catch((error) => ({ at: performance.now(), error: error.message }));
      const entry = { name: fault.name, ...result, atS: (result.at - startedAt) / 1000 };
      faults.push(entry);
      log(
        `  ${entry.skipped ? `skipped: ${entry.skipped}` : entry.recoveredMs === undefined ? 'NOT RECOVERED' : `recovered in ${(entry.recoveredMs / 1000).toFixed(2)} s`}` +
          ` ${entry.detail ?? entry.error ?? ''}`,
      );
    }
    faultsDone = true;
    await Promise.all(callers);
    clearInterval(sampler);
    for (const timer of minuteTimers) clearTimeout(timer);
    sample();
    const ranMinutes = Math.max(1, recorder.minutes.length);
    // The run's last figure, taken once the traffic has stopped (a quick run's faults may outlast the minute).
    probeMinute(ranMinutes - 1);
    await probing;
    log('stopping ferry serve');
    const leftovers = await ferry.stop();
    const growth = memoryGrowth(afterGc);
    const problems = verdict({ recorder, faults, leftovers, growth, minutes: ranMinutes });
    const report = render({
      machine: machine(),
      minutes: ranMinutes,
      recorder,
      samples,
      afterGc,
      faults,
      leftovers,
      growth,
      problems,
      startedIso,
    });
    console.log(report);
    mkdirSync(dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, report);
    log(`written to ${RESULTS}`);
    return problems.length === 0 ? 0 : 1;
  } catch (error) {
    log(`failed: ${error.stack ?? error}\n--- ferry output ---\n${ferry.tail}`);
    await ferry.stop();
    return 1;
  } finally {
    clearTimeout(watchdog);
    ferry.cleanup();
  }
}

process.exitCode = await main();
