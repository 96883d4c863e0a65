import type { ConfigIssue } from '../config/errors.js';

/** Codes the admin surface (HTTP or IPC) answers with; the renderer switches on them. */
export type AdminErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'invalid_input'
  | 'too_large'
  | 'timeout'
  | 'conflict'
  | 'config_broken'
  | 'unavailable'
  | 'internal';

const STATUS: Record<AdminErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  invalid_input: 400,
  too_large: 413,
  timeout: 408,
  conflict: 409,
  config_broken: 409,
  unavailable: 503,
  internal: 500,
};

export class AdminError extends Error {
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    readonly issues: ConfigIssue[] = [],
  ) {
    super(message);
    this.name = 'AdminError';
  }

  get status(): number {
    return STATUS[this.code];
  }

  toJSON(): { code: AdminErrorCode; message: string; issues?: ConfigIssue[] } {
    return {
      code: this.code,
      message: this.message,
      ...(this.issues.length > 0 ? { issues: this.issues } : {}),
    };
  }
}
