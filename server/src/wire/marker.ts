import type { ServerResponse } from 'node:http';

/**
 * Which MCP revision answered a response, for the request log, the connection timeline and Activity:
 * set where the wire is decided, read when the response is finished. A WeakMap so nothing outlives it.
 */
const revisions = new WeakMap<ServerResponse, string>();

export function markRevision(res: ServerResponse, revision: string): void {
  revisions.set(res, revision);
}

export function revisionOf(res: ServerResponse): string | undefined {
  return revisions.get(res);
}
