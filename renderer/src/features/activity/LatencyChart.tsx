import type { CallRow } from '../../state/store.js';
import { duration, percentile } from '../../util/format.js';
import { chartTop } from './scale.js';

const WIDTH = 640;
const HEIGHT = 120;
const PAD = 4;

/**
 * Durations of the latest finished calls as bars, oldest on the left, with the median and 95th percentile
 * as lines: inline SVG, described in words for screen readers. The scale ignores outliers (they are drawn
 * cut, with a mark), and each bar opens its call's row.
 */
export function LatencyChart({
  calls,
  max = 60,
  onSelect,
}: {
  calls: readonly CallRow[];
  max?: number;
  onSelect: (callId: string) => void;
}) {
  const finished = calls.filter((c) => c.durationMs !== undefined).slice(-max);
  if (finished.length === 0) return null;
  const values = finished.map((c) => c.durationMs as number);
  const p50 = percentile(values, 50) ?? 0;
  const p95 = percentile(values, 95) ?? 0;
  const slowest = Math.max(...values, 1);
  const { top } = chartTop(values);
  // At least 24 slots, so a handful of calls do not become a few fat bars; they fill in from the right.
  const slots = Math.max(24, finished.length);
  const slot = (WIDTH - PAD * 2) / slots;
  const barWidth = Math.max(2, slot * 0.7);
  const y = (ms: number) => HEIGHT - PAD - (Math.min(ms, top) / top) * (HEIGHT - PAD * 2);
  const summary = `Latency of the last ${finished.length} calls: median ${duration(p50)}, 95th percentile ${duration(p95)}, slowest ${duration(slowest)}.`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} preserveAspectRatio="none">
        {finished.map((call, i) => {
          const ms = call.durationMs as number;
          const h = Math.max(1.5, HEIGHT - PAD - y(ms));
          const x = PAD + (slots - finished.length + i) * slot + (slot - barWidth) / 2;
          const cut = ms > top;
          return (
            <rect
              key={call.callId}
              data-call={call.callId}
              className={`${call.outcome === 'ok' ? 'bar' : 'bar bar-bad'}${cut ? ' bar-cut' : ''}`}
              x={x}
              y={HEIGHT - PAD - h}
              width={barWidth}
              height={h}
              onClick={() => onSelect(call.callId)}
            >
              <title>{`${call.server} ${call.target}: ${duration(ms)} (${call.outcome})${cut ? ', off the scale' : ''}`}</title>
            </rect>
          );
        })}
        <line className="mark" x1={PAD} x2={WIDTH - PAD} y1={y(p50)} y2={y(p50)} />
        <line className="mark mark-p95" x1={PAD} x2={WIDTH - PAD} y1={y(p95)} y2={y(p95)} />
      </svg>
      <figcaption>
        <span className="legend legend-p50">
          median <strong>{duration(p50)}</strong>
        </span>
        <span className="legend legend-p95">
          p95 <strong>{duration(p95)}</strong>
        </span>
        <span>
          slowest <strong>{duration(slowest)}</strong>
          {slowest > top ? ' (cut at the top)' : ''}
        </span>
        <span className="muted">last {finished.length} calls · click a bar for its call</span>
      </figcaption>
    </figure>
  );
}
