import { percentile } from '../../util/format.js';

/**
 * How far above the 95th percentile the chart's top may reach before the slowest calls are drawn cut
 * (with a mark): three times it, so ordinary spread stays true to scale while one 30 s call among 5 ms
 * calls does not flatten every other bar to a pixel.
 */
export const OUTLIER_FACTOR = 3;

/** The chart's top value, and whether some calls are taller (drawn cut at the top). */
export function chartTop(values: readonly number[]): { top: number; clipped: boolean } {
  const max = Math.max(...values, 1);
  const p95 = percentile(values, 95) ?? max;
  const cap = Math.max(p95 * OUTLIER_FACTOR, 1);
  return max > cap ? { top: cap, clipped: true } : { top: max, clipped: false };
}
