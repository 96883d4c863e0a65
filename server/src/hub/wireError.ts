import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/**
 * A JSON-RPC error exactly as it goes on the wire. The SDK's McpError prefixes its message with
 * "MCP error <code>:", which would pile up once per hop when Ferry forwards a child's error.
 */
export class WireError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

const SDK_PREFIX = /^MCP error -?\d+: /;

export function toWireError(error: unknown): WireError {
  if (error instanceof WireError) return error;
  if (error instanceof McpError)
    return new WireError(error.code, error.message.replace(SDK_PREFIX, ''), error.data);
  if (error instanceof Error && error.name === 'AbortError') {
    return new WireError(ErrorCode.RequestTimeout, 'request cancelled');
  }
  return new WireError(ErrorCode.InternalError, error instanceof Error ? error.message : String(error));
}

export const methodNotFound = (method: string) =>
  new WireError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
export const invalidParams = (message: string) => new WireError(ErrorCode.InvalidParams, message);
