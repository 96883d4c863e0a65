import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, node, repoRoot } from '../helpers/fixtures.js';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.js';

interface Summary {
  ok: boolean;
  results: { scenario: string; outcome: 'pass' | 'fail' | 'expected-fail' | 'stale-expectation' }[];
}

/** Runs the official suite (scripts/conformance.mjs) against a URL; resolves with its summary and exit code. */
function runSuite(
  url: string,
  extra: string[] = [],
): Promise<{ code: number; summary: Summary; output: string }> {
  const json = path.join(
    os.tmpdir(),
    `ferry-conformance-${process.pid}-${Math.random().toString(36).slice(2)}.json`,
  );
  return new Promise((resolve, reject) => {
    execFile(
      node,
      [
        path.join(repoRoot, 'scripts/conformance.mjs'),
        url,
        '--suite',
        'all',
        '--json',
        json,
        '--timeout',
        '240',
        ...extra,
      ],
      { timeout: 250_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        readFile(json, 'utf8').then(
          (text) =>
            resolve({
              code: error ? ((error.code as number | undefined) ?? 1) : 0,
              summary: JSON.parse(text) as Summary,
              output: stdout + stderr,
            }),
          () => reject(new Error(`conformance produced no summary:\n${stdout}\n${stderr}`)),
        );
      },
    );
  });
}

// Scenarios that call a tool or prompt by its original name cannot pass on the aggregated /mcp, where
// every name carries its server's prefix (docs/conformance.md explains each).
const RENAMED_ON_AGGREGATE = [
  'completion-complete',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-with-logging',
  'tools-call-error',
  'tools-call-with-progress',
  'tools-call-sampling',
  'tools-call-elicitation',
  'json-schema-2020-12',
  'elicitation-sep1034-defaults',
  'elicitation-sep1330-enums',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
];

describe('official MCP conformance suite through ferry serve', () => {
  let ferry: ServeProcess;

  beforeAll(async () => {
    const server = { command: node, args: [fixture('conformance-server.ts')] };
    ferry = await startServeProcess({
      mcpServers: { conformance: server, isolated: server },
      // The conformance fixture's tools carry no annotations: "ask" would park the suite's calls.
      ferry: { servers: { isolated: { sessionMode: 'per-session' } }, toolPolicy: { default: 'allow' } },
    });
  }, 30_000);
  afterAll(async () => {
    expect(await ferry.stop()).toBe(0);
  });

  it('passes every scenario on /mcp/<server> with a shared child', { timeout: 260_000 }, async () => {
    const run = await runSuite(`${ferry.runtime.mcpUrl}/conformance`);
    expect(
      run.summary.results.filter((r) => r.outcome !== 'pass').map((r) => r.scenario),
      run.output,
    ).toEqual([]);
    expect(run.summary.results.length).toBeGreaterThanOrEqual(30);
    expect(run.code).toBe(0);
  });

  it('passes every scenario on /mcp/<server> with a child per session', { timeout: 260_000 }, async () => {
    const run = await runSuite(`${ferry.runtime.mcpUrl}/isolated`);
    expect(
      run.summary.results.filter((r) => r.outcome !== 'pass').map((r) => r.scenario),
      run.output,
    ).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('fails on the aggregated /mcp only where names are prefixed', { timeout: 260_000 }, async () => {
    const run = await runSuite(
      ferry.runtime.mcpUrl,
      RENAMED_ON_AGGREGATE.flatMap((name) => ['--expect-fail', name]),
    );
    const failed = run.summary.results.filter((r) => r.outcome !== 'pass').map((r) => r.scenario);
    expect(failed.sort()).toEqual([...RENAMED_ON_AGGREGATE].sort());
    expect(run.summary.results.filter((r) => r.outcome === 'expected-fail')).toHaveLength(
      RENAMED_ON_AGGREGATE.length,
    );
    expect(run.code, run.output).toBe(0);
  });
});
