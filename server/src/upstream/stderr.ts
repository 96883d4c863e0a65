import type { Readable } from 'node:stream';
import { RingBuffer } from '../events/ringBuffer.js';

export interface StderrSinkOptions {
  /** Longest line kept; longer ones are cut so a child writing megabytes without a newline costs nothing. */
  maxLineLength?: number;
  /** Lines per second forwarded to the log before lines are only counted. */
  maxLinesPerSecond?: number;
  now?: () => number;
}

/**
 * Turns a child's stderr into bounded log lines: the last lines are always kept (for crash reasons)
 * while a flood is rate-limited so it cannot starve the event loop or the log buffer.
 */
export class StderrSink {
  readonly tail = new RingBuffer<string>(50);
  #partial = '';
  #windowStart = 0;
  #windowCount = 0;
  #dropped = 0;
  #reportTimer: NodeJS.Timeout | undefined;
  readonly #maxLineLength: number;
  readonly #maxLinesPerSecond: number;
  readonly #now: () => number;

  constructor(
    private readonly emitLine: (line: string) => void,
    options: StderrSinkOptions = {},
  ) {
    this.#maxLineLength = options.maxLineLength ?? 4096;
    this.#maxLinesPerSecond = options.maxLinesPerSecond ?? 200;
    this.#now = options.now ?? Date.now;
  }

  attach(stream: Readable): void {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.write(chunk));
    stream.on('end', () => this.flush());
    stream.on('error', () => this.flush());
  }

  write(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      this.#appendPartial(chunk.slice(start, nl));
      this.#line(this.#partial);
      this.#partial = '';
      start = nl + 1;
    }
    this.#appendPartial(chunk.slice(start));
  }

  flush(): void {
    if (this.#partial) this.#line(this.#partial);
    this.#partial = '';
    this.#reportDropped();
  }

  #appendPartial(text: string): void {
    if (this.#partial.length < this.#maxLineLength) {
      this.#partial += text.slice(0, this.#maxLineLength - this.#partial.length);
    }
  }

  #line(raw: string): void {
    const line = raw.replace(/\r$/, '');
    if (!line) return;
    const text = line.length >= this.#maxLineLength ? `${line} …(line cut)` : line;
    this.tail.push(text);
    const now = this.#now();
    if (now - this.#windowStart >= 1000) {
      this.#reportDropped();
      this.#windowStart = now;
      this.#windowCount = 0;
    }
    if (this.#windowCount++ < this.#maxLinesPerSecond) this.emitLine(text);
    else {
      this.#dropped++;
      // A burst that ends inside the window still gets its count reported when the window closes.
      this.#reportTimer ??= setTimeout(() => this.#reportDropped(), 1000 - (now - this.#windowStart)).unref();
    }
  }

  #reportDropped(): void {
    clearTimeout(this.#reportTimer);
    this.#reportTimer = undefined;
    if (this.#dropped > 0) {
      this.emitLine(`…${this.#dropped} more stderr lines not logged (over ${this.#maxLinesPerSecond}/s)`);
      this.#dropped = 0;
    }
  }
}
