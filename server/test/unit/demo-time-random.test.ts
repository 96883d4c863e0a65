import { describe, expect, it } from 'vitest';
import { MAX_RANDOM_BYTES, MAX_RANDOM_COUNT, randomIds } from '../../src/demo/randomId.js';
import { canonicalTimeZone, readClock, systemTimeZone } from '../../src/demo/time.js';

describe('canonicalTimeZone', () => {
  it('accepts IANA names and fixes their spelling', () => {
    expect(canonicalTimeZone('Europe/Paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
  });

  it('keeps the caller’s name for aliases rather than a legacy canonical one', () => {
    expect(canonicalTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
  });

  it('rejects unknown, empty and injected names', () => {
    expect(canonicalTimeZone('Mars/Olympus_Mons')).toBeUndefined();
    expect(canonicalTimeZone('')).toBeUndefined();
    expect(canonicalTimeZone('  ')).toBeUndefined();
    expect(canonicalTimeZone('Europe/Paris; rm -rf /')).toBeUndefined();
  });
});

describe('readClock', () => {
  // 2024-02-29 (a leap day) 23:30:05 UTC: already 1 March east of UTC, still 29 Feb west of it.
  const instant = new Date(Date.UTC(2024, 1, 29, 23, 30, 5, 250));

  it('reads UTC', () => {
    expect(readClock(instant, 'UTC')).toEqual({
      utc: '2024-02-29T23:30:05.250Z',
      unixSeconds: 1709249405,
      timeZone: 'UTC',
      local: '2024-02-29T23:30:05+00:00',
      date: '2024-02-29',
      time: '23:30:05',
      weekday: 'Thursday',
      utcOffset: '+00:00',
    });
  });

  it('crosses the date line with the offset', () => {
    const tokyo = readClock(instant, 'Asia/Tokyo');
    expect(tokyo.local).toBe('2024-03-01T08:30:05+09:00');
    expect(tokyo.weekday).toBe('Friday');
    expect(readClock(instant, 'Asia/Kolkata').utcOffset).toBe('+05:30');
    expect(readClock(instant, 'America/St_Johns').local).toBe('2024-02-29T20:00:05-03:30');
  });

  it('follows daylight saving time', () => {
    const winter = readClock(new Date(Date.UTC(2024, 0, 15, 12)), 'Europe/Berlin');
    const summer = readClock(new Date(Date.UTC(2024, 6, 15, 12)), 'Europe/Berlin');
    expect(winter.utcOffset).toBe('+01:00');
    expect(summer.utcOffset).toBe('+02:00');
  });

  it('renders midnight as 00, not 24', () => {
    expect(readClock(new Date(Date.UTC(2024, 0, 1, 0, 0, 0)), 'UTC').time).toBe('00:00:00');
  });

  it('defaults to the machine’s zone', () => {
    expect(readClock(instant).timeZone).toBe(systemTimeZone());
  });

  it('throws a RangeError that names an unknown zone', () => {
    expect(() => readClock(instant, 'Nowhere/Land')).toThrow(/Unknown time zone "Nowhere\/Land"/);
    expect(() => readClock(instant, 'Nowhere/Land')).toThrow(RangeError);
  });
});

describe('randomIds', () => {
  it('makes distinct version-4 UUIDs', () => {
    const ids = randomIds({ format: 'uuid', bytes: 16, count: 50 });
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('makes hex strings of two digits per byte', () => {
    const [one] = randomIds({ format: 'hex', bytes: 1, count: 1 });
    expect(one).toMatch(/^[0-9a-f]{2}$/);
    const [big] = randomIds({ format: 'hex', bytes: MAX_RANDOM_BYTES, count: 1 });
    expect(big).toMatch(new RegExp(`^[0-9a-f]{${MAX_RANDOM_BYTES * 2}}$`));
  });

  it('ignores bytes for uuids', () => {
    expect(randomIds({ format: 'uuid', bytes: 0, count: 1 })[0]).toHaveLength(36);
  });

  it.each([
    [{ format: 'hex', bytes: 0, count: 1 }, /bytes must be a whole number from 1 to 1024, got 0/],
    [{ format: 'hex', bytes: MAX_RANDOM_BYTES + 1, count: 1 }, /bytes must be/],
    [{ format: 'hex', bytes: 1.5, count: 1 }, /bytes must be/],
    [{ format: 'uuid', bytes: 16, count: 0 }, /count must be/],
    [{ format: 'uuid', bytes: 16, count: MAX_RANDOM_COUNT + 1 }, /count must be/],
    [{ format: 'uuid', bytes: 16, count: Number.NaN }, /count must be/],
  ] as const)('rejects out-of-bound requests: %o', (request, message) => {
    expect(() => randomIds(request)).toThrow(message);
  });
});
