import { describe, expect, it } from 'vitest';
import { parseServeArgs, UsageError } from '../../src/cli/args.js';

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
