import { describe, expect, it } from 'vitest';
import {
  normalizeAuthorizationQuery,
  normalizeScope,
  normalizeScopeParam,
} from '../../src/auth/policy/scopes.js';

const SUPPORTED = ['mcp', 'offline_access'] as const;
const FALLBACK = 'mcp';

describe('normalizeScope', () => {
  it.each([
    ['claudeai', 'mcp'],
    [' offline_access', 'offline_access'],
    ['read write', 'mcp'],
    ['mcp offline_access', 'mcp offline_access'],
    ['offline_access mcp', 'offline_access mcp'],
    ['mcp+offline_access', 'mcp offline_access'],
    ['mcp%20offline_access', 'mcp offline_access'],
    ['mcp%2Boffline_access', 'mcp offline_access'],
    ['mcp%2boffline_access', 'mcp offline_access'],
    ['mcp,offline_access', 'mcp offline_access'],
    ['mcp mcp offline_access mcp', 'mcp offline_access'],
    ['claudeai offline_access read write mcp', 'offline_access mcp'],
    ['offline_access\tmcp\n', 'offline_access mcp'],
    ['\r\nmcp\r\n', 'mcp'],
    ['mcp\u00a0offline_access', 'mcp offline_access'],
    ['mcp\u2028offline_access', 'mcp offline_access'],
    ['  ', 'mcp'],
    ['', 'mcp'],
    ['+', 'mcp'],
    ['MCP', 'mcp'],
    ['mcp:read', 'mcp'],
    ['offline_access_extra', 'mcp'],
  ])('%j -> %j', (raw, expected) => {
    expect(normalizeScope(raw, SUPPORTED, FALLBACK)).toBe(expected);
  });

  it.each([[undefined], [null], [42], [{}], [true], [Symbol('scope')], [() => 'mcp']])(
    'falls back for %s',
    (raw) => {
      expect(normalizeScope(raw, SUPPORTED, FALLBACK)).toBe(FALLBACK);
    },
  );

  it('accepts arrays of strings and ignores other members', () => {
    expect(normalizeScope(['offline_access', 1, null, 'mcp offline_access'], SUPPORTED, FALLBACK)).toBe(
      'offline_access mcp',
    );
    expect(normalizeScope([], SUPPORTED, FALLBACK)).toBe(FALLBACK);
  });

  it('returns the fallback as given, even when empty', () => {
    expect(normalizeScope('claudeai', SUPPORTED, '')).toBe('');
    expect(normalizeScope('claudeai', SUPPORTED, 'mcp offline_access')).toBe('mcp offline_access');
  });

  it('never throws and only ever returns supported values or the fallback', () => {
    const alphabet = [
      'mcp',
      'offline_access',
      ' ',
      '\t',
      '+',
      '%20',
      '%',
      ',',
      'x',
      '\u00a0',
      '\ud800',
      '\0',
    ];
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i++) {
      const raw = Array.from({ length: Math.floor(random() * 12) }, () =>
        String(alphabet[Math.floor(random() * alphabet.length)]),
      ).join('');
      const result = normalizeScope(raw, SUPPORTED, FALLBACK);
      const values = result.split(' ');
      expect(
        values.every((value) => (SUPPORTED as readonly string[]).includes(value)),
        raw,
      ).toBe(true);
      expect(new Set(values).size).toBe(values.length);
    }
  });

  it('handles a very long input quickly', () => {
    const raw = 'claudeai '.repeat(100_000) + 'offline_access';
    const started = performance.now();
    expect(normalizeScope(raw, SUPPORTED, FALLBACK)).toBe('offline_access');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('normalizeScopeParam', () => {
  it('rewrites the scope of an /authorize query', () => {
    const params = new URLSearchParams('response_type=code&scope=+offline_access+claudeai&state=x');
    expect(params.get('scope')).toBe(' offline_access claudeai');
    expect(normalizeScopeParam(params, SUPPORTED, FALLBACK)).toBe('offline_access');
    expect(params.toString()).toBe('response_type=code&scope=offline_access&state=x');
  });

  it('uses the fallback for an /authorize scope with nothing known in it', () => {
    const params = new URLSearchParams('scope=read%20write');
    expect(normalizeScopeParam(params, SUPPORTED, FALLBACK)).toBe('mcp');
    expect(params.get('scope')).toBe('mcp');
  });

  it('merges a repeated scope parameter into one', () => {
    const params = new URLSearchParams('scope=mcp&scope=offline_access&scope=mcp');
    expect(normalizeScopeParam(params, SUPPORTED, FALLBACK)).toBe('mcp offline_access');
    expect(params.getAll('scope')).toEqual(['mcp offline_access']);
  });

  it('leaves an absent scope absent (a refresh without scope keeps the grant)', () => {
    const params = new URLSearchParams('grant_type=refresh_token&refresh_token=x');
    expect(normalizeScopeParam(params, SUPPORTED, FALLBACK)).toBeUndefined();
    expect(params.has('scope')).toBe(false);
    const body: Record<string, unknown> = { grant_type: 'refresh_token' };
    expect(normalizeScopeParam(body, SUPPORTED, FALLBACK)).toBeUndefined();
    expect('scope' in body).toBe(false);
  });

  it("removes a /token scope that normalises to nothing when the fallback is ''", () => {
    const params = new URLSearchParams('grant_type=refresh_token&scope=claudeai');
    expect(normalizeScopeParam(params, SUPPORTED, '')).toBeUndefined();
    expect(params.has('scope')).toBe(false);
    const body: Record<string, unknown> = { grant_type: 'refresh_token', scope: ' ' };
    expect(normalizeScopeParam(body, SUPPORTED, '')).toBeUndefined();
    expect('scope' in body).toBe(false);
  });

  it('rewrites a parsed form body', () => {
    const body: Record<string, unknown> = {
      grant_type: 'authorization_code',
      scope: 'mcp+mcp offline_access',
    };
    expect(normalizeScopeParam(body, SUPPORTED, FALLBACK)).toBe('mcp offline_access');
    expect(body).toEqual({ grant_type: 'authorization_code', scope: 'mcp offline_access' });
  });

  it('tolerates a non-string scope in a parsed body', () => {
    const body: Record<string, unknown> = { scope: 7 };
    expect(normalizeScopeParam(body, SUPPORTED, FALLBACK)).toBe('mcp');
    expect(body.scope).toBe('mcp');
  });
});

describe('normalizeAuthorizationQuery', () => {
  const normalized = (query: string) => {
    const params = new URLSearchParams(query);
    normalizeAuthorizationQuery(params, ['mcp', 'offline_access'], 'mcp');
    return { scope: params.getAll('scope'), prompt: params.getAll('prompt') };
  };

  it.each([
    ['scope=%20offline_access', 'mcp offline_access'],
    ['scope=offline_access', 'mcp offline_access'],
    ['scope=claudeai', 'mcp'],
    ['', 'mcp'],
    ['scope=offline_access%20mcp', 'offline_access mcp'],
    ['scope=claudeai&scope=offline_access', 'mcp offline_access'],
  ])('always asks for the resource scope: %s -> %s', (query, scope) => {
    expect(normalized(query).scope).toEqual([scope]);
  });

  it.each([
    ['', 'consent'],
    ['prompt=consent', 'consent'],
    ['prompt=login', 'login consent'],
    ['prompt=none', 'none'],
  ])('adds consent to the prompt unless it is none: "%s" -> "%s"', (query, prompt) => {
    expect(normalized(query).prompt).toEqual([prompt]);
  });
});
