import { FerryError } from '../util/errors.js';
import { fileErrorFix } from '../util/fileErrorFix.js';

export type ConfigErrorCode =
  /** The file does not exist where it is required to (import source). Ferry's own config may be missing. */
  | 'config_not_found'
  /** Not valid JSON; `line` and `column` point at the problem. */
  | 'config_syntax'
  /** Valid JSON that fails the schema; `issues` lists every problem. */
  | 'config_invalid'
  /** Reading or writing failed at the OS level (permissions, disk full, a directory in the way). */
  | 'config_io'
  /** A mutation named a server that is not in the config. */
  | 'server_not_found'
  /** `addServer` with a name that is already taken. */
  | 'server_exists';

/** One problem, addressed the way the admin form addresses fields: `mcpServers.github.env.TOKEN`, `args[0]`. */
export interface ConfigIssue {
  path: string;
  message: string;
  /** What the user should change, in words. */
  fix: string;
}

export interface ConfigErrorOptions {
  cause?: unknown;
  issues?: ConfigIssue[];
  line?: number;
  column?: number;
}

/**
 * Every failure of loading, validating or writing a config. `code` is for programs (the admin API maps it to
 * a status), `message` is for people and always names the file and what to do.
 */
export class ConfigError extends FerryError {
  readonly issues: ConfigIssue[];
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(
    override readonly code: ConfigErrorCode,
    readonly file: string,
    message: string,
    options: ConfigErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConfigError';
    this.issues = options.issues ?? [];
    this.line = options.line;
    this.column = options.column;
  }
}

export function isConfigError(error: unknown, code?: ConfigErrorCode): error is ConfigError {
  return error instanceof ConfigError && (code === undefined || error.code === code);
}

/** Turns an fs error into a ConfigError that says what went wrong with which file and what to try. */
export function configIoError(file: string, action: 'read' | 'write', error: unknown): ConfigError {
  const { detail, fix } = fileErrorFix(file, action, error, 'use that path for its config file');
  return new ConfigError('config_io', file, `${file}: cannot ${action} the file (${detail}). Fix: ${fix}.`, {
    cause: error,
  });
}
