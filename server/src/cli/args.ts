import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { SERVE_USAGE } from './usage.js';

export class UsageError extends Error {}

/** A command was asked for its help (`--help`, `-h`): the CLI prints `usage` to stdout and exits 0. */
export class HelpRequest extends Error {
  constructor(readonly usage: string) {
    super('help requested');
    this.name = 'HelpRequest';
  }
}

/**
 * Throws HelpRequest when `--help` or `-h` is among the options: as an option of its own (also inside a
 * group such as `-vh`), not as another option's value (`--token -h`) nor after `--`. Checked before the
 * strict parse, so `ferry serve --prot --help` shows the help instead of an unknown-option error.
 */
export function throwIfHelp(argv: string[], options: ParseArgsOptionsConfig, usage: string): void {
  const { tokens } = parseArgs({
    args: argv,
    options: { ...options, help: { type: 'boolean', short: 'h' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  if (tokens.some((token) => token.kind === 'option' && token.name === 'help')) throw new HelpRequest(usage);
}

/**
 * A command's arguments: `--help` first (HelpRequest), then the strict parse, which refuses unknown options
 * with parseArgs' own error. `operands` says whether the command takes positional arguments at all.
 */
export function parseCommand<T extends ParseArgsOptionsConfig, P extends boolean>(
  argv: string[],
  options: T,
  usage: string,
  operands: P,
) {
  throwIfHelp(argv, options, usage);
  return parseArgs({ args: argv, options, strict: true, allowPositionals: operands });
}

export interface ServeArgs {
  config?: string;
  dataDir?: string;
  port?: number;
  host?: string;
  adminPort?: number;
  /** Undefined: the config's mode, else quick when cloudflared is on this machine, else off. */
  tunnel?: 'quick' | 'named' | 'off';
  publicUrl?: string;
  secretStore?: 'keychain' | 'file';
  /** OAuth off: loopback only, for local tools and tests. */
  noAuth: boolean;
  /** Mint a new admin token instead of keeping the last run's (the admin link changes). */
  newAdminToken: boolean;
  verbose: boolean;
}

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`${flag} must be a port number 0-65535 (0 = any free port), not "${value}"`);
  return n;
}

const SERVE_OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'admin-port': { type: 'string' },
  tunnel: { type: 'string' },
  'public-url': { type: 'string' },
  'secret-store': { type: 'string' },
  'no-auth': { type: 'boolean', default: false },
  'new-admin-token': { type: 'boolean', default: false },
  verbose: { type: 'boolean', short: 'v', default: false },
} as const satisfies ParseArgsOptionsConfig;

/** `ferry serve`'s options; throws HelpRequest for `--help`/`-h`, UsageError (or parseArgs' error) otherwise. */
export function parseServeArgs(argv: string[]): ServeArgs {
  const { values } = parseCommand(argv, SERVE_OPTIONS, SERVE_USAGE, false);
  const tunnel = values.tunnel;
  if (tunnel !== undefined && !['quick', 'named', 'off'].includes(tunnel)) {
    throw new UsageError(`--tunnel must be quick, named or off, not "${tunnel}"`);
  }
  if (values['no-auth'] && tunnel !== undefined && tunnel !== 'off') {
    throw new UsageError('--no-auth is for loopback use only and cannot be combined with a tunnel');
  }
  if (values['public-url'] !== undefined && tunnel !== undefined && tunnel !== 'off') {
    throw new UsageError('--public-url and --tunnel both set the public URL: use one of them');
  }
  const publicUrl = values['public-url'];
  if (publicUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(publicUrl);
    } catch {
      throw new UsageError(
        `--public-url must be an absolute URL such as https://mcp.example.com, not "${publicUrl}"`,
      );
    }
    if (!['http:', 'https:'].includes(url.protocol) || url.pathname !== '/' || url.search || url.hash) {
      throw new UsageError(
        `--public-url must be an origin (scheme, host and optional port only), not "${publicUrl}"`,
      );
    }
  }
  if (values['no-auth'] && publicUrl !== undefined) {
    throw new UsageError('--no-auth is for loopback use only and cannot be combined with --public-url');
  }
  const secretStore = values['secret-store'];
  if (secretStore !== undefined && secretStore !== 'keychain' && secretStore !== 'file') {
    throw new UsageError(`--secret-store must be keychain or file, not "${secretStore}"`);
  }
  return {
    config: values.config,
    dataDir: values['data-dir'],
    port: port(values.port, '--port'),
    host: values.host,
    adminPort: port(values['admin-port'], '--admin-port'),
    tunnel: values['no-auth'] ? 'off' : (tunnel as ServeArgs['tunnel']),
    publicUrl: publicUrl?.replace(/\/$/, ''),
    secretStore,
    noAuth: values['no-auth'] ?? false,
    newAdminToken: values['new-admin-token'] ?? false,
    verbose: values.verbose ?? false,
  };
}
