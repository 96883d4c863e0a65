import { parseServeArgs, UsageError } from './args.js';
import { red } from './render.js';
import { FERRY_VERSION } from '../version.js';

const HELP = `Ferry ${FERRY_VERSION}: expose the MCP servers on this computer to claude.ai.

Usage:
  ferry serve [options]        run Ferry headless (no window)
  ferry import [file]          import servers from Claude Desktop's config
  ferry doctor <url> [options] replay Claude's connector handshake against a URL and explain it
                               (--token <t>, --timeout <s>, --json; see "ferry doctor" alone)
  ferry --version

serve options:
  --config <file>              config file (default <data-dir>/config.json; none: a demo server)
  --data-dir <dir>             where runtime.json and state live
  --port <n>                   public listener port (default 8790; 0 = any free port)
  --host <addr>                public listener address (default 127.0.0.1)
  --admin-port <n>             admin listener port (default 0 = any free port)
  --public-url <url>           origin clients use to reach Ferry (reverse proxy, tests)
  --tunnel quick|named|off     Cloudflare tunnel (default: quick when cloudflared is installed)
  --secret-store keychain|file where secrets live (default keychain)
  --no-auth                    no OAuth (loopback clients only; for local tools and tests)
  -v, --verbose                show every tool call, session and server log line
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { serve } = await import('./serve.js');
      return serve(parseServeArgs(rest));
    }
    case 'import': {
      const { runImport } = await import('./import.js');
      return runImport(rest);
    }
    case 'doctor': {
      const { runDoctorCli } = await import('./doctor.js');
      return runDoctorCli(rest);
    }
    case '--version':
    case '-V':
      console.log(FERRY_VERSION);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return command === undefined ? 1 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(red(`ferry: ${(error as Error).message}`));
      console.error('Run "ferry --help" for usage.');
      process.exit(2);
    }
    console.error(red(`ferry: ${(error as Error).stack ?? String(error)}`));
    process.exit(1);
  },
);
