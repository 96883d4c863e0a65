import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** The built `ferry` CLI, run as a user runs it: every command answers --help and -h on stdout with 0. */
describe('ferry --help (the real CLI)', () => {
  it.each([[[]], [['--help']], [['-h']], [['help']]])(
    'ferry %j prints the overview to stdout and exits 0',
    async (args) => {
      const { code, stdout, stderr } = await runCli(args);
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/^Ferry \d+\.\d+\.\d+: expose the MCP servers/);
      expect(stdout).toContain('ferry <command> --help');
      // What `npm run serve -- --help` promises in the README, and what bench/run.js looks for.
      expect(stdout).toContain('--no-auth');
      expect(stderr).toBe('');
    },
  );

  it.each([
    [['serve', '--help'], 'Usage: ferry serve [options]', '--tunnel quick|named|off'],
    [['serve', '-h'], 'Usage: ferry serve [options]', '--secret-store keychain|file'],
    [['serve', '--port', '0', '-vh'], 'Usage: ferry serve [options]', '--verbose'],
    [['help', 'serve'], 'Usage: ferry serve [options]', '--admin-port'],
    [['import', '--help'], 'Usage: ferry import [file] [options]', '--secrets detected|all|none'],
    [['import', '-h'], 'Usage: ferry import [file] [options]', '--overwrite'],
    [['doctor', '--help'], 'Usage: ferry doctor <url> [options]', '--call-args <json>'],
    [['doctor', '-h'], 'Usage: ferry doctor <url> [options]', '--slow <tool>'],
    [['doctor', 'https://x.example/mcp', '--json', '-h'], 'Usage: ferry doctor <url> [options]', '--json'],
  ])('ferry %j prints that command’s usage to stdout and exits 0', async (args, head, option) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code, stderr).toBe(0);
    expect(stdout.startsWith(head)).toBe(true);
    expect(stdout).toContain(option);
    expect(stdout).toContain('-h, --help');
    expect(stderr).toBe('');
  });

  it.each([
    [['serve', '--hlep'], "Unknown option '--hlep'", 'ferry serve --help'],
    [['import', '--hlep'], "Unknown option '--hlep'", 'ferry import --help'],
    [['doctor', 'https://x.example/mcp', '--hlep'], "Unknown option '--hlep'", 'ferry doctor --help'],
    [['--hlep'], 'unknown command "--hlep"', 'ferry --help'],
    [['help', 'frobnicate'], 'no help for "frobnicate"', 'ferry --help'],
  ])('ferry %j still fails: a clear message on stderr, exit 2', async (args, message, pointer) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain(`Run "${pointer}" for usage.`);
    expect(stdout).toBe('');
  });
});
