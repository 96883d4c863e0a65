import { describe, expect, it } from 'vitest';
import { validateServerInput } from '../../src/config/serverInput.js';

describe('validateServerInput', () => {
  it('accepts a valid server with options', () => {
    expect(
      validateServerInput(
        'github',
        { command: 'npx', args: ['-y', 'x'], env: { A: 'b' } },
        { sessionMode: 'shared' },
      ),
    ).toEqual([]);
  });

  it('addresses issues the way the admin form names its fields', () => {
    const issues = validateServerInput(
      'my server',
      { command: '', args: ['ok', 3], env: { 'A=B': 'x', C: 1 } },
      { requestTimeoutSeconds: 0, colour: 'red' },
    );
    expect(issues.map((issue) => issue.path).sort()).toEqual(
      [
        'name',
        'command',
        'args[1]',
        'env["A=B"]',
        'env.C',
        'options',
        'options.requestTimeoutSeconds',
      ].sort(),
    );
    const byPath = new Map(issues.map((issue) => [issue.path, issue]));
    expect(byPath.get('name')?.fix).toContain('"my-server"');
    expect(byPath.get('command')?.message).toContain('command must name the program to run');
    expect(byPath.get('command')?.fix).toBe('fill it in; it cannot be empty');
    expect(byPath.get('env["A=B"]')?.message).toBe('Invalid key in record');
    expect(byPath.get('options.requestTimeoutSeconds')?.fix).toBe('use a number at least 1');
    expect(byPath.get('options')?.fix).toContain('remove "colour"');
    for (const issue of issues) expect(issue.fix.length).toBeGreaterThan(0);
  });

  it('reports a missing command as something to add, not to change', () => {
    expect(validateServerInput('a', { args: [] })).toEqual([
      {
        path: 'command',
        message: expect.any(String) as unknown,
        fix: 'add "command"; it must be a string in double quotes',
      },
    ]);
  });

  it('explains that a remote server is not something Ferry runs', () => {
    const issues = validateServerInput('linear', { url: 'https://mcp.linear.app/sse' });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('url');
    expect(issues[0]?.fix).toContain('custom connector');
  });

  it('rejects non-string and reserved names', () => {
    expect(validateServerInput(42, { command: 'x' }).map((issue) => issue.path)).toEqual(['name']);
    expect(validateServerInput('__proto__', { command: 'x' })[0]?.message).toContain('reserved');
    expect(validateServerInput('a'.repeat(49), { command: 'x' })[0]?.fix).toContain(`"${'a'.repeat(48)}"`);
  });
});
