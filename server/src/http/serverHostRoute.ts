import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { HttpError } from './jsonRpcHttp.js';

export type ServerHostTarget = { kind: 'mcp' } | { kind: 'error'; error: HttpError };

/**
 * What a request to a per-server hostname reaches: `/mcp` is the server's own endpoint; every other MCP
 * path (`/mcp/<other>`, legacy `/sse`, `/messages`) is a 404, so the host can never reach another server
 * or the aggregate, whatever the path says.
 */
export function serverHostTarget(path: string, server: string, exists: boolean): ServerHostTarget {
  if (path !== '/mcp' && path !== '/mcp/') {
    return {
      kind: 'error',
      error: new HttpError(
        404,
        ErrorCode.InvalidRequest,
        `this hostname serves only /mcp (the server "${server}")`,
      ),
    };
  }
  if (!exists) {
    return {
      kind: 'error',
      error: new HttpError(404, ErrorCode.InvalidRequest, `no server named "${server}" in Ferry`),
    };
  }
  return { kind: 'mcp' };
}
