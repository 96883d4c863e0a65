import fc from 'fast-check';
import type { EventBus } from '../../src/events/bus.js';

/**
 * The fuzzer's bounds, in one place (issue #16).
 *
 * - FUZZ_SEED: fixed, so CI runs the same inputs every time and a failure replays exactly; FERRY_FUZZ_SEED
 *   tries other inputs.
 * - Runs per property: each file passes its own default, sized so that all fuzz files together stay well
 *   under two minutes on a loaded 2-core machine (an HTTP run costs a few ms, a pure parser run microseconds).
 *   FERRY_FUZZ_RUNS overrides every property's count: `npm run fuzz` sets it high for a longer run on demand.
 * - No shrinking unless FERRY_FUZZ_SHRINK=1: a failing HTTP property then reports its first counterexample at
 *   once instead of spending minutes (past the test timeout) looking for a smaller one.
 */
export const FUZZ_SEED = Number(process.env.FERRY_FUZZ_SEED ?? 16_2026);
const RUNS_OVERRIDE = Number(process.env.FERRY_FUZZ_RUNS);
const SHRINK = process.env.FERRY_FUZZ_SHRINK === '1';
/** Time for a property beyond its runs: setup, shrinking, the liveness checks after it. */
const TIMEOUT_SLACK_MS = 60_000;

export function fuzzRuns(defaultRuns: number): number {
  return Number.isSafeInteger(RUNS_OVERRIDE) && RUNS_OVERRIDE > 0 ? RUNS_OVERRIDE : defaultRuns;
}

export function fuzzOptions(defaultRuns: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: fuzzRuns(defaultRuns), endOnFailure: !SHRINK };
}

/** A vitest timeout for a property of `defaultRuns` runs of up to `perRunMs` each (scaled by the override). */
export function fuzzTimeout(defaultRuns: number, perRunMs: number): number {
  return (SHRINK ? 10 : 1) * TIMEOUT_SLACK_MS + fuzzRuns(defaultRuns) * perRunMs;
}

/** Printable ASCII: what a header value may hold (fetch refuses the rest before sending). */
export const headerText = (maxLength = 40) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

/** Any text, including lone surrogates and control characters. */
export const anyText = (maxLength = 200) => fc.string({ unit: 'binary', maxLength });

/**
 * Watches for what a fuzz run must never cause: an unhandled rejection anywhere in this process (the core
 * runs in it), and the `log` events the listeners emit when a handler threw (`request failed`,
 * `internal error`).
 */
export function watchCrashes(bus?: EventBus): { problems: () => string[]; stop: () => void } {
  const rejections: string[] = [];
  const onRejection = (reason: unknown) => rejections.push(`unhandledRejection: ${String(reason)}`);
  process.on('unhandledRejection', onRejection);
  const logged: string[] = [];
  const unsubscribe = bus?.subscribe((event) => {
    if (
      event.type === 'log' &&
      event.level === 'error' &&
      /request failed|internal error/i.test(event.message)
    )
      logged.push(`log: ${event.source}: ${event.message}`);
  });
  return {
    problems: () => [...rejections, ...logged],
    stop: () => {
      process.off('unhandledRejection', onRejection);
      unsubscribe?.();
    },
  };
}
