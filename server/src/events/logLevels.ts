import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';

/** MCP's log levels, least severe first (RFC 5424's order). */
export const LOG_SEVERITY: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

export const isLogLevel = (value: unknown): value is LoggingLevel =>
  typeof value === 'string' && (LOG_SEVERITY as readonly string[]).includes(value);

/** A level's rank for comparisons; an unknown level ranks as `info`. */
export function severity(level: string): number {
  const index = LOG_SEVERITY.indexOf(level as LoggingLevel);
  return index === -1 ? 1 : index;
}
