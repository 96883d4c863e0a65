import type { AdminErrorBody, AdminErrorCode, ConfigIssue } from './types.js';

/**
 * Codes the window switches on: the admin surface's own codes plus the ones only a client can see
 * (the API cannot be reached, no token was given, the answer was not what the contract promises).
 */
export type ClientErrorCode = AdminErrorCode | 'network' | 'no_token' | 'bad_response';

export class AdminApiError extends Error {
  readonly code: ClientErrorCode;
  readonly issues: ConfigIssue[];
  /** The HTTP status when there was one. */
  readonly status: number | undefined;

  constructor(code: ClientErrorCode, message: string, issues: ConfigIssue[] = [], status?: number) {
    super(message);
    this.name = 'AdminApiError';
    this.code = code;
    this.issues = issues;
    this.status = status;
  }

  static from(error: unknown): AdminApiError {
    if (error instanceof AdminApiError) return error;
    return new AdminApiError('internal', error instanceof Error ? error.message : String(error));
  }

  /** Whether the error is about the connection (and so retrying later may help), not about the request. */
  get isConnection(): boolean {
    return this.code === 'network' || this.code === 'unauthorized' || this.code === 'no_token';
  }
}

export function isErrorBody(value: unknown): value is { error: AdminErrorBody } {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
