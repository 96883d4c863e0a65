import type { IncomingMessage } from 'node:http';
import {
  ErrorCode,
  type ClientCapabilities,
  type Implementation,
  type LoggingLevel,
} from '@modelcontextprotocol/sdk/types.js';
import { isLogLevel } from '../events/logLevels.js';
import {
  META,
  MODERN_ERRORS,
  MODERN_PROTOCOL_VERSION,
  SERVED_PROTOCOL_VERSIONS,
  STATEFUL_VERSIONS,
  mcpNameOf,
} from './protocol.js';

/** What one stateless request says about its client: the 2026-07-28 replacement for `initialize`. */
export interface RequestContext {
  protocolVersion: string;
  clientCapabilities: ClientCapabilities;
  clientInfo: Implementation | undefined;
  /** Absent: no log notifications at all for this request. */
  logLevel: LoggingLevel | undefined;
}

/** A refusal of the stateless wire: JSON-RPC error, HTTP status, optional data. */
export class ModernWireError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status: number,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'ModernWireError';
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Validates a stateless request's `_meta` and the headers that mirror it, in the order the spec puts
 * the errors: a malformed `_meta` is invalid params (-32602), headers that disagree with the body are
 * -32020, and only then a version Ferry does not serve is -32022 (with the supported list). Every refusal
 * is HTTP 400.
 *
 * One known client mix is let through: Claude's connector backend has been seen sending the header
 * `MCP-Protocol-Version: 2025-11-25` on requests whose `_meta` says 2026-07-28 (anthropics/claude-code#93290).
 * The body is authoritative for the stateless wire, so an older *dated* header is read as the client's
 * transport default, not as a different request.
 */
export function readRequestContext(
  req: IncomingMessage,
  method: string,
  params: Record<string, unknown> | undefined,
): RequestContext {
  const meta = params?._meta;
  if (!isObject(meta)) {
    throw new ModernWireError(
      ErrorCode.InvalidParams,
      'Invalid params: _meta is required on every request',
      400,
    );
  }
  const version = meta[META.protocolVersion];
  if (typeof version !== 'string' || version === '') {
    throw new ModernWireError(
      ErrorCode.InvalidParams,
      `Invalid params: _meta["${META.protocolVersion}"] is required`,
      400,
    );
  }
  const capabilities = meta[META.clientCapabilities];
  if (!isObject(capabilities)) {
    throw new ModernWireError(
      ErrorCode.InvalidParams,
      `Invalid params: _meta["${META.clientCapabilities}"] must be an object`,
      400,
    );
  }
  const headerVersion = header(req, 'mcp-protocol-version');
  if (headerVersion === undefined) {
    throw new ModernWireError(
      MODERN_ERRORS.headerMismatch,
      'Header mismatch: MCP-Protocol-Version is required',
      400,
    );
  }
  if (headerVersion !== version && !isClaudeTransportDefault(headerVersion, version)) {
    throw new ModernWireError(
      MODERN_ERRORS.headerMismatch,
      `Header mismatch: MCP-Protocol-Version "${headerVersion}" differs from _meta protocolVersion "${version}"`,
      400,
    );
  }
  const headerMethod = header(req, 'mcp-method');
  if (headerMethod !== undefined && headerMethod !== method) {
    throw new ModernWireError(
      MODERN_ERRORS.headerMismatch,
      `Header mismatch: Mcp-Method "${headerMethod}" differs from the body's method "${method}"`,
      400,
    );
  }
  const expectedName = mcpNameOf(method, params);
  const headerName = header(req, 'mcp-name');
  if (headerName !== undefined && expectedName !== undefined && headerName !== expectedName) {
    throw new ModernWireError(
      MODERN_ERRORS.headerMismatch,
      `Header mismatch: Mcp-Name "${headerName}" differs from the body's "${expectedName}"`,
      400,
    );
  }
  if (!SERVED_PROTOCOL_VERSIONS.includes(version)) {
    throw new ModernWireError(
      MODERN_ERRORS.unsupportedProtocolVersion,
      `Unsupported protocol version: ${version}`,
      400,
      {
        supported: [...SERVED_PROTOCOL_VERSIONS],
        requested: version,
      },
    );
  }
  const info = meta[META.clientInfo];
  const level = meta[META.logLevel];
  if (level !== undefined && !isLogLevel(level)) {
    throw new ModernWireError(
      ErrorCode.InvalidParams,
      `Invalid params: _meta["${META.logLevel}"] is not a log level`,
      400,
    );
  }
  return {
    protocolVersion: version,
    clientCapabilities: capabilities,
    clientInfo:
      isObject(info) && typeof info.name === 'string' ? (info as unknown as Implementation) : undefined,
    logLevel: level,
  };
}

function isClaudeTransportDefault(headerVersion: string, bodyVersion: string): boolean {
  return bodyVersion === MODERN_PROTOCOL_VERSION && STATEFUL_VERSIONS.includes(headerVersion);
}
