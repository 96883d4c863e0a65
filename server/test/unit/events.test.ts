import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import { fullPayload, preview, previewAndFull, redactText } from '../../src/events/redact.js';
import { RingBuffer } from '../../src/events/ringBuffer.js';
import { EVENT_LOG_SOURCE, mirrorEventsToLog } from '../../src/events/eventLog.js';
import type { Stamped } from '../../src/events/types.js';

describe('RingBuffer', () => {
  it('keeps the newest items in order and drops the oldest', () => {
    const ring = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.toArray(2)).toEqual([4, 5]);
    expect(ring.size).toBe(3);
    ring.clear();
    expect(ring.toArray()).toEqual([]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });
});

describe('EventBus', () => {
  it('stamps events with increasing sequence numbers and keeps logs and calls in their buffers', () => {
    let now = 1000;
    const bus = new EventBus({ logCapacity: 2, now: () => now++ });
    const seen: number[] = [];
    bus.subscribe((e) => seen.push(e.seq));
    bus.log('info', 'ferry', 'one');
    bus.log('warn', 'ferry', 'two');
    bus.log('error', 'ferry', 'three');
    expect(seen).toEqual([1, 2, 3]);
    expect(bus.logs.toArray().map((l) => l.message)).toEqual(['two', 'three']);
    expect(bus.since(1).map((e) => e.seq)).toEqual([2, 3]);
    expect(bus.logs.toArray()[0]?.at).toBe(1001);
  });

  it('isolates a throwing listener and reports it', () => {
    const bus = new EventBus();
    const typed: string[] = [];
    bus.on('server.status', () => {
      throw new Error('boom');
    });
    bus.on('server.status', (e) => typed.push(e.server));
    bus.emit({ type: 'server.status', server: 'x', state: 'ready' });
    expect(typed).toEqual(['x']);
    expect(bus.logs.toArray().at(-1)?.message).toMatch(/listener failed on server\.status: Error: boom/);
  });

  it('stops delivering after unsubscribe', () => {
    const bus = new EventBus();
    let count = 0;
    const off = bus.on('log', () => count++);
    bus.log('info', 'a', 'b');
    off();
    bus.log('info', 'a', 'b');
    expect(count).toBe(1);
  });
});

describe('redaction', () => {
  it('hides values under secret-looking keys and credential-looking strings', () => {
    const text = preview({
      path: '/tmp/x',
      apiKey: 'abc',
      nested: { password: 'hunter2' },
      note: 'ghp_abcdefghijklmnopqrstuvwx',
    });
    expect(text).toContain('/tmp/x');
    expect(text).not.toContain('abc"');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('ghp_');
    expect(text).toContain('[redacted]');
  });

  it('redacts bearer tokens and JWTs in free text', () => {
    expect(redactText('Authorization: Bearer abcdef123456789')).toBe('Authorization: Bearer [redacted]');
    expect(redactText('token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl here')).toBe(
      'token [redacted] here',
    );
  });

  it('stops walking once it has enough text, so huge results cost nothing', () => {
    const late = Object.defineProperty({}, 'x', {
      enumerable: true,
      get() {
        throw new Error('preview walked past its budget');
      },
    });
    const huge = [...Array.from({ length: 10_000 }, (_, i) => ({ i })), late];
    expect(() => preview(huge)).not.toThrow();
    expect(preview({ text: 'y'.repeat(5_000_000) })).toHaveLength(240);
  });

  it('renders short arguments once and long ones as a cut preview beside the whole text', () => {
    const short = { text: 'hello', token: 'sk-abcdefghijklmnopqrstuvwxyz' };
    expect(previewAndFull(short)).toEqual({ preview: preview(short), full: fullPayload(short) });
    expect(previewAndFull(short).preview).toBe('{"text":"hello","token":"[redacted]"}');
    const long = { text: 'z'.repeat(1000) };
    const both = previewAndFull(long);
    expect(both.preview).toHaveLength(240);
    expect(both.preview.endsWith('…')).toBe(true);
    expect(both.full).toBe(JSON.stringify(long));
  });

  it('truncates long previews', () => {
    const text = preview({ text: 'x'.repeat(1000) }, 50);
    expect(text).toHaveLength(50);
    expect(text.endsWith('…')).toBe(true);
  });
});

describe('Ferry events in the log', () => {
  it('adds a line for a crash after the event itself, so every listener sees sequence numbers in order', async () => {
    const bus = new EventBus();
    mirrorEventsToLog(bus);
    const seen: Stamped[] = [];
    bus.subscribe((event) => seen.push(event));
    bus.emit({ type: 'server.status', server: 'flaky', state: 'crashed', reason: 'exited with code 3' });
    await Promise.resolve();
    expect(seen.map((e) => e.seq)).toEqual([1, 2]);
    expect(seen[1]).toMatchObject({
      type: 'log',
      level: 'error',
      source: EVENT_LOG_SOURCE,
      message: 'server "flaky" crashed: exited with code 3',
    });
    // Log lines themselves are not restated (no loop).
    await Promise.resolve();
    expect(seen).toHaveLength(2);
  });
});
