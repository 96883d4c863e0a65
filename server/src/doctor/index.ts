import { lookup as dnsLookup } from 'node:dns/promises';
import { claudeUser, challengeGetHead, challengePost } from './checks/challenge.js';
import {
  asMetadata,
  asPkce,
  asRegistration,
  prmResource,
  prmRoot,
  prmSuffixed,
  rootAliases,
} from './checks/metadata.js';
import { authorizeScope, registration } from './checks/oauth.js';
import { connectorPath } from './checks/path.js';
import { reachability, tls } from './checks/reach.js';
import {
  closeSession,
  discover,
  modernWire,
  initialize,
  initializedNotification,
  keepalive,
  sseFlush,
  toolCall,
  toolsList,
} from './checks/session.js';
import { overallVerdict, summarize } from './causes.js';
import type { CheckSpec, DoctorContext } from './context.js';
import { Probe } from './probe.js';
import type { CheckResult, DoctorAdvice, DoctorLookup, DoctorOptions, DoctorReport } from './types.js';

export type * from './types.js';
export { CAUSES } from './causes.js';
export { ConnectionTimeline } from './timeline.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_BUDGET_MS = 120_000;
export const DEFAULT_SSE_WAIT_MS = 20_000;

/**
 * The checks in the order Claude's connector backend meets them (claude-connector.md's sequence table). The
 * ones marked `needsToken` replay what follows sign-in and run only with an access token.
 */
export const CHECKS: readonly CheckSpec[] = [
  reachability,
  tls,
  connectorPath,
  challengePost,
  challengeGetHead,
  prmSuffixed,
  prmRoot,
  prmResource,
  asMetadata,
  asPkce,
  asRegistration,
  rootAliases,
  registration,
  authorizeScope,
  claudeUser,
  initialize,
  initializedNotification,
  discover,
  modernWire,
  toolsList,
  toolCall,
  sseFlush,
  keepalive,
];

/** What a skipped check tells a terminal user to do (the window passes its own words). */
export const CLI_ADVICE: DoctorAdvice = {
  token: 'needs an access token (ferry doctor <url> --token <token>)',
  callTool: 'name one to call it (ferry doctor --call <tool>)',
  slowTool: 'no slow tool named (ferry doctor --slow <tool>)',
};

const systemLookup: DoctorLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

function positive(value: number | undefined, fallback: number, min: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min)
    throw new RangeError(`${name} must be a number >= ${min}, not ${value}`);
  return value;
}

/**
 * Replays Claude's connector handshake against `options.url` from the outside and explains each step.
 * Never throws for anything the server does (that is what the report is for); throws RangeError for
 * nonsensical options. The registration check creates one OAuth client: its id is `testClientId`.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const timeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, 100, 'timeoutMs');
  const budgetMs = positive(options.budgetMs, DEFAULT_BUDGET_MS, 100, 'budgetMs');
  const sseWaitMs = positive(options.sseWaitMs, DEFAULT_SSE_WAIT_MS, 0, 'sseWaitMs');
  const startedAt = new Date();
  const started = performance.now();
  let url: URL | undefined;
  try {
    url = new URL(options.url);
  } catch {
    url = undefined;
  }
  const ctx: DoctorContext = {
    raw: options.url,
    url,
    token: options.token || undefined,
    clientName: options.clientName ?? 'claude-ai',
    advice: { ...CLI_ADVICE, ...options.advice },
    callTool: options.callTool,
    slowTool: options.slowTool,
    sseWaitMs,
    probe: new Probe({
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      timeoutMs,
      budgetMs,
      ...(options.signal ? { signal: options.signal } : {}),
    }),
    lookup: options.lookup ?? systemLookup,
    loopback: false,
    noAuth: false,
    nextId: 1,
  };
  const checks: CheckResult[] = [];
  let mintProblem: string | undefined;
  try {
    for (const spec of CHECKS) {
      if (spec.needsToken && !ctx.token && options.mintToken && mintProblem === undefined) {
        // Only once the checks before sign-in got this far: no token is made for a server never reached.
        if (!spec.skipIf?.(ctx) && ctx.probe.remainingMs() > 0 && !options.signal?.aborted) {
          try {
            ctx.token = await options.mintToken();
          } catch (error) {
            mintProblem = `no access token could be made for this URL: ${(error as Error).message}`;
          }
        }
      }
      const result = await runCheck(spec, ctx, options.signal, mintProblem);
      checks.push(result);
      options.onCheck?.(result);
    }
  } finally {
    await closeSession(ctx).catch(() => undefined);
  }
  const { summary, cause } = summarize(checks);
  return {
    url: options.url,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    checks,
    verdict: overallVerdict(checks),
    summary,
    ...(cause ? { cause } : {}),
    ...(ctx.testClientId ? { testClientId: ctx.testClientId } : {}),
  };
}

async function runCheck(
  spec: CheckSpec,
  ctx: DoctorContext,
  signal?: AbortSignal,
  mintProblem?: string,
): Promise<CheckResult> {
  const base = { id: spec.id, title: spec.title, need: spec.need };
  const reason = signal?.aborted
    ? 'the run was aborted'
    : ctx.probe.remainingMs() <= 0
      ? "the doctor's time budget ran out"
      : spec.needsToken && !ctx.token
        ? (mintProblem ?? ctx.advice.token)
        : spec.skipIf?.(ctx);
  if (reason) return { ...base, verdict: 'skip', detail: reason };
  try {
    const outcome = await spec.run(ctx);
    // Cut short by the caller: whatever the check saw says nothing about the server.
    if (signal?.aborted) return { ...base, verdict: 'skip', detail: 'the run was aborted' };
    const read = outcome.evidence ? undefined : spec.reads?.(ctx);
    return { ...base, ...outcome, ...(read ? { evidence: read } : {}) };
  } catch (error) {
    // A bug in a check must not cost the rest of the report, nor be blamed on the server.
    return { ...base, verdict: 'skip', detail: `the doctor could not run this check: ${String(error)}` };
  }
}
