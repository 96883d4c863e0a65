import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  // no-transform keeps Cloudflare and other proxies from compressing (and so buffering) the stream.
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
} as const;

export function writeSseMessage(res: ServerResponse, message: JSONRPCMessage): void {
  res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
}

/** A comment line: ignored by every SSE parser, but keeps idle-timeout proxies from cutting the stream. */
export function writeSseKeepAlive(res: ServerResponse): void {
  res.write(': keep-alive\n\n');
}
