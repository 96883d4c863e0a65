import { describe, expect, it } from 'vitest';
import { DCR_RATE_LIMIT, TokenBucket } from '../../src/auth/policy/rateLimit.js';

function clock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('TokenBucket', () => {
  it('allows a full burst, then refuses with a retry hint', () => {
    const time = clock();
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 1, now: time.now });
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(bucket.take()).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it('refills at the given rate and never beyond capacity', () => {
    const time = clock();
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 0.5, now: time.now });
    bucket.take();
    bucket.take();
    expect(bucket.take()).toEqual({ ok: false, retryAfterSeconds: 2 });
    time.advance(1000);
    expect(bucket.take()).toEqual({ ok: false, retryAfterSeconds: 1 });
    time.advance(1000);
    expect(bucket.take()).toEqual({ ok: true });
    time.advance(3_600_000);
    expect([bucket.take(), bucket.take(), bucket.take()].map((r) => r.ok)).toEqual([true, true, false]);
  });

  it('does not count refused attempts against the caller', () => {
    const time = clock();
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1, now: time.now });
    bucket.take();
    for (let i = 0; i < 100; i++) bucket.take();
    time.advance(1000);
    expect(bucket.take()).toEqual({ ok: true });
  });

  it('rounds the retry hint up to whole seconds', () => {
    const time = clock();
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1 / 3, now: time.now });
    bucket.take();
    expect(bucket.take()).toEqual({ ok: false, retryAfterSeconds: 3 });
    time.advance(2001);
    expect(bucket.take()).toEqual({ ok: false, retryAfterSeconds: 1 });
    time.advance(999);
    expect(bucket.take()).toEqual({ ok: true });
  });

  it('survives a clock that steps backwards', () => {
    const time = clock();
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 1, now: time.now });
    bucket.take();
    time.advance(-60_000);
    expect(bucket.take()).toEqual({ ok: true });
    expect(bucket.take().ok).toBe(false);
    time.advance(1000);
    expect(bucket.take()).toEqual({ ok: true });
  });

  it.each([
    [{ capacity: 0, refillPerSecond: 1 }],
    [{ capacity: Number.NaN, refillPerSecond: 1 }],
    [{ capacity: Number.POSITIVE_INFINITY, refillPerSecond: 1 }],
    [{ capacity: 5, refillPerSecond: 0 }],
    [{ capacity: 5, refillPerSecond: -1 }],
    [{ capacity: 5, refillPerSecond: Number.NaN }],
  ])('refuses %j', (options) => {
    expect(() => new TokenBucket(options)).toThrow(RangeError);
  });

  it('uses the wall clock by default', () => {
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1 });
    expect(bucket.take()).toEqual({ ok: true });
    expect(bucket.take().ok).toBe(false);
  });
});

describe('DCR_RATE_LIMIT', () => {
  it('lets 20 registrations through at once, then one every 3 seconds', () => {
    const time = clock();
    const bucket = new TokenBucket({ ...DCR_RATE_LIMIT, now: time.now });
    for (let i = 0; i < 20; i++) expect(bucket.take()).toEqual({ ok: true });
    expect(bucket.take()).toEqual({ ok: false, retryAfterSeconds: 3 });
    time.advance(3000);
    expect(bucket.take()).toEqual({ ok: true });
    expect(bucket.take().ok).toBe(false);
  });
});
