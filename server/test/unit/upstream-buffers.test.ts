import { describe, expect, it } from 'vitest';
import { LineReadBuffer } from '../../src/upstream/lineBuffer.js';
import { StderrSink } from '../../src/upstream/stderr.js';

const line = (id: number) => `${JSON.stringify({ jsonrpc: '2.0', id, result: {} })}\n`;

describe('LineReadBuffer', () => {
  it('reads messages split across chunks and several messages in one chunk', () => {
    const buffer = new LineReadBuffer(1024);
    const text = line(1) + line(2) + line(3);
    buffer.append(Buffer.from(text.slice(0, 10)));
    expect(buffer.readMessage()).toBeNull();
    buffer.append(Buffer.from(text.slice(10, 40)));
    buffer.append(Buffer.from(text.slice(40)));
    expect([buffer.readMessage(), buffer.readMessage(), buffer.readMessage(), buffer.readMessage()]).toEqual([
      { jsonrpc: '2.0', id: 1, result: {} },
      { jsonrpc: '2.0', id: 2, result: {} },
      { jsonrpc: '2.0', id: 3, result: {} },
      null,
    ]);
  });

  it('keeps multi-byte characters split across chunks intact and strips CR', () => {
    const buffer = new LineReadBuffer(1024);
    const bytes = Buffer.from(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, result: { text: 'héllo 😀' } })}\r\n`,
    );
    buffer.append(bytes.subarray(0, 41));
    buffer.append(bytes.subarray(41));
    expect(buffer.readMessage()).toEqual({ jsonrpc: '2.0', id: 1, result: { text: 'héllo 😀' } });
  });

  it('refuses to hold more than its limit, then recovers', () => {
    const buffer = new LineReadBuffer(100);
    expect(() => buffer.append(Buffer.alloc(101, 0x61))).toThrow(/maximum size of 100 bytes/);
    buffer.append(Buffer.from(line(7)));
    expect(buffer.readMessage()).toMatchObject({ id: 7 });
  });

  it('throws on a line that is not JSON-RPC, and reads the next one', () => {
    const buffer = new LineReadBuffer(1024);
    buffer.append(Buffer.from(`not json\n${line(2)}`));
    expect(() => buffer.readMessage()).toThrow();
    expect(buffer.readMessage()).toMatchObject({ id: 2 });
  });

  it('assembles a large message from many chunks in linear time', () => {
    const buffer = new LineReadBuffer(64 * 1024 * 1024);
    const payload = Buffer.from(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, result: { t: 'x'.repeat(8 * 1024 * 1024) } })}\n`,
    );
    for (let at = 0; at < payload.length; at += 65536) {
      buffer.append(payload.subarray(at, at + 65536));
      if (at + 65536 < payload.length) expect(buffer.readMessage()).toBeNull();
    }
    const message = buffer.readMessage() as unknown as { result: { t: string } };
    expect(message.result.t).toHaveLength(8 * 1024 * 1024);
  });
});

describe('StderrSink', () => {
  it('splits lines across chunks, cuts long lines and keeps a tail', () => {
    const lines: string[] = [];
    const sink = new StderrSink((l) => lines.push(l), { maxLineLength: 10 });
    sink.write('hello ');
    sink.write('world\nsecond line that is long\r\n');
    sink.write('partial');
    sink.flush();
    expect(lines).toEqual(['hello worl …(line cut)', 'second lin …(line cut)', 'partial']);
    expect(sink.tail.toArray()).toEqual(lines);
  });

  it('rate-limits a flood and reports how many lines it did not log', () => {
    let now = 0;
    const lines: string[] = [];
    const sink = new StderrSink((l) => lines.push(l), { maxLinesPerSecond: 5, now: () => now });
    for (let i = 0; i < 20; i++) sink.write(`line ${i}\n`);
    expect(lines).toHaveLength(5);
    now = 1500;
    sink.write('after\n');
    expect(lines.slice(5)).toEqual(['…15 more stderr lines not logged (over 5/s)', 'after']);
    expect(sink.tail.toArray().at(-1)).toBe('after');
  });
});
