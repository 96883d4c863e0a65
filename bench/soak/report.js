// The soak's result: figures per minute, faults, leftovers, and the verdict (what makes the exit code).
import { SOAK } from './settings.js';

export function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const ms = (value) => (value === undefined ? '–' : value < 10 ? value.toFixed(2) : value.toFixed(0));
const mb = (bytes) => (bytes === undefined ? '–' : (bytes / 1048576).toFixed(1));

/**
 * Growth of Ferry's RSS after a forced full GC, from the end of minute 2 to the end of the run. After a GC,
 * so garbage not yet collected (which comes and goes with load and faults) is not mistaken for a leak.
 */
export function memoryGrowth(afterGc) {
  const from = afterGc.find((m) => m.minute === 1);
  const to = afterGc.at(-1);
  if (!from || !to || to === from) return undefined;
  return {
    from: from.rss,
    to: to.rss,
    heapFrom: from.heapUsed,
    heapTo: to.heapUsed,
    growth: (to.rss - from.rss) / from.rss,
  };
}

export function verdict({ recorder, faults, leftovers, growth, minutes }) {
  const problems = [];
  if (recorder.totals.wrong > 0) problems.push(`${recorder.totals.wrong} wrong answers`);
  if (leftovers.length > 0) problems.push(`${leftovers.length} processes left behind`);
  for (const fault of faults) {
    if (fault.skipped) continue;
    if (fault.recoveredMs === undefined)
      problems.push(`fault "${fault.name}" not recovered (${fault.detail ?? fault.error ?? ''})`);
  }
  if (minutes >= SOAK.memoryMinMinutes && growth && growth.growth >= SOAK.maxMemoryGrowth) {
    problems.push(`memory grew ${(growth.growth * 100).toFixed(1)} % from minute 2 to the end`);
  }
  if (minutes >= SOAK.memoryMinMinutes && !growth)
    problems.push('no memory samples for minute 2 or the last minute');
  return problems;
}

export function render({
  machine,
  minutes,
  recorder,
  samples,
  afterGc,
  faults,
  leftovers,
  growth,
  problems,
  startedIso,
}) {
  const lines = [];
  lines.push(`# Ferry soak: ${minutes} minute${minutes === 1 ? '' : 's'}`, '');
  lines.push(`Started ${startedIso}. ${machine}`, '');
  const { ok, failed, wrong } = recorder.totals;
  lines.push(`**Calls answered correctly: ${ok}. Failed: ${failed}. Wrong answers: ${wrong}.**`, '');
  if (recorder.causes.size > 0) {
    lines.push('| Failed calls by cause | Calls |', '|---|---:|');
    for (const [cause, count] of [...recorder.causes].sort((a, b) => b[1] - a[1]))
      lines.push(`| ${cause} | ${count} |`);
    lines.push('');
  }
  if (recorder.wrongExamples.length > 0) {
    lines.push('Wrong answers (first ones):', '', ...recorder.wrongExamples.map((w) => `- ${w}`), '');
  }
  lines.push(
    '| Minute | Answered | Failed | Wrong | p50 ms | p99 ms | Ferry RSS MB | RSS after GC MB | Heap after GC MB | Open fds | Child processes |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  recorder.minutes.forEach((m, i) => {
    const inMinute = samples.filter((s) => s.minute === i);
    const last = inMinute.at(-1);
    const gc = afterGc.filter((g) => g.minute === i).at(-1);
    lines.push(
      `| ${i + 1} | ${m.ok} | ${m.failed} | ${m.wrong} | ${ms(percentile(m.latencies, 50))} | ${ms(percentile(m.latencies, 99))} | ${mb(last?.rss)} | ${mb(gc?.rss)} | ${mb(gc?.heapUsed)} | ${last?.fds ?? '–'} | ${last?.children ?? '–'} |`,
    );
  });
  lines.push('');
  lines.push(
    growth
      ? `Memory of ferry serve after a forced full GC: RSS ${mb(growth.from)} MB at the end of minute 2, ${mb(growth.to)} MB at the end, growth ${(growth.growth * 100).toFixed(1)} % (limit ${SOAK.maxMemoryGrowth * 100} % for runs of ${SOAK.memoryMinMinutes} minutes or more); JS heap ${mb(growth.heapFrom)} MB -> ${mb(growth.heapTo)} MB. "Ferry RSS" is the last 5 s sample of each minute, garbage included.`
      : 'Memory growth: not measured (no figure for minute 2 and a later one).',
    '',
  );
  lines.push('| Fault | Injected at | Recovered after | Bound | Detail |', '|---|---:|---:|---:|---|');
  for (const fault of faults) {
    const recovered = fault.skipped
      ? `skipped: ${fault.skipped}`
      : fault.recoveredMs === undefined
        ? '**not recovered**'
        : `${(fault.recoveredMs / 1000).toFixed(2)} s`;
    lines.push(
      `| ${fault.name} | ${(fault.atS ?? 0).toFixed(1)} s | ${recovered} | ${SOAK.recoveryMs[fault.name] / 1000} s | ${(fault.detail ?? fault.error ?? '').replace(/\|/g, '/').replace(/\n/g, ' ')} |`,
    );
  }
  lines.push('');
  lines.push(
    `Processes left behind after stop (Ferry's whole tree, the fake cloudflared and every child it ran): ${leftovers.length}` +
      (leftovers.length ? `: ${leftovers.map((l) => `${l.pid} (${l.cmd})`).join('; ')}` : ''),
    '',
  );
  lines.push(problems.length === 0 ? '**PASS**' : `**FAIL**: ${problems.join('; ')}`);
  return `${lines.join('\n')}\n`;
}
