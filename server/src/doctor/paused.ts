import { overallVerdict, summarize } from './causes.js';
import type { DoctorReport } from './types.js';

/**
 * A report taken while Ferry was paused: every failed check is put down to the pause (a stopped tunnel
 * looks like an unreachable host, a paused listener like a broken endpoint), so the summary names the one
 * thing to do, resume.
 */
export function pausedReport(report: DoctorReport): DoctorReport {
  const checks = report.checks.map((check) =>
    check.verdict === 'fail' ? { ...check, cause: 'ferry-paused' as const } : check,
  );
  const { summary, cause } = summarize(checks);
  const { cause: _previous, ...rest } = report;
  return { ...rest, checks, verdict: overallVerdict(checks), summary, ...(cause ? { cause } : {}) };
}
