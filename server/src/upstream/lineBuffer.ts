import { deserializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

const NEWLINE = 0x0a;

/**
 * Drop-in for the SDK's stdio ReadBuffer. The SDK's copies its whole buffer on every chunk, which is
 * quadratic: a 1 MiB message in 64 KiB chunks copies ~8 MiB, a 30 MiB one ~7 GiB. This keeps the chunks
 * and remembers how far it has searched, so each byte is scanned once and copied once.
 */
export class LineReadBuffer {
  #chunks: Buffer[] = [];
  #length = 0;
  /** Chunks before this index (and bytes before #scanOffset in it) are known to hold no newline. */
  #scanChunk = 0;
  #scanOffset = 0;

  constructor(private readonly maxBufferSize: number) {}

  append(chunk: Buffer): void {
    if (this.#length + chunk.length > this.maxBufferSize) {
      this.clear();
      throw new Error(`ReadBuffer exceeded maximum size of ${this.maxBufferSize} bytes`);
    }
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  readMessage(): JSONRPCMessage | null {
    for (let i = this.#scanChunk; i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i] as Buffer;
      const at = chunk.indexOf(NEWLINE, i === this.#scanChunk ? this.#scanOffset : 0);
      if (at === -1) continue;
      const parts = this.#chunks.slice(0, i);
      parts.push(chunk.subarray(0, at));
      const rest = chunk.subarray(at + 1);
      this.#chunks = rest.length > 0 ? [rest, ...this.#chunks.slice(i + 1)] : this.#chunks.slice(i + 1);
      const line = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      this.#length -= line.length + 1;
      this.#scanChunk = 0;
      this.#scanOffset = 0;
      return deserializeMessage(line.toString('utf8').replace(/\r$/, ''));
    }
    this.#scanChunk = Math.max(0, this.#chunks.length - 1);
    this.#scanOffset = this.#chunks.at(-1)?.length ?? 0;
    return null;
  }

  clear(): void {
    this.#chunks = [];
    this.#length = 0;
    this.#scanChunk = 0;
    this.#scanOffset = 0;
  }
}
