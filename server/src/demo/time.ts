/** Clock reading for the demo's `current_time` tool, in any IANA time zone the runtime knows. */

export interface TimeReading {
  /** The instant in UTC, e.g. 2025-03-01T12:00:00.000Z. */
  utc: string;
  unixSeconds: number;
  /** The zone as asked for, spelled as ICU spells it: "Europe/Paris" when asked for "europe/paris". */
  timeZone: string;
  /** Wall-clock time in that zone with its offset, e.g. 2025-03-01T13:00:00+01:00. */
  local: string;
  date: string;
  time: string;
  weekday: string;
  /** "+01:00", "-05:30" or "+00:00". */
  utcOffset: string;
}

/**
 * The zone's name with ICU's spelling ("europe/paris" becomes "Europe/Paris"), or undefined when the
 * runtime does not know it. An alias keeps the caller's name: ICU resolves "Asia/Kolkata" to the
 * legacy "Asia/Calcutta", which would read as a wrong answer.
 */
export function canonicalTimeZone(timeZone: string): string | undefined {
  if (timeZone.trim() === '') return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    // Intl reports an unknown zone with a RangeError; that is the only expected failure here.
    return undefined;
  }
  return resolved.toLowerCase() === timeZone.toLowerCase() ? resolved : timeZone;
}

/** The machine's own zone, which is what "what time is it" means when no zone is named. */
export function systemTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Reads `instant` in `timeZone`; throws a RangeError naming the zone if it is unknown. */
export function readClock(instant: Date, timeZone: string = systemTimeZone()): TimeReading {
  const zone = canonicalTimeZone(timeZone);
  if (zone === undefined) {
    throw new RangeError(`Unknown time zone "${timeZone}"; use an IANA name such as "Europe/Paris" or "UTC"`);
  }
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    // h23, not hour12: false, which some ICU versions render as "24" for midnight.
    hourCycle: 'h23',
    weekday: 'long',
    timeZoneName: 'longOffset',
  }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? '';

  const date = `${part('year')}-${part('month')}-${part('day')}`;
  const time = `${part('hour')}:${part('minute')}:${part('second')}`;
  // longOffset renders as "GMT+01:00"; some ICU versions render a zero offset as plain "GMT".
  const utcOffset = part('timeZoneName').replace(/^GMT/, '') || '+00:00';

  return {
    utc: instant.toISOString(),
    unixSeconds: Math.floor(instant.getTime() / 1000),
    timeZone: zone,
    local: `${date}T${time}${utcOffset}`,
    date,
    time,
    weekday: part('weekday'),
    utcOffset,
  };
}
