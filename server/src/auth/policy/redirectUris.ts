import { CLAUDE_HOSTS, CLAUDE_REDIRECT_URIS } from './claudeClient.js';

/** Long enough for any real callback, short enough to keep hostile input out of storage and logs. */
export const MAX_REDIRECT_URI_LENGTH = 2000;
/** Claude registers one; a local client a handful. More is a sign of abuse, not of need. */
export const MAX_REGISTERED_REDIRECT_URIS = 10;

// RFC 8252 §7.3 loopback hosts, as WHATWG URL serialises them (`hostname` keeps IPv6 brackets).
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export type RegistrationRedirects =
  { ok: true; uris: string[] } | { ok: false; error: 'invalid_redirect_uri'; description: string };

/**
 * Why `uri` may not receive authorization codes, or undefined when it may. Allowed: Claude's two callbacks
 * (byte-exact), loopback URIs on any port and path (http or https), and `extraAllowed` entries: an exact
 * URI, or a bare `https://host[:port]` origin that allows any path on exactly that origin.
 */
export function redirectUriProblem(uri: string, extraAllowed: readonly string[]): string | undefined {
  if (CLAUDE_REDIRECT_URIS.includes(uri)) return undefined;
  const parsed = parseStrict(uri);
  if (typeof parsed === 'string') return parsed;
  if (isClaudeHost(parsed.hostname)) {
    return `only ${CLAUDE_REDIRECT_URIS.join(' and ')} are allowed on Claude's domains`;
  }
  if (LOOPBACK_HOSTS.has(parsed.hostname)) return undefined;
  if (extraAllowed.some((entry) => extraEntryAllows(entry, uri, parsed))) return undefined;
  return "redirect_uri is not allowed: use Claude's callback, a loopback URI, or add it to the allowed redirect URIs";
}

/**
 * Why an `extraAllowed` entry would be ignored, or undefined when it is usable. Configuration code should
 * surface this to the user instead of silently dropping the entry.
 */
export function extraAllowedEntryProblem(entry: string): string | undefined {
  const parsed = parseStrict(entry);
  if (typeof parsed === 'string') return parsed.replace(/^redirect_uri/, 'entry');
  if (parsed.protocol !== 'https:') return 'entry must use https (loopback URIs are always allowed)';
  if (isClaudeHost(parsed.hostname)) return "entries on Claude's domains are not allowed";
  return undefined;
}

/** Validates the `redirect_uris` member of a dynamic client registration body. Duplicates are dropped. */
export function validateRegistrationRedirects(
  list: unknown,
  extraAllowed: readonly string[],
): RegistrationRedirects {
  if (!Array.isArray(list) || list.length === 0) {
    return invalid('redirect_uris must be a non-empty array of strings');
  }
  if (list.length > MAX_REGISTERED_REDIRECT_URIS) {
    return invalid(`at most ${MAX_REGISTERED_REDIRECT_URIS} redirect_uris may be registered`);
  }
  const uris: string[] = [];
  for (const [index, uri] of (list as unknown[]).entries()) {
    if (typeof uri !== 'string') return invalid(`redirect_uris[${index}] must be a string`);
    const problem = redirectUriProblem(uri, extraAllowed);
    if (problem !== undefined) return invalid(`redirect_uris[${index}]: ${problem}`);
    if (!uris.includes(uri)) uris.push(uri);
  }
  return { ok: true, uris };
}

function invalid(description: string): RegistrationRedirects {
  return { ok: false, error: 'invalid_redirect_uri', description };
}

function extraEntryAllows(entry: string, uri: string, parsed: URL): boolean {
  if (extraAllowedEntryProblem(entry) !== undefined) return false;
  if (entry === uri) return true;
  // A bare origin (no path, not even `/`) is the "any path on this host" form; `https://host/` is exact.
  return entry === new URL(entry).origin && entry === parsed.origin;
}

function isClaudeHost(hostname: string): boolean {
  // `claude.ai.` is the same DNS name as `claude.ai`.
  const name = hostname.replace(/\.+$/, '');
  return CLAUDE_HOSTS.some((host) => name === host || name.endsWith(`.${host}`));
}

/**
 * Parses `raw` as an http(s) URL that is already in canonical form, or says why not. Comparing against the
 * WHATWG serialisation is what defeats lookalikes: every input a browser would rewrite (case, default
 * port, dot segments, IPv4 shorthands, Unicode hosts, `https:/x`, `https:///x`) differs from it.
 */
function parseStrict(raw: string): URL | string {
  if (raw.length === 0) return 'redirect_uri is empty';
  if (raw.length > MAX_REDIRECT_URI_LENGTH) {
    return `redirect_uri is longer than ${MAX_REDIRECT_URI_LENGTH} characters`;
  }
  // Printable ASCII only: whitespace, controls and non-ASCII (Unicode lookalike hosts) are all refused.
  if (!/^[\x21-\x7e]+$/.test(raw)) return 'redirect_uri contains whitespace, control or non-ASCII characters';
  // Browsers read `\` as `/` in http(s) URLs, so it can move the authority or path under our checks.
  if (raw.includes('\\')) return 'redirect_uri contains a backslash';
  if (raw.includes('#')) return 'redirect_uri must not contain a fragment';
  if (!raw.startsWith('https://') && !raw.startsWith('http://')) {
    return 'redirect_uri must use https (http is only allowed for loopback)';
  }
  const url = parseUrl(raw);
  if (url === undefined) return 'redirect_uri is not a valid URL';
  const authority = raw.slice(raw.indexOf('//') + 2).split(/[/?]/, 1)[0] ?? '';
  if (authority.includes('@') || url.username !== '' || url.password !== '') {
    return 'redirect_uri must not contain user information';
  }
  if (raw.includes('?')) return 'redirect_uri must not contain a query';
  if (/%(?![0-9a-f]{2})|%(?:2e|2f|5c|[01][0-9a-f]|7f)/i.test(raw)) {
    return 'redirect_uri contains an encoded dot, slash, backslash or control character';
  }
  if (url.hostname.split('.').some((label) => label.startsWith('xn--'))) {
    return 'redirect_uri must not use an internationalized (punycode) host name';
  }
  // A bare origin serialises with a trailing `/`; that alone is not a rewrite worth refusing.
  if (raw !== url.href && `${raw}/` !== url.href) {
    return 'redirect_uri is not in canonical form (lower-case host, no default port, no dot segments)';
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    return 'redirect_uri must use https (http is only allowed for loopback)';
  }
  return url;
}

// `URL.parse` only arrived in Node 22.1; the engines field still allows 20.11.
function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}
