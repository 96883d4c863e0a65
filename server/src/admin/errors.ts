import { ConfigError, type ConfigIssue } from '../config/errors.js';
import { FerryError } from '../util/errors.js';
import { isOutOfSpace } from '../util/fileErrorFix.js';

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
  | 'storage_full'
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
  storage_full: 507,
  internal: 500,
};

/** The wire form of an admin error, the same over HTTP (`{ error: AdminErrorBody }`) and IPC. */
export interface AdminErrorBody {
  code: AdminErrorCode;
  message: string;
  issues?: ConfigIssue[];
}

/** An error in the admin surface's own terms: a code the renderer switches on, a status, and the issues. */
export class AdminError extends FerryError {
  constructor(
    override readonly code: AdminErrorCode,
    message: string,
    readonly issues: ConfigIssue[] = [],
  ) {
    super(message);
    this.name = 'AdminError';
  }

  get status(): number {
    return STATUS[this.code];
  }

  toJSON(): AdminErrorBody {
    return {
      code: this.code,
      message: this.message,
      ...(this.issues.length > 0 ? { issues: this.issues } : {}),
    };
  }
}

/**
 * The admin answer to each code the parts throw (util/errors.ts and the parts' own error classes). Codes
 * are looked up, never guessed: a code missing here, or an error without one, is a bug and is answered
 * `internal`. A caller that knows more (which file a config error is about) maps it before it gets here.
 */
const ADMIN_CODE: Readonly<Record<string, AdminErrorCode>> = Object.freeze({
  // util/errors.ts: the generic kinds are named like the admin codes.
  not_found: 'not_found',
  conflict: 'conflict',
  invalid_input: 'invalid_input',
  forbidden: 'forbidden',
  unavailable: 'unavailable',
  // config/errors.ts: Ferry's own config file.
  server_exists: 'conflict',
  server_not_found: 'not_found',
  config_not_found: 'config_broken',
  config_syntax: 'config_broken',
  config_invalid: 'config_broken',
  config_io: 'config_broken',
  // auth/consent.ts
  consent_not_found: 'not_found',
  consent_resolved: 'conflict',
  consent_rate_limited: 'conflict',
  consent_full: 'conflict',
  // policy/gate.ts and policy/approvals.ts
  tool_not_found: 'not_found',
  not_held: 'conflict',
  approval_not_found: 'not_found',
});

/** Any failure as the admin surface answers it (HTTP listener and IPC alike), classified by its code. */
export function adminErrorOf(error: unknown): AdminError {
  if (error instanceof AdminError) return error;
  // Before the parts' codes: a full disk is the user's to mend whichever file it hit (a part's `*_io` error
  // wraps it, and its message already names the file and the fix).
  const full = outOfSpaceBehind(error);
  if (full) {
    return new AdminError(
      'storage_full',
      full === error
        ? `Ferry could not save this because the disk holding its data is full (${full.message})`
        : (error as Error).message,
    );
  }
  if (error instanceof FerryError && Object.hasOwn(ADMIN_CODE, error.code)) {
    const code = ADMIN_CODE[error.code] as AdminErrorCode;
    return new AdminError(code, error.message, error instanceof ConfigError ? error.issues : []);
  }
  return new AdminError('internal', error instanceof Error ? error.message : String(error));
}

/** The out-of-space system error behind `error`, itself or along its `cause` chain. */
function outOfSpaceBehind(error: unknown): Error | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (isOutOfSpace(current)) return current;
    current = current.cause;
  }
  return undefined;
}
