import { describe, expect, it } from 'vitest';
import {
  MAX_REDIRECT_URI_LENGTH,
  extraAllowedEntryProblem,
  redirectUriProblem,
  validateRegistrationRedirects,
} from '../../src/auth/policy/redirectUris.js';

const CLAUDE_AI = 'https://claude.ai/api/mcp/auth_callback';
const CLAUDE_COM = 'https://claude.com/api/mcp/auth_callback';

describe('redirectUriProblem: allowed', () => {
  it.each([
    CLAUDE_AI,
    CLAUDE_COM,
    'http://127.0.0.1:33418/',
    'http://127.0.0.1:33418',
    'http://127.0.0.1/callback',
    'http://127.0.0.1:65535/a/b/c',
    'https://127.0.0.1:8443/cb',
    'http://[::1]:9000/cb',
    'https://[::1]/cb',
    'http://localhost:6274/oauth/callback',
    'https://localhost:3000/cb',
    'http://127.0.0.1:1234/cb%20with%20spaces',
  ])('%s', (uri) => {
    expect(redirectUriProblem(uri, [])).toBeUndefined();
  });

  it('accepts a URI of exactly the maximum length', () => {
    const base = 'http://127.0.0.1/';
    const uri = base + 'a'.repeat(MAX_REDIRECT_URI_LENGTH - base.length);
    expect(uri).toHaveLength(MAX_REDIRECT_URI_LENGTH);
    expect(redirectUriProblem(uri, [])).toBeUndefined();
  });
});

describe('redirectUriProblem: refused', () => {
  it.each([
    // Claude's callbacks are exact: no drift of any kind.
    ['https://claude.ai/api/mcp/auth_callback/', "Claude's domains"],
    ['https://claude.ai/api/mcp/Auth_Callback', "Claude's domains"],
    ['https://claude.ai/api/mcp/auth_callbacks', "Claude's domains"],
    ['https://claude.ai/', "Claude's domains"],
    ['https://www.claude.ai/api/mcp/auth_callback', "Claude's domains"],
    ['https://api.claude.com/api/mcp/auth_callback', "Claude's domains"],
    ['https://claude.ai:8443/api/mcp/auth_callback', "Claude's domains"],
    ['https://CLAUDE.AI/api/mcp/auth_callback', 'canonical'],
    ['https://Claude.ai/api/mcp/auth_callback', 'canonical'],
    ['https://claude.ai:443/api/mcp/auth_callback', 'canonical'],
    ['https://claude.ai/x/../api/mcp/auth_callback', 'canonical'],
    ['https://claude.ai/api/./mcp/auth_callback', 'canonical'],
    ['https://claude.ai./api/mcp/auth_callback', "Claude's domains"],
    ['https://claude.com../api/mcp/auth_callback', "Claude's domains"],
    ['https://claude.ai/api/mcp/auth_callback?x=1', 'query'],
    ['https://claude.ai/api/mcp/auth_callback?', 'query'],
    ['https://claude.ai/api/mcp/auth_callback#', 'fragment'],
    ['https://claude.ai/api/mcp/auth_callback#frag', 'fragment'],
    ['http://claude.ai/api/mcp/auth_callback', 'https'],
    // Schemes.
    ['javascript:alert(1)', 'https'],
    ['JavaScript:alert(1)//https://claude.ai/api/mcp/auth_callback', 'https'],
    ['data:text/html,<script>alert(1)</script>', 'https'],
    ['file:///etc/passwd', 'https'],
    ['vbscript:msgbox(1)', 'https'],
    ['ftp://127.0.0.1/cb', 'https'],
    ['com.example.app:/callback', 'https'],
    ['HTTPS://claude.ai/api/mcp/auth_callback', 'https'],
    ['https:/claude.ai/api/mcp/auth_callback', 'https'],
    ['https:///claude.ai/api/mcp/auth_callback', 'canonical'],
    ['//claude.ai/api/mcp/auth_callback', 'https'],
    ['/api/mcp/auth_callback', 'https'],
    ['http://example.com/callback', 'https'],
    ['https://example.com/callback', 'not allowed'],
    // User information hides the real host.
    ['https://claude.ai@evil.com/api/mcp/auth_callback', 'user information'],
    ['https://user:pw@claude.ai/api/mcp/auth_callback', 'user information'],
    ['https://:@claude.ai/api/mcp/auth_callback', 'user information'],
    ['http://127.0.0.1@evil.com/cb', 'user information'],
    ['http://evil.com@127.0.0.1/cb', 'user information'],
    // Backslashes are slashes to a browser.
    ['https://evil.com\\@claude.ai/api/mcp/auth_callback', 'backslash'],
    ['https://claude.ai\\api/mcp/auth_callback', 'backslash'],
    ['http://127.0.0.1\\@evil.com/', 'backslash'],
    // Lookalike and suffix hosts.
    ['https://claude.ai.evil.com/api/mcp/auth_callback', 'not allowed'],
    ['https://evilclaude.ai/api/mcp/auth_callback', 'not allowed'],
    ['https://claude.ai-evil.com/api/mcp/auth_callback', 'not allowed'],
    ['https://сlaude.ai/api/mcp/auth_callback', 'non-ASCII'],
    ['https://claude.аi/api/mcp/auth_callback', 'non-ASCII'],
    ['https://ｃlaude.ai/api/mcp/auth_callback', 'non-ASCII'],
    ['https://xn--laude-0ye.ai/api/mcp/auth_callback', 'punycode'],
    ['https://claude.xn--i-7sb/api/mcp/auth_callback', 'punycode'],
    // Percent-encoding that changes the host or path.
    ['https://claude.ai%2eevil.com/api/mcp/auth_callback', 'encoded'],
    ['https://claude.ai/api/mcp/%2e%2e/auth_callback', 'encoded'],
    ['https://claude.ai/api/mcp/%2E%2E/auth_callback', 'encoded'],
    ['https://claude.ai/api%2fmcp/auth_callback', 'encoded'],
    ['http://127.0.0.1:1234/a%2F..%2Fb', 'encoded'],
    ['http://127.0.0.1/a%5c', 'encoded'],
    ['http://127.0.0.1/a%00', 'encoded'],
    ['http://127.0.0.1/a%0d%0aSet-Cookie:x', 'encoded'],
    ['http://127.0.0.1/a%7f', 'encoded'],
    ['http://127.0.0.1/a%zz', 'encoded'],
    ['http://127.0.0.1/a%', 'encoded'],
    // Loopback is exactly 127.0.0.1, [::1] or localhost, written canonically.
    ['http://127.0.0.2/cb', 'https'],
    ['http://127.1/cb', 'canonical'],
    ['http://0x7f.0.0.1/cb', 'canonical'],
    ['http://2130706433/cb', 'canonical'],
    ['http://[0:0:0:0:0:0:0:1]/cb', 'canonical'],
    ['http://[::ffff:127.0.0.1]/cb', 'canonical'],
    ['http://LOCALHOST:3000/cb', 'canonical'],
    ['http://localhost./cb', 'https'],
    ['http://localhost.evil.com/cb', 'https'],
    ['http://127.0.0.1.nip.io/cb', 'https'],
    ['http://127.0.0.1:80/cb', 'canonical'],
    ['http://127.0.0.1:33418/cb?code=x', 'query'],
    ['http://127.0.0.1:99999/cb', 'valid URL'],
    ['', 'empty'],
  ])('%s (%s)', (uri, reason) => {
    const problem = redirectUriProblem(uri, []);
    expect(problem).toBeDefined();
    expect(problem).toContain(reason);
  });

  it.each([
    ['leading space', ` ${CLAUDE_AI}`],
    ['trailing space', `${CLAUDE_AI} `],
    ['inner space', 'https://claude.ai/api/mcp/auth callback'],
    ['tab', `${CLAUDE_AI}\t`],
    ['newline', `${CLAUDE_AI}\n`],
    ['carriage return', `https://claude.ai\r/api/mcp/auth_callback`],
    ['NUL', `${CLAUDE_AI}\0`],
    ['DEL', `${CLAUDE_AI}\x7f`],
    ['C1 control', `${CLAUDE_AI}\x85`],
    ['no-break space', `${CLAUDE_AI}\u00a0`],
    ['line separator', `${CLAUDE_AI}\u2028`],
    ['zero-width space', `https://claude.ai\u200b/api/mcp/auth_callback`],
    ['byte order mark', `\ufeff${CLAUDE_AI}`],
    ['right-to-left override', `https://claude.ai/api/mcp/\u202eauth_callback`],
  ])('refuses a %s anywhere', (_name, uri) => {
    expect(redirectUriProblem(uri, [])).toContain('whitespace, control or non-ASCII');
  });

  it('refuses URIs longer than the maximum before parsing them', () => {
    const uri = 'http://127.0.0.1/' + 'a'.repeat(MAX_REDIRECT_URI_LENGTH);
    expect(redirectUriProblem(uri, [])).toContain('longer than 2000');
  });
});

describe('redirectUriProblem: extraAllowed', () => {
  it('an exact entry allows exactly that URI', () => {
    const extra = ['https://app.example.com/oauth/callback'];
    expect(redirectUriProblem('https://app.example.com/oauth/callback', extra)).toBeUndefined();
    for (const uri of [
      'https://app.example.com/oauth/callback/',
      'https://app.example.com/oauth/callback2',
      'https://app.example.com/oauth',
      'https://app.example.com/',
      'https://app.example.com/OAUTH/callback',
    ]) {
      expect(redirectUriProblem(uri, extra), uri).toContain('not allowed');
    }
  });

  it('a bare https origin allows any path on exactly that origin', () => {
    const extra = ['https://app.example.com'];
    for (const uri of [
      'https://app.example.com/',
      'https://app.example.com',
      'https://app.example.com/any/path',
    ]) {
      expect(redirectUriProblem(uri, extra), uri).toBeUndefined();
    }
    for (const uri of [
      'https://evil.app.example.com/x',
      'https://app.example.com.evil.com/x',
      'https://app.example.com:8443/x',
      'https://example.com/x',
    ]) {
      expect(redirectUriProblem(uri, extra), uri).toContain('not allowed');
    }
    expect(redirectUriProblem('http://app.example.com/x', extra)).toContain('https');
  });

  it('an origin entry still gets every generic check', () => {
    const extra = ['https://app.example.com'];
    expect(redirectUriProblem('https://app.example.com/x?y=1', extra)).toContain('query');
    expect(redirectUriProblem('https://app.example.com/x#y', extra)).toContain('fragment');
    expect(redirectUriProblem('https://app.example.com/%2e%2e/x', extra)).toContain('encoded');
    expect(redirectUriProblem('https://app.example.com/a/../x', extra)).toContain('canonical');
    expect(redirectUriProblem('https://app.example.com@evil.com/x', extra)).toContain('user information');
  });

  it('an origin with a port allows that port only', () => {
    const extra = ['https://app.example.com:8443'];
    expect(redirectUriProblem('https://app.example.com:8443/cb', extra)).toBeUndefined();
    expect(redirectUriProblem('https://app.example.com/cb', extra)).toContain('not allowed');
  });

  it('a trailing slash makes an entry exact for the root path, not an origin', () => {
    const extra = ['https://app.example.com/'];
    expect(redirectUriProblem('https://app.example.com/', extra)).toBeUndefined();
    expect(redirectUriProblem('https://app.example.com/cb', extra)).toContain('not allowed');
  });

  it.each([
    ['http://app.example.com', 'https'],
    ['http://app.example.com/cb', 'https'],
    ['https://claude.ai', "Claude's domains"],
    ['https://claude.ai/other', "Claude's domains"],
    ['https://evil.claude.com', "Claude's domains"],
    ['https://claude.ai.', "Claude's domains"],
    ['https://xn--laude-0ye.ai', 'punycode'],
    ['https://APP.example.com', 'canonical'],
    [' https://app.example.com', 'whitespace'],
    ['https://app.example.com/cb?x=1', 'query'],
    ['*.example.com', 'https'],
  ])('ignores the unusable entry %s (%s)', (entry, reason) => {
    expect(extraAllowedEntryProblem(entry)).toContain(reason);
  });

  it('unusable entries widen nothing', () => {
    expect(redirectUriProblem('https://claude.ai/other', ['https://claude.ai'])).toContain(
      "Claude's domains",
    );
    expect(redirectUriProblem('https://claude.ai/other', ['https://claude.ai/other'])).toContain(
      "Claude's domains",
    );
    expect(redirectUriProblem('http://app.example.com/cb', ['http://app.example.com/cb'])).toContain('https');
    expect(redirectUriProblem('https://xn--laude-0ye.ai/cb', ['https://xn--laude-0ye.ai'])).toContain(
      'punycode',
    );
  });

  it('accepts usable entries', () => {
    expect(extraAllowedEntryProblem('https://app.example.com')).toBeUndefined();
    expect(extraAllowedEntryProblem('https://app.example.com/cb')).toBeUndefined();
    expect(extraAllowedEntryProblem('https://vscode.dev/redirect')).toBeUndefined();
  });
});

describe('validateRegistrationRedirects', () => {
  it("accepts Claude's registration", () => {
    expect(validateRegistrationRedirects([CLAUDE_AI], [])).toEqual({ ok: true, uris: [CLAUDE_AI] });
  });

  it('accepts a mixed list and drops duplicates, keeping order', () => {
    expect(
      validateRegistrationRedirects([CLAUDE_COM, 'http://127.0.0.1:1234/cb', CLAUDE_COM, CLAUDE_AI], []),
    ).toEqual({ ok: true, uris: [CLAUDE_COM, 'http://127.0.0.1:1234/cb', CLAUDE_AI] });
  });

  it('uses extraAllowed', () => {
    const extra = ['https://app.example.com'];
    expect(validateRegistrationRedirects(['https://app.example.com/cb'], extra)).toEqual({
      ok: true,
      uris: ['https://app.example.com/cb'],
    });
  });

  it.each([
    ['missing', undefined, 'non-empty array'],
    ['null', null, 'non-empty array'],
    ['a string', CLAUDE_AI, 'non-empty array'],
    ['an object', { 0: CLAUDE_AI }, 'non-empty array'],
    ['empty', [], 'non-empty array'],
    ['too many', Array.from({ length: 11 }, (_, i) => `http://127.0.0.1:${1000 + i}/cb`), 'at most 10'],
    ['a number inside', [CLAUDE_AI, 42], 'redirect_uris[1] must be a string'],
    ['null inside', [null], 'redirect_uris[0] must be a string'],
    ['a bad URI inside', [CLAUDE_AI, 'https://evil.com/cb'], 'redirect_uris[1]: redirect_uri is not allowed'],
    ['javascript:', ['javascript:alert(1)'], 'redirect_uris[0]: redirect_uri must use https'],
  ])('refuses %s', (_name, list, description) => {
    const result = validateRegistrationRedirects(list, []);
    expect(result).toMatchObject({ ok: false, error: 'invalid_redirect_uri' });
    expect(result.ok ? '' : result.description).toContain(description);
  });

  it('accepts exactly 10', () => {
    const list = Array.from({ length: 10 }, (_, i) => `http://127.0.0.1:${1000 + i}/cb`);
    expect(validateRegistrationRedirects(list, [])).toEqual({ ok: true, uris: list });
  });
});
