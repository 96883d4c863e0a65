import { describe, expect, it } from 'vitest';
import { HelpRequest, parseServeArgs, throwIfHelp, UsageError } from '../../src/cli/args.js';
import { runDoctorCli } from '../../src/cli/doctor.js';
import { runImport } from '../../src/cli/import.js';
import { DOCTOR_USAGE, FERRY_USAGE, IMPORT_USAGE, SERVE_USAGE } from '../../src/cli/usage.js';

describe('ferry serve arguments', () => {
  it('parses every documented flag', () => {
    expect(
      parseServeArgs([
        '--config',
        'c.json',
        '--data-dir',
        'd',
        '--port',
        '0',
        '--host',
        '::1',
        '--admin-port',
        '9000',
        '--tunnel',
        'off',
        '--public-url',
        'https://mcp.example.com/',
        '--secret-store',
        'file',
        '-v',
      ]),
    ).toEqual({
      config: 'c.json',
      dataDir: 'd',
      port: 0,
      host: '::1',
      adminPort: 9000,
      tunnel: 'off',
      publicUrl: 'https://mcp.example.com',
      secretStore: 'file',
      noAuth: false,
      newAdminToken: false,
      verbose: true,
    });
  });

  it.each([
    [['--port', 'abc'], /--port must be a port number/],
    [['--port', '70000'], /--port must be a port number/],
    [['--tunnel', 'maybe'], /--tunnel must be quick, named or off/],
    [['--public-url', 'not a url'], /--public-url must be an absolute URL/],
    [['--public-url', 'https://x.example/mcp'], /must be an origin/],
    [['--secret-store', 'plaintext'], /--secret-store must be keychain or file/],
  ])('rejects %j with a message that says what to do', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(UsageError);
    expect(() => parseServeArgs(argv)).toThrow(message);
  });

  it('turns OAuth off only for loopback use', () => {
    expect(parseServeArgs(['--no-auth']).noAuth).toBe(true);
    expect(() => parseServeArgs(['--no-auth', '--public-url', 'https://x.example'])).toThrow(
      /loopback use only/,
    );
  });

  it('rejects unknown flags', () => {
    expect(() => parseServeArgs(['--prot', '1'])).toThrow(/Unknown option '--prot'/);
  });
});

/** The HelpRequest a call throws (or rejects with), or undefined when it throws something else. */
async function helpOf(call: () => unknown): Promise<HelpRequest | undefined> {
  try {
    await call();
  } catch (error) {
    return error instanceof HelpRequest ? error : undefined;
  }
  return undefined;
}

describe('--help and -h', () => {
  it.each([['--help'], ['-h'], ['-vh'], ['--port', '0', '--help'], ['--prot', '--help']])(
    'ferry serve %j asks for serve’s usage (even after a bad flag)',
    async (...argv) => {
      expect((await helpOf(() => parseServeArgs(argv)))?.usage).toBe(SERVE_USAGE);
    },
  );

  it.each([
    ['import', () => runImport(['--help']), IMPORT_USAGE],
    ['import', () => runImport(['claude.json', '-h']), IMPORT_USAGE],
    ['doctor', () => runDoctorCli(['--help']), DOCTOR_USAGE],
    ['doctor', () => runDoctorCli(['https://x.example/mcp', '-h', '--json']), DOCTOR_USAGE],
  ] as const)('ferry %s asks for its own usage before doing anything', async (_name, call, usage) => {
    expect((await helpOf(call))?.usage).toBe(usage);
  });

  it('is not help when -h is the value of another option or comes after --', async () => {
    expect(() => throwIfHelp(['--token', '-h'], { token: { type: 'string' } }, 'usage')).not.toThrow();
    expect(() => throwIfHelp(['--token=-h'], { token: { type: 'string' } }, 'usage')).not.toThrow();
    expect(() => throwIfHelp(['--', '-h'], {}, 'usage')).not.toThrow();
    expect(await helpOf(() => parseServeArgs(['--config', '-h']))).toBeUndefined();
  });

  it('still refuses unknown options of every command with a clear error', async () => {
    expect(() => parseServeArgs(['--hlep'])).toThrow(/Unknown option '--hlep'/);
    await expect(runImport(['--hlep'])).rejects.toThrow(/Unknown option '--hlep'/);
    await expect(runDoctorCli(['https://x.example/mcp', '--hlep'])).rejects.toThrow(
      /Unknown option '--hlep'/,
    );
  });

  it('documents every option each parser accepts, and help itself', () => {
    for (const flag of ['--config', '--data-dir', '--port', '--host', '--admin-port', '--public-url']) {
      expect(SERVE_USAGE).toContain(flag);
      expect(FERRY_USAGE).toContain(flag);
    }
    for (const flag of ['--tunnel', '--secret-store', '--no-auth', '--verbose', '-h, --help'])
      expect(SERVE_USAGE).toContain(flag);
    for (const flag of ['--config', '--data-dir', '--secrets', '--secret-store', '--overwrite', '-h, --help'])
      expect(IMPORT_USAGE).toContain(flag);
    for (const flag of ['--token', '--timeout', '--call', '--call-args', '--slow', '--slow-args', '--json'])
      expect(DOCTOR_USAGE).toContain(flag);
    expect(DOCTOR_USAGE).toContain('-h, --help');
    expect(FERRY_USAGE).toContain('ferry <command> --help');
  });
});
