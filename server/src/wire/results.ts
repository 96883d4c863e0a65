import type { RequestId, Result } from '@modelcontextprotocol/sdk/types.js';
import type { HubSession } from '../hub/session.js';
import { CACHE_HINTS, META } from './protocol.js';
import { discoverCapabilities, flatCreateResult } from './tasksExtension.js';

/** The 2025 code for an unknown resource; 2026-07-28 reports it as invalid params (-32602). */
const RESOURCE_NOT_FOUND_2025 = -32002;

/**
 * A child's (or Ferry's) result as the stateless wire carries it: `resultType` on every result, cache
 * hints on lists and reads, and the server's identity in `_meta` (SHOULD on every response).
 */
export function decorateResult(method: string, result: Result, session: HubSession): Result {
  const { serverInfo } = session.describe();
  // Tasks travel as the 2026 extension: advertised under `extensions`, created as a flat task result.
  if (method === 'server/discover' && result.capabilities && typeof result.capabilities === 'object') {
    result = { ...result, capabilities: discoverCapabilities(result.capabilities) };
  }
  if (method === 'tools/call') result = flatCreateResult(result) ?? result;
  const hints = CACHE_HINTS[method];
  return {
    ...result,
    resultType: typeof result.resultType === 'string' ? result.resultType : 'complete',
    ...(hints && typeof result.ttlMs !== 'number' ? hints : {}),
    _meta: { ...(result._meta ?? {}), [META.serverInfo]: serverInfo },
  };
}

export function errorResponse(
  id: RequestId,
  error: { code: number; message: string; data?: unknown },
): { jsonrpc: '2.0'; id: RequestId; error: { code: number; message: string; data?: unknown } } {
  const code = error.code === RESOURCE_NOT_FOUND_2025 ? -32602 : error.code;
  return {
    jsonrpc: '2.0',
    id,
    error: { code, message: error.message, ...(error.data !== undefined ? { data: error.data } : {}) },
  };
}

export interface ModernErrorBody {
  code: number;
  message: string;
  data?: unknown;
  /** The HTTP status the spec gives this refusal. */
  status: number;
}

export function modernError(code: number, message: string, data?: unknown, status = 400): ModernErrorBody {
  return { code, message, ...(data !== undefined ? { data } : {}), status };
}
