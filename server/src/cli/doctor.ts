import type { ParseArgsOptionsConfig } from 'node:util';
import { runDoctor } from '../doctor/index.js';
import type { CheckResult, DoctorReport, ToolChoice } from '../doctor/index.js';
import { parseCommand, UsageError } from './args.js';
import { DOCTOR_OPTIONS, DOCTOR_USAGE } from './usage.js';
import { bold, dim, green, red, safe, yellow } from './render.js';

const MARK: Record<CheckResult['verdict'], string> = {
  pass: green('✓'),
  warn: yellow('!'),
  fail: red('✗'),
  skip: dim('-'),
};

/** One line per check; what Claude needs and the fix under failures, the fix under warnings. */
export function renderCheck(check: CheckResult): string {
  // Details quote what the checked server answered (its name, its errors): text it chose.
  const ms = check.evidence && check.verdict !== 'skip' ? dim(` (${Math.round(check.evidence.ms)} ms)`) : '';
  const detail = check.verdict === 'skip' ? dim(`skipped: ${safe(check.detail)}`) : safe(check.detail);
  const lines = [`  ${MARK[check.verdict]} ${bold(check.title)}: ${detail}${ms}`];
  if (check.verdict === 'fail') lines.push(`      ${dim('Claude needs:')} ${safe(check.need)}`);
  if ((check.verdict === 'fail' || check.verdict === 'warn') && check.fix) {
    lines.push(`      ${check.verdict === 'fail' ? red('fix:') : yellow('fix:')} ${safe(check.fix)}`);
  }
  return lines.join('\n');
}

export function renderSummary(report: DoctorReport): string {
  const counts = (['pass', 'warn', 'fail', 'skip'] as const)
    .map((v) => [v, report.checks.filter((c) => c.verdict === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(
      ([v, n]) =>
        `${n} ${v === 'pass' ? 'passed' : v === 'warn' ? 'warned' : v === 'fail' ? 'failed' : 'skipped'}`,
    )
    .join(', ');
  const color = report.verdict === 'fail' ? red : report.verdict === 'warn' ? yellow : green;
  const lines = [
    '',
    `${color(bold('Summary:'))} ${safe(report.summary)}`,
    dim(`${counts} in ${(report.durationMs / 1000).toFixed(1)} s.`),
  ];
  if (report.testClientId) {
    lines.push(
      dim(`The registration check created the OAuth client ${report.testClientId}; it was never approved.`),
    );
  }
  return lines.join('\n');
}

function toolChoice(
  name: string | undefined,
  args: string | undefined,
  flag: string,
): ToolChoice | undefined {
  if (name === undefined) {
    if (args !== undefined) throw new UsageError(`--${flag}-args needs --${flag} <tool>`);
    return undefined;
  }
  if (args === undefined) return { name, arguments: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw new UsageError(`--${flag}-args must be a JSON object, not ${args}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--${flag}-args must be a JSON object, not ${args}`);
  }
  return { name, arguments: parsed as Record<string, unknown> };
}

const DOCTOR_CLI_OPTIONS = {
  json: { type: 'boolean', default: false },
  token: { type: 'string' },
  timeout: { type: 'string' },
  call: { type: 'string' },
  'call-args': { type: 'string' },
  slow: { type: 'string' },
  'slow-args': { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

/** `ferry doctor <url>`: replays Claude's connector handshake against the URL and explains each step. */
export async function runDoctorCli(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, DOCTOR_CLI_OPTIONS, DOCTOR_USAGE, true);
  if (positionals.length !== 1) {
    throw new UsageError(
      `ferry doctor takes one URL, e.g. ferry doctor https://<name>.trycloudflare.com/mcp\n\n${DOCTOR_OPTIONS}`,
    );
  }
  const url = positionals[0] as string;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new UsageError(
      `"${url}" is not an http(s) URL; give the connector URL, e.g. https://<name>.trycloudflare.com/mcp`,
    );
  }
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) {
      throw new UsageError(`--timeout must be a number of seconds from 0.1 to 600, not "${values.timeout}"`);
    }
    timeoutMs = Math.max(100, Math.round(seconds * 1000));
  }
  const callTool = toolChoice(values.call, values['call-args'], 'call');
  const slowTool = toolChoice(values.slow, values['slow-args'], 'slow');
  const token = values.token ?? (process.env.FERRY_DOCTOR_TOKEN || undefined);

  if (!values.json) console.log(`${bold('Ferry doctor')} ${dim('—')} ${url}`);
  const report = await runDoctor({
    url,
    ...(token ? { token } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(callTool ? { callTool } : {}),
    ...(slowTool ? { slowTool } : {}),
    ...(values.json ? {} : { onCheck: (check: CheckResult) => console.log(renderCheck(check)) }),
  });
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(renderSummary(report));
  return report.checks.some((c) => c.verdict === 'fail') ? 1 : 0;
}
