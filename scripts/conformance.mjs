#!/usr/bin/env node
// Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`, server mode) against
// one MCP Streamable HTTP URL, prints a per-scenario pass/fail table and exits non-zero on failure.
//
//   node scripts/conformance.mjs http://127.0.0.1:8790/mcp/conformance --requirements 2026-07-28
//   node scripts/conformance.mjs <url> --requirements 2025-11-25 --expect-fail tools-call-error
//   node scripts/conformance.mjs <url> --suite all --json results.json
//   node scripts/conformance.mjs <url> --scenario tools-call-sampling --scenario ping
//   node scripts/conformance.mjs <url> --expect-fail server-sse-polling
//
// --requirements <revision> runs the suite's frozen requirement set for one spec revision, at that
// revision's wire (stateful handshake through 2025-11-25, stateless 2026-07-28). The set lists scored
// scenarios and not-scored ones (extensions, pending, added later); both run, only scored ones count.
//
// The server behind the URL should be server/test/fixtures/conformance-server.ts (directly, or
// proxied by Ferry at /mcp/<name>); see docs/conformance.md. Plain Node ESM, any Node >= 20: the
// suite itself needs Node >= 22, so it is started with $CONFORMANCE_NODE if set, else with this
// Node if new enough, else with the `node` devDependency's binary in node_modules/.bin.
//
// Exit codes: 0 all scenarios passed (or failed only where --expect-fail / --expect-fail-check allowed
// it; with --requirements, not-scored scenarios never count),
// 1 a scenario failed (or an expected failure passed: stale expectation),
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
const SUITE_DIR = join(ROOT, 'node_modules', '@modelcontextprotocol', 'conformance');
const CLI = join(SUITE_DIR, 'dist', 'index.js');
const REQUIREMENTS_DIR = join(SUITE_DIR, 'requirements');
const SUITES = ['active', 'all', 'pending', 'core', 'draft'];

const USAGE = `Usage: node scripts/conformance.mjs <mcp-url> [options]

Runs \`conformance server\` against <mcp-url> and summarises the result per scenario.

Options:
  --requirements <rev>   run the suite's frozen requirement set for spec revision <rev> (e.g.
                         2025-11-25, 2026-07-28) at that revision's wire; only its scored scenarios
                         count, not-scored ones are reported apart. Excludes --suite, --scenario and
                         --spec-version (the suite refuses to combine them)
  --suite <name>         active (default: every non-pending scenario), all, pending, core, draft
  --scenario <name>      run only this scenario (repeatable; overrides --suite)
  --spec-version <v>     only scenarios of this spec version (passed to the suite)
  --expect-fail <name>   a scenario allowed to fail (repeatable); if it passes, that is reported as
                         a stale expectation and fails the run, like the suite's --expected-failures
  --expect-fail-check <scenario>:<check>
                         one check allowed to fail (repeatable); the scenario passes if every other
                         check does; if that check does not fail, the expectation is stale
  --json <file>          also write the summary as JSON to <file>
  --results-dir <dir>    keep the suite's raw results (checks.json per scenario, suite.log) in <dir>;
                         default: a temporary directory, deleted afterwards
  --timeout <seconds>    give up on the whole run after this long (default 600)
  --scenario-timeout <ms>
                         the suite's own per-scenario limit (its --timeout; suite default 30000)
  --verbose              stream the suite's own output
  -h, --help             show this help`;

function usageError(message) {
  console.error(`conformance: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    url: undefined,
    requirements: undefined,
    suite: 'active',
    suiteGiven: false,
    scenarios: [],
    specVersion: undefined,
    expectFail: new Set(),
    /** scenario -> check ids allowed to fail */
    expectFailChecks: new Map(),
    json: undefined,
    resultsDir: undefined,
    timeoutSeconds: 600,
    scenarioTimeoutMs: undefined,
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
      case '--requirements':
        opts.requirements = value();
        if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.requirements))
          usageError(`--requirements takes one revision date, e.g. 2026-07-28 (got "${opts.requirements}")`);
        break;
      case '--suite':
        opts.suite = value();
        opts.suiteGiven = true;
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
      case '--expect-fail-check': {
        const entry = value();
        const colon = entry.indexOf(':');
        if (colon <= 0 || colon === entry.length - 1)
          usageError(`--expect-fail-check takes <scenario>:<check-id> (got "${entry}")`);
        const scenario = entry.slice(0, colon);
        const checks = opts.expectFailChecks.get(scenario) ?? new Set();
        checks.add(entry.slice(colon + 1));
        opts.expectFailChecks.set(scenario, checks);
        break;
      }
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
      case '--scenario-timeout':
        opts.scenarioTimeoutMs = Number(value());
        if (!Number.isInteger(opts.scenarioTimeoutMs) || opts.scenarioTimeoutMs <= 0)
          usageError('--scenario-timeout must be a whole number of milliseconds > 0');
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
  if (opts.requirements !== undefined) {
    const clash = opts.suiteGiven
      ? '--suite'
      : opts.scenarios.length > 0
        ? '--scenario'
        : opts.specVersion
          ? '--spec-version'
          : undefined;
    if (clash)
      usageError(`--requirements cannot be combined with ${clash}: the requirement set fixes what runs`);
  }
  for (const scenario of opts.expectFailChecks.keys()) {
    if (opts.expectFail.has(scenario))
      usageError(
        `${scenario} is both --expect-fail and --expect-fail-check; the whole-scenario one covers it`,
      );
  }
  let parsed;
  try {
    parsed = new URL(opts.url);
  } catch {
    usageError(`not a URL: ${opts.url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') usageError('the URL must be http(s)');
  return opts;
}

/**
 * The `server:` list (scored) and the `not_scored` entries with `leg: server` of
 * requirements/<rev>.yaml. The files are frozen and flat (two-space `- name` lists, `- scenario:` /
 * `leg:` entries), so a line reader is enough and the script needs no YAML dependency.
 */
function readRequirements(revision) {
  const file = join(REQUIREMENTS_DIR, `${revision}.yaml`);
  if (!existsSync(file)) {
    const known = existsSync(REQUIREMENTS_DIR)
      ? readdirSync(REQUIREMENTS_DIR)
          .filter((f) => f.endsWith('.yaml'))
          .map((f) => f.slice(0, -5))
      : [];
    usageError(
      `no requirement set for ${revision} in the installed suite (known: ${known.join(', ') || 'none'})`,
    );
  }
  const scored = [];
  const notScored = [];
  let section;
  let entry;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trimEnd();
    if (line === '' || line.startsWith('#')) continue;
    const top = /^([a-z_]+):\s*$/.exec(line);
    if (top) {
      section = top[1];
      continue;
    }
    if (section === 'server') {
      const item = /^\s*-\s+(\S+)$/.exec(line);
      if (item) scored.push(item[1]);
    } else if (section === 'not_scored') {
      const start = /^\s*-\s+scenario:\s*(\S+)$/.exec(line);
      if (start) {
        entry = { scenario: start[1], leg: undefined, reason: undefined };
        notScored.push(entry);
        continue;
      }
      const field = /^\s+(leg|reason):\s*(\S+)$/.exec(line);
      if (field && entry) entry[field[1]] = field[2];
    }
  }
  if (scored.length === 0) usageError(`${file} lists no server scenarios`);
  return {
    revision,
    scored,
    notScored: new Map(notScored.filter((e) => e.leg === 'server').map((e) => [e.scenario, e.reason])),
  };
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

function summarise(rows, checksByScenario, { expectFail, expectFailChecks, requirements }) {
  return rows.map((row) => {
    const checks = checksByScenario.get(row.scenario) ?? [];
    const failures = checks
      .filter((c) => c.status === 'FAILURE')
      .map((c) => ({ id: c.id, message: c.errorMessage ?? c.description }));
    const warnings = checks
      .filter((c) => c.status === 'WARNING')
      .map((c) => ({ id: c.id, message: c.errorMessage ?? c.details?.message ?? c.description }));
    const failed = row.failed > 0 || failures.length > 0;
    if (failed && failures.length === 0) {
      failures.push({ id: row.scenario, message: 'failed (no checks.json; see the suite log)' });
    }
    let outcome = failed ? 'fail' : 'pass';
    const staleChecks = [];
    if (expectFail.has(row.scenario)) {
      outcome = failed ? 'expected-fail' : 'stale-expectation';
    } else if (expectFailChecks.has(row.scenario)) {
      const allowed = expectFailChecks.get(row.scenario);
      for (const id of allowed) {
        if (!failures.some((f) => f.id === id)) staleChecks.push(id);
      }
      const unexpected = failures.filter((f) => !allowed.has(f.id));
      if (unexpected.length > 0) outcome = 'fail';
      else if (staleChecks.length > 0) outcome = 'stale-expectation';
      else if (failed) outcome = 'expected-fail';
    }
    const scored = requirements ? requirements.scored.includes(row.scenario) : true;
    const notScoredReason = scored ? undefined : (requirements?.notScored.get(row.scenario) ?? 'not scored');
    return {
      ...row,
      scored,
      notScoredReason,
      warnings: warnings.length,
      outcome,
      failures,
      staleChecks,
      warningDetails: warnings,
    };
  });
}

function printTable(url, results, requirements) {
  const width = Math.max(8, ...results.map((r) => r.scenario.length));
  const mark = { pass: 'PASS', fail: 'FAIL', 'expected-fail': 'XFAIL', 'stale-expectation': 'XPASS' };
  const printRows = (rows) => {
    console.log(`${'scenario'.padEnd(width)}  result  checks passed/failed/warnings`);
    for (const r of rows) {
      const note = r.scored ? '' : `  (not scored: ${r.notScoredReason})`;
      console.log(
        `${r.scenario.padEnd(width)}  ${mark[r.outcome].padEnd(6)}  ${r.passed}/${r.failed}/${r.warnings}${note}`,
      );
      for (const f of r.failures) console.log(`${''.padEnd(width)}    x ${f.id}: ${f.message}`);
      for (const id of r.staleChecks)
        console.log(`${''.padEnd(width)}    ? ${id}: expected to fail, did not`);
      for (const w of r.warningDetails) console.log(`${''.padEnd(width)}    ! ${w.id}: ${w.message}`);
    }
  };
  const scored = results.filter((r) => r.scored);
  const notScored = results.filter((r) => !r.scored);
  console.log(
    `\nConformance results for ${url}${requirements ? ` (requirements ${requirements.revision})` : ''}\n`,
  );
  printRows(scored);
  const count = (o) => scored.filter((r) => r.outcome === o).length;
  console.log(
    `\n${scored.length} ${requirements ? 'scored ' : ''}scenarios: ${count('pass')} passed, ${count('fail')} failed` +
      (count('expected-fail') ? `, ${count('expected-fail')} failed as expected` : '') +
      (count('stale-expectation')
        ? `, ${count('stale-expectation')} passed despite an expected failure`
        : ''),
  );
  if (notScored.length > 0) {
    console.log(`\nNot scored for ${requirements.revision} (reported only, never fails the run):\n`);
    printRows(notScored);
  }
}

/** Scored scenarios the suite should have run but did not report: a broken run, not a pass. */
function missingScored(rows, requirements) {
  const seen = new Set(rows.map((r) => r.scenario));
  return requirements.scored.filter((scenario) => !seen.has(scenario));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) {
    console.error(`conformance: ${CLI} is missing; run npm install`);
    process.exit(2);
  }
  const requirements = opts.requirements ? readRequirements(opts.requirements) : undefined;
  if (requirements) {
    // An expectation on a scenario that does not count, or is not in the set, is a typo or stale.
    for (const scenario of [...opts.expectFail, ...opts.expectFailChecks.keys()]) {
      if (!requirements.scored.includes(scenario))
        usageError(
          `${scenario} is not a scored server scenario of requirements ${requirements.revision}` +
            (requirements.notScored.has(scenario) ? ' (it is not scored, so it never fails the run)' : ''),
        );
    }
  }
  const node = findNode();
  const keep = opts.resultsDir !== undefined;
  const resultsDir = keep ? opts.resultsDir : mkdtempSync(join(tmpdir(), 'ferry-conformance-'));
  mkdirSync(resultsDir, { recursive: true });
  const logFile = join(resultsDir, 'suite.log');

  const base = ['server', '--url', opts.url, '-o', resultsDir];
  if (opts.specVersion) base.push('--spec-version', opts.specVersion);
  if (opts.scenarioTimeoutMs) base.push('--timeout', String(opts.scenarioTimeoutMs));
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
      const selection = requirements ? ['--requirements', requirements.revision] : ['--suite', opts.suite];
      const run = await runSuite(node, [...base, ...selection], { ...opts, logFile });
      const summary = parseSummary(run.output);
      if (!summary || summary.length === 0) {
        broken = run.timedOut
          ? `timed out after ${opts.timeoutSeconds}s`
          : `no summary from the suite (exit ${run.code ?? run.signal})`;
        if (!opts.verbose) console.error(excerpt(run.output));
      } else {
        rows.push(...summary);
        if (requirements) {
          const missing = missingScored(summary, requirements);
          // The suite exits 1 exactly when a scored scenario has a FAILURE; its verdict and the
          // summary must agree, or something other than the scenarios went wrong.
          const scoredFailed = summary.some((r) => r.failed > 0 && requirements.scored.includes(r.scenario));
          if (missing.length > 0) broken = `scored scenarios missing from the summary: ${missing.join(', ')}`;
          else if (run.code !== (scoredFailed ? 1 : 0))
            broken = `the suite exited ${run.code ?? run.signal}, but its summary shows ${scoredFailed ? 'a' : 'no'} failing scored scenario`;
        }
      }
    }

    const results = summarise(rows, readChecks(resultsDir), { ...opts, requirements });
    if (results.length > 0) printTable(opts.url, results, requirements);
    const ok =
      broken === undefined &&
      results.every((r) => !r.scored || r.outcome === 'pass' || r.outcome === 'expected-fail');
    if (opts.json) {
      writeFileSync(
        opts.json,
        JSON.stringify(
          {
            url: opts.url,
            requirements: requirements?.revision ?? null,
            suite: opts.scenarios.length || requirements ? null : opts.suite,
            ok,
            broken,
            results,
          },
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
