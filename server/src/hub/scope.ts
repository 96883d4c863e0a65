import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { WireError } from './wireError.js';

/** Which servers a session sees: `/mcp` (every server, aggregated names) or `/mcp/<server>` (one, original names). */
export type Scope = { kind: 'all' } | { kind: 'server'; server: string };

/** The server names `scope` reaches among the enabled ones (`/mcp/<server>` names its one server even when gone). */
export function namesInScope(scope: Scope, enabled: () => string[]): string[] {
  return scope.kind === 'all' ? enabled() : [scope.server];
}

/** What a `/mcp/<server>` session is told when its server has been removed from the config. */
export function serverGone(scope: Scope): WireError {
  const name = scope.kind === 'server' ? scope.server : '?';
  return new WireError(ErrorCode.ConnectionClosed, `server "${name}" is not configured in Ferry any more`);
}
