import { HelpRequest, parseServeArgs, UsageError } from './args.js';
import { red } from './render.js';
import { DOCTOR_USAGE, FERRY_USAGE, IMPORT_USAGE, SERVE_USAGE } from './usage.js';
import { FERRY_VERSION } from '../version.js';

/** `ferry help <command>` prints what `ferry <command> --help` does. */
const COMMAND_USAGE: Record<string, string> = {
  serve: SERVE_USAGE,
  import: IMPORT_USAGE,
  doctor: DOCTOR_USAGE,
};

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
    case 'help': {
      const [topic] = rest;
      if (topic === undefined) return help(FERRY_USAGE);
      const usage = COMMAND_USAGE[topic];
      if (usage === undefined)
        throw new UsageError(`no help for "${topic}": the commands are serve, import, doctor`);
      return help(usage);
    }
    // `ferry` alone is a request for the overview too: nothing went wrong, so it exits 0.
    case undefined:
    case '--help':
    case '-h':
      return help(FERRY_USAGE);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** Usage asked for goes to stdout (so it can be paged or grepped), with exit status 0. */
function help(usage: string): number {
  console.log(usage);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof HelpRequest) process.exit(help(error.usage));
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(red(`ferry: ${(error as Error).message}`));
      const command = process.argv[2];
      const scope = command !== undefined && command in COMMAND_USAGE ? ` ${command}` : '';
      console.error(`Run "ferry${scope} --help" for usage.`);
      process.exit(2);
    }
    console.error(red(`ferry: ${(error as Error).stack ?? String(error)}`));
    process.exit(1);
  },
);
