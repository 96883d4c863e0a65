#!/usr/bin/env node
// Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`, server mode) against
// one MCP Streamable HTTP URL, prints a per-scenario pass/fail table and exits non-zero on failure.
//
//   node scripts/conformance.mjs http://127.0.0.1:8790/mcp/conformance
//   node scripts/conformance.mjs <url> --suite all --json results.json
//   node scripts/conformance.mjs <url> --scenario tools-call-sampling --scenario ping
//   node scripts/conformance.mjs <url> --expect-fail server-sse-polling
//
// The server behind the URL should be server/test/fixtures/conformance-server.ts (directly, or
// proxied by Ferry at /mcp/<name>); see docs/conformance.md. Plain Node ESM, any Node >= 20: the
// suite itself needs Node >= 22, so it is started with $CONFORMANCE_NODE if set, else with this
// Node if new enough, else with the `node` devDependency's binary in node_modules/.bin.
//
// Exit codes: 0 all scenarios passed (or failed only where --expect-fail allowed it),
// 1 a scenario failed (or an --expect-fail scenario passed: stale expectation),
// 2 usage error, or the suite could not run / produced no results.

// Node globals are imported explicitly: the repo's ESLint config declares no Node globals for JS.
import { spawn, spawnSync } from 'node:child_process';
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
import { tmpdir } from 'node:os';
import process from 'node:process';
import { dirname, join, resolve } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL, fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const SUITES = ['active', 'all', 'pending', 'core'];

const USAGE = `Usage: node scripts/conformance.mjs <mcp-url> [options]

Runs \`conformance server\` against <mcp-url> and summarises the result per scenario.

Options:
  --suite <name>         active (default: every non-pending scenario), all, pending, core
  --scenario <name>      run only this scenario (repeatable; overrides --suite)
  --spec-version <v>     only scenarios of this spec version (passed to the suite)
  --expect-fail <name>   a scenario allowed to fail (repeatable); if it passes, that is reported as
                         a stale expectation and fails the run, like the suite's --expected-failures
  --json <file>          also write the summary as JSON to <file>
  --results-dir <dir>    keep the suite's raw results (checks.json per scenario, suite.log) in <dir>;
                         default: a temporary directory, deleted afterwards
  --timeout <seconds>    give up on the whole run after this long (default 600)
  --verbose              stream the suite's own output
  -h, --help             show this help`;

function usageError(message) {
  console.error(`conformance: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    url: undefined,
    suite: 'active',
    scenarios: [],
    specVersion: undefined,
    expectFail: new Set(),
    json: undefined,
    resultsDir: undefined,
    timeoutSeconds: 600,
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) usageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
        break;
      case '--suite':
        opts.suite = value();
        if (!SUITES.includes(opts.suite)) usageError(`unknown suite "${opts.suite}" (${SUITES.join(', ')})`);
        break;
      case '--scenario':
        opts.scenarios.push(value());
        break;
      case '--spec-version':
        opts.specVersion = value();
        break;
      case '--expect-fail':
        opts.expectFail.add(value());
        break;
      case '--json':
        opts.json = resolve(value());
        break;
      case '--results-dir':
        opts.resultsDir = resolve(value());
        break;
      case '--timeout':
        opts.timeoutSeconds = Number(value());
        if (!Number.isFinite(opts.timeoutSeconds) || opts.timeoutSeconds <= 0)
          usageError('--timeout must be > 0');
        break;
      case '--verbose':
        opts.verbose = true;
        break;
      default:
        if (arg.startsWith('-')) usageError(`unknown option ${arg}`);
        if (opts.url !== undefined) usageError(`unexpected argument ${arg}`);
        opts.url = arg;
    }
  }
  if (opts.url === undefined) usageError('missing <mcp-url>');
  let parsed;
  try {
    parsed = new URL(opts.url);
  } catch {
    usageError(`not a URL: ${opts.url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') usageError('the URL must be http(s)');
  return opts;
}

/** A Node that can run the suite (it imports `fs.globSync`, new in Node 22). */
function findNode() {
  if (process.env.CONFORMANCE_NODE) return process.env.CONFORMANCE_NODE;
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  const local = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (existsSync(local)) {
    const probe = spawnSync(local, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (probe.status === 0 && Number(probe.stdout.trim().split('.')[0]) >= 22) return local;
  }
  console.error(
    'conformance: the suite needs Node >= 22; run this with Node 22, `npm install` the `node` devDependency, or set CONFORMANCE_NODE',
  );
  process.exit(2);
}

// ANSI colour codes, which the suite prints even into a pipe.
const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*m`, 'g');

/** Runs the suite once; resolves with its exit code and combined output. */
function runSuite(node, args, { verbose, timeoutSeconds, logFile }) {
  return new Promise((resolvePromise) => {
    const child = spawn(node, [CLI, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    let output = '';
    const collect = (sink) => (chunk) => {
      const text = chunk.toString('utf8');
      output += text;
      if (verbose) sink.write(text);
    };
    child.stdout.on('data', collect(process.stdout));
    child.stderr.on('data', collect(process.stderr));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, timeoutSeconds * 1000);
    const forward = () => child.kill('SIGTERM');
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    child.on('error', (err) => {
      output += `\nfailed to start the suite: ${err.message}\n`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      output = output.replace(ANSI, '');
      if (logFile) writeFileSync(logFile, output, { flag: 'a' });
      resolvePromise({ code, signal, timedOut, output });
    });
  });
}

/** First and last lines of the suite's output, for when it produced no result. */
function excerpt(output) {
  const lines = output.trimEnd().split('\n');
  return lines.length <= 30
    ? lines.join('\n')
    : [...lines.slice(0, 12), '...', ...lines.slice(-12)].join('\n');
}

/** `✓ name: 3 passed, 0 failed` lines of the suite's `=== SUMMARY ===` block. */
function parseSummary(output) {
  const start = output.lastIndexOf('=== SUMMARY ===');
  if (start < 0) return undefined;
  const rows = [];
  for (const line of output.slice(start).split('\n')) {
    const m = /^\s*[✓✗]\s+(\S+):\s+(\d+) passed, (\d+) failed\s*$/u.exec(line);
    if (m) rows.push({ scenario: m[1], passed: Number(m[2]), failed: Number(m[3]) });
  }
  return rows;
}

/** `Passed: 3/4, 1 failed, 0 warnings`, printed when the suite runs a single scenario. */
function parseSingle(output, scenario) {
  const m = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/.exec(output);
  return m ? { scenario, passed: Number(m[1]), failed: Number(m[3]) } : undefined;
}

/** checks.json per scenario from `-o <dir>`: `<dir>/server-<scenario>-<ISO time with - for :.>/`. */
function readChecks(dir) {
  const byScenario = new Map();
  if (!existsSync(dir)) return byScenario;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/.exec(entry.name);
    const file = join(dir, entry.name, 'checks.json');
    if (!m || !existsSync(file)) continue;
    try {
      byScenario.set(m[1], JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      // A half-written file: the stdout summary still has the counts.
    }
  }
  return byScenario;
}

function summarise(rows, checksByScenario, expectFail) {
  return rows.map((row) => {
    const checks = checksByScenario.get(row.scenario) ?? [];
    const failures = checks
      .filter((c) => c.status === 'FAILURE')
      .map((c) => ({ id: c.id, message: c.errorMessage ?? c.description }));
    const warnings = checks
      .filter((c) => c.status === 'WARNING')
      .map((c) => ({ id: c.id, message: c.errorMessage ?? c.details?.message ?? c.description }));
    const failed = row.failed > 0 || failures.length > 0;
    let outcome = failed ? 'fail' : 'pass';
    if (expectFail.has(row.scenario)) outcome = failed ? 'expected-fail' : 'stale-expectation';
    if (failed && failures.length === 0) {
      failures.push({ id: row.scenario, message: 'failed (no checks.json; see the suite log)' });
    }
    return { ...row, warnings: warnings.length, outcome, failures, warningDetails: warnings };
  });
}

function printTable(url, results) {
  const width = Math.max(8, ...results.map((r) => r.scenario.length));
  const mark = { pass: 'PASS', fail: 'FAIL', 'expected-fail': 'XFAIL', 'stale-expectation': 'XPASS' };
  console.log(`\nConformance results for ${url}\n`);
  console.log(`${'scenario'.padEnd(width)}  result  checks passed/failed/warnings`);
  for (const r of results) {
    console.log(
      `${r.scenario.padEnd(width)}  ${mark[r.outcome].padEnd(6)}  ${r.passed}/${r.failed}/${r.warnings}`,
    );
    for (const f of r.failures) console.log(`${''.padEnd(width)}    x ${f.id}: ${f.message}`);
    for (const w of r.warningDetails) console.log(`${''.padEnd(width)}    ! ${w.id}: ${w.message}`);
  }
  const count = (o) => results.filter((r) => r.outcome === o).length;
  console.log(
    `\n${results.length} scenarios: ${count('pass')} passed, ${count('fail')} failed` +
      (count('expected-fail') ? `, ${count('expected-fail')} failed as expected` : '') +
      (count('stale-expectation') ? `, ${count('stale-expectation')} passed despite --expect-fail` : ''),
  );
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) {
    console.error(`conformance: ${CLI} is missing; run npm install`);
    process.exit(2);
  }
  const node = findNode();
  const keep = opts.resultsDir !== undefined;
  const resultsDir = keep ? opts.resultsDir : mkdtempSync(join(tmpdir(), 'ferry-conformance-'));
  mkdirSync(resultsDir, { recursive: true });
  const logFile = join(resultsDir, 'suite.log');

  const base = ['server', '--url', opts.url, '-o', resultsDir];
  if (opts.specVersion) base.push('--spec-version', opts.specVersion);
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  const rows = [];
  let broken;

  try {
    if (opts.scenarios.length > 0) {
      for (const scenario of opts.scenarios) {
        const left = Math.max(1, Math.round((deadline - Date.now()) / 1000));
        const run = await runSuite(node, [...base, '--scenario', scenario], {
          ...opts,
          timeoutSeconds: left,
          logFile,
        });
        const row = parseSingle(run.output, scenario);
        if (!row) {
          broken = `scenario ${scenario}: ${run.timedOut ? 'timed out' : `no result (exit ${run.code ?? run.signal})`}`;
          if (!opts.verbose) console.error(excerpt(run.output));
          rows.push({ scenario, passed: 0, failed: 1 });
          if (run.timedOut) break;
        } else {
          rows.push(row);
        }
      }
    } else {
      const run = await runSuite(node, [...base, '--suite', opts.suite], { ...opts, logFile });
      const summary = parseSummary(run.output);
      if (!summary || summary.length === 0) {
        broken = run.timedOut
          ? `timed out after ${opts.timeoutSeconds}s`
          : `no summary from the suite (exit ${run.code ?? run.signal})`;
        if (!opts.verbose) console.error(excerpt(run.output));
      } else {
        rows.push(...summary);
      }
    }

    const results = summarise(rows, readChecks(resultsDir), opts.expectFail);
    if (results.length > 0) printTable(opts.url, results);
    const ok =
      broken === undefined && results.every((r) => r.outcome === 'pass' || r.outcome === 'expected-fail');
    if (opts.json) {
      writeFileSync(
        opts.json,
        JSON.stringify(
          { url: opts.url, suite: opts.scenarios.length ? null : opts.suite, ok, broken, results },
          null,
          2,
        ),
      );
    }
    if (keep) console.log(`Raw results: ${resultsDir}`);
    if (broken) {
      console.error(`conformance: the suite did not complete: ${broken}`);
      process.exitCode = 2;
    } else {
      process.exitCode = ok ? 0 : 1;
    }
  } finally {
    if (!keep) rmSync(resultsDir, { recursive: true, force: true });
  }
}

await main();
