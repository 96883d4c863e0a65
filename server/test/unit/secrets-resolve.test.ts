import { describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../src/secrets/memory.js';
import {
  parseSecretRef,
  resolveEnv,
  secretKeyFor,
  secretRef,
  secretRefs,
} from '../../src/secrets/resolve.js';
import { SecretStoreError } from '../../src/secrets/types.js';

describe('secret references', () => {
  it('names env secrets env/<server>/<VAR> and round-trips them through ${secret:...}', () => {
    const key = secretKeyFor('github', 'GITHUB_TOKEN');
    expect(key).toBe('env/github/GITHUB_TOKEN');
    expect(secretRef(key)).toBe('${secret:env/github/GITHUB_TOKEN}');
    expect(parseSecretRef(secretRef(key))).toBe(key);
  });

  it('treats anything else as a literal', () => {
    for (const literal of [
      'plain',
      '${secret:}',
      '${secret:a b}',
      'x${secret:a}',
      '${SECRET:a}',
      '$secret:a',
    ]) {
      expect(parseSecretRef(literal)).toBeUndefined();
    }
  });

  it('refuses env names that cannot be a key instead of mangling them', () => {
    expect(() => secretKeyFor('a', 'MY VAR')).toThrow(SecretStoreError);
    try {
      secretKeyFor('a', 'MY VAR');
    } catch (error) {
      expect((error as SecretStoreError).code).toBe('invalid_secret_key');
    }
  });

  it('lists the secrets an env block refers to', () => {
    expect(secretRefs({ A: '${secret:env/s/A}', B: 'literal', C: '${secret:shared/token}' })).toEqual([
      { envVar: 'A', key: 'env/s/A' },
      { envVar: 'C', key: 'shared/token' },
    ]);
    expect(secretRefs(undefined)).toEqual([]);
  });
});

describe('resolveEnv', () => {
  it('replaces references with stored values and passes literals through', async () => {
    const store = new MemorySecretStore({ 'env/gh/TOKEN': 'ghp_secret', 'shared/x': 'ünïcode' });
    expect(
      await resolveEnv(
        { TOKEN: '${secret:env/gh/TOKEN}', X: '${secret:shared/x}', MODE: 'fast', EMPTY: '' },
        store,
        'gh',
      ),
    ).toEqual({ TOKEN: 'ghp_secret', X: 'ünïcode', MODE: 'fast', EMPTY: '' });
    expect(await resolveEnv(undefined, store)).toEqual({});
  });

  it('fails naming the server, env var and secret when a secret is missing', async () => {
    const error = await resolveEnv({ TOKEN: '${secret:env/gh/TOKEN}' }, new MemorySecretStore(), 'gh').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SecretStoreError);
    expect((error as SecretStoreError).code).toBe('secret_missing');
    expect((error as SecretStoreError).message).toContain(
      'Server "gh": env TOKEN refers to secret "env/gh/TOKEN"',
    );
    expect((error as SecretStoreError).message).toContain('Fix:');
  });

  it('passes store failures through unchanged', async () => {
    const failing = new MemorySecretStore();
    failing.get = () => Promise.reject(new SecretStoreError('keychain_unavailable', 'locked'));
    const error = await resolveEnv({ A: '${secret:k}' }, failing).catch((e: unknown) => e);
    expect((error as SecretStoreError).code).toBe('keychain_unavailable');
  });

  it('keeps a variable named __proto__ as an ordinary variable', async () => {
    const env = JSON.parse('{"__proto__": "${secret:k}"}') as Record<string, string>;
    const resolved = await resolveEnv(env, new MemorySecretStore({ k: 'v' }));
    expect(Object.getOwnPropertyDescriptor(resolved, '__proto__')?.value).toBe('v');
  });
});
