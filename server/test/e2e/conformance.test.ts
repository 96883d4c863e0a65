/**
 * The official conformance suite (@modelcontextprotocol/conformance, pinned) against a real `ferry serve`
 * wrapping server/test/fixtures/conformance-server.ts, once per frozen requirement set: 2025-11-25
 * (stateful handshake) and 2026-07-28 (stateless, per-request _meta, input_required rounds). Ferry
 * serves both wires on the same URLs. docs/conformance.md lists every scenario and why it passes or
 * fails on /mcp/<server> and on the aggregated /mcp.
 */
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, node, repoRoot } from '../helpers/fixtures.js';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.js';

type Outcome = 'pass' | 'fail' | 'expected-fail' | 'stale-expectation';

interface Summary {
  ok: boolean;
  broken?: string;
  results: { scenario: string; scored: boolean; outcome: Outcome }[];
}

/**
 * Bounds of one requirement-set run, in one place. A run is 33 (2025-11-25) or 50 (2026-07-28)
 * scenarios one after another: ~10-20 s with a shared child, but 1.5-2 min per session-per-child
 * (every session starts a fixture, 1-2 s each on a loaded 2-core machine). Each scenario gets the
 * suite's own limit; the whole run a cap inside the vitest timeout, so a hung run still ends with the
 * script's summary rather than a kill.
 */
const SCENARIO_TIMEOUT_MS = 20_000;
const RUN_CAP_SECONDS = 240;
const RUN_TEST_TIMEOUT_MS = (RUN_CAP_SECONDS + 20) * 1000;

/** Runs scripts/conformance.mjs --requirements <revision> against a URL; resolves with its summary. */
async function runRequirements(
  url: string,
  revision: '2025-11-25' | '2026-07-28',
  expectFail: readonly string[] = [],
): Promise<{ code: number; summary: Summary; output: string }> {
  const json = path.join(
    os.tmpdir(),
    `ferry-conformance-${process.pid}-${Math.random().toString(36).slice(2)}.json`,
  );
  const args = [
    path.join(repoRoot, 'scripts/conformance.mjs'),
    url,
    '--requirements',
    revision,
    '--json',
    json,
    '--timeout',
    String(RUN_CAP_SECONDS),
    '--scenario-timeout',
    String(SCENARIO_TIMEOUT_MS),
    ...expectFail.flatMap((name) => ['--expect-fail', name]),
  ];
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      node,
      args,
      { timeout: RUN_TEST_TIMEOUT_MS - 5_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error.code as number | undefined) ?? 1) : 0, output: stdout + stderr }),
    );
  });
  try {
    const summary = JSON.parse(await readFile(json, 'utf8')) as Summary;
    return { code, summary, output };
  } catch {
    throw new Error(`conformance produced no summary (exit ${code}):\n${output}`);
  } finally {
    await rm(json, { force: true });
  }
}

const notPassingScored = (summary: Summary): string[] =>
  summary.results.filter((r) => r.scored && r.outcome !== 'pass').map((r) => r.scenario);

/** Every scored scenario passes; not-scored ones ran but are only reported. */
function expectAllScoredPass(run: Awaited<ReturnType<typeof runRequirements>>, scored: number): void {
  expect(notPassingScored(run.summary), run.output).toEqual([]);
  expect(run.summary.results.filter((r) => r.scored)).toHaveLength(scored);
  expect(run.summary.broken, run.output).toBeUndefined();
  expect(run.code, run.output).toBe(0);
}

/** On the aggregated /mcp, exactly the name-dependent scored scenarios fail, and nothing else. */
function expectOnlyRenamedFail(
  run: Awaited<ReturnType<typeof runRequirements>>,
  renamed: readonly string[],
): void {
  expect(notPassingScored(run.summary).sort(), run.output).toEqual([...renamed].sort());
  expect(run.summary.results.filter((r) => r.scored && r.outcome === 'expected-fail')).toHaveLength(
    renamed.length,
  );
  expect(run.summary.broken, run.output).toBeUndefined();
  expect(run.code, run.output).toBe(0);
}

const fixtureServer = { command: node, args: [fixture('conformance-server.ts')] };

// Scored scenarios that call a tool or prompt by its original name cannot pass on the aggregated /mcp,
// where every name carries its server's prefix (`conformance__test_simple_text`). docs/conformance.md
// explains each. json-schema-2020-12 and server-sse-polling also name tools, but are not scored.
// These are scored in both requirement sets.
const RENAMED_ON_AGGREGATE = [
  'completion-complete',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-error',
  'tools-call-with-progress',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
];

// 2025-11-25 also scores the tool calls that log, sample and elicit by name.
const RENAMED_ON_AGGREGATE_2025 = [
  ...RENAMED_ON_AGGREGATE,
  'tools-call-with-logging',
  'tools-call-sampling',
  'tools-call-elicitation',
  'elicitation-sep1034-defaults',
  'elicitation-sep1330-enums',
];

const RENAMED_ON_AGGREGATE_2026 = [
  ...RENAMED_ON_AGGREGATE,
  'server-stateless',
  'input-required-result-basic-elicitation',
  'input-required-result-basic-sampling',
  'input-required-result-basic-list-roots',
  'input-required-result-request-state',
  'input-required-result-multiple-input-requests',
  'input-required-result-multi-round',
  'input-required-result-non-tool-request',
  'input-required-result-result-type',
  'input-required-result-tampered-state',
  'input-required-result-capability-check',
];

// The tasks extension's scenarios (not scored) that pass through Ferry's translation of the extension to
// the child's 2025-11-25 tasks (docs/protocol.md "Tasks").
const TASKS_PASSING_2026: readonly string[] = [
  'tasks-capability-negotiation',
  'tasks-dispatch-and-envelope',
  'tasks-lifecycle',
  'tasks-mrtr-composition',
  'tasks-mrtr-input',
  'tasks-request-headers',
  'tasks-request-state-removal',
  'tasks-required-task-error',
  'tasks-status-notifications',
  'tasks-wire-fields',
];

/**
 * A `ferry serve` over the conformance fixture as `server`, for the enclosing describe; it must exit
 * cleanly. Returns its MCP URL: `/mcp/<server>` given a server, the aggregated `/mcp` without.
 */
function useConformanceFerry(server: string, ferry: Record<string, unknown> = {}): (name?: string) => string {
  let running: ServeProcess | undefined;
  beforeAll(async () => {
    running = await startServeProcess({
      mcpServers: { [server]: fixtureServer },
      // The conformance fixture's tools carry no annotations: "ask" would park the suite's calls.
      ferry: { ...ferry, toolPolicy: { default: 'allow' } },
    });
  }, 30_000);
  afterAll(async () => {
    expect(await running?.stop()).toBe(0);
  });
  return (name) => {
    if (!running) throw new Error('the conformance Ferry runs only inside its tests');
    return name ? `${running.runtime.mcpUrl}/${name}` : running.runtime.mcpUrl;
  };
}

// A Ferry for each revision: a 2026 run abandons several input_required rounds (the suite never answers
// them), and those parked calls hold a tools/call open on the shared child until their TTL (5 min).
// Kept away from the 2025 runs, they can neither confuse them nor fill the per-client park cap.
describe.each([
  { revision: '2025-11-25', scored: 30, renamed: RENAMED_ON_AGGREGATE_2025, tasks: undefined },
  { revision: '2026-07-28', scored: 37, renamed: RENAMED_ON_AGGREGATE_2026, tasks: TASKS_PASSING_2026 },
] as const)(
  'official MCP conformance suite, requirements $revision, through ferry serve',
  ({ revision, scored, renamed, tasks }) => {
    describe('shared child, and the aggregated /mcp', () => {
      const mcpUrl = useConformanceFerry('conformance');

      it(
        'passes every scored scenario on /mcp/<server> with a shared child',
        { timeout: RUN_TEST_TIMEOUT_MS },
        async () => {
          const run = await runRequirements(mcpUrl('conformance'), revision);
          expectAllScoredPass(run, scored);
          if (!tasks) return;
          // Not scored, but run: the tasks extension's scenarios Ferry translates to the child's tasks.
          const ran = run.summary.results.filter((r) => r.scenario.startsWith('tasks-'));
          expect(ran).toHaveLength(tasks.length);
          const passed = ran.filter((r) => r.outcome === 'pass').map((r) => r.scenario);
          expect(passed.sort(), run.output).toEqual([...tasks].sort());
        },
      );

      it(
        'fails on the aggregated /mcp only where names are prefixed',
        { timeout: RUN_TEST_TIMEOUT_MS },
        async () => {
          expectOnlyRenamedFail(await runRequirements(mcpUrl(), revision, renamed), renamed);
        },
      );
    });
  },
);

// A Ferry of its own, so the aggregated run above does not start a child per session as well.
//
// The 2025-11-25 run only: on the 2026-07-28 wire a per-session server gets one child per OAuth client,
// which this no-token suite run cannot tell apart from a shared one (stateless-per-session.test.ts covers it).
describe('official MCP conformance suite, requirements 2025-11-25, through ferry serve', () => {
  describe('a child per session', () => {
    const mcpUrl = useConformanceFerry('isolated', { servers: { isolated: { sessionMode: 'per-session' } } });

    it(
      'passes every scored scenario on /mcp/<server> with a child per session',
      { timeout: RUN_TEST_TIMEOUT_MS },
      async () => {
        expectAllScoredPass(await runRequirements(mcpUrl('isolated'), '2025-11-25'), 30);
      },
    );
  });
});
