import type { IncomingMessage } from 'node:http';
import type { ResourceUrls } from './resources.js';

export type ServerHostAnswer =
  /** Protected-resource metadata of the host's own resource (undefined: nothing at this path). */
  | { kind: 'metadata'; resource: string | undefined }
  /** A browser step sent to the main origin, where the sign-in cookies and the consent page live. */
  | { kind: 'redirect'; status: 302 | 307; location: string };

/** Browser routes of the authorization server: cookies set on one host are not sent to another. */
const BROWSER_ROUTES = /^\/(?:authorize(?:\/[A-Za-z0-9_-]+)?|consent\/.*)$/;

/**
 * What a per-server hostname (`files.example.com`) answers differently from the main origin: its
 * protected-resource metadata names `https://files.example.com/mcp` (Claude compares `resource` with the
 * connector URL byte for byte) and points at the main origin's authorization server; the sign-in pages
 * redirect there (Claude has been seen using `/authorize` at the MCP server's own root). Token, registration
 * and metadata requests need no cookies and are served as at the main origin. Undefined: nothing special.
 */
export function serverHostOAuth(
  req: IncomingMessage,
  url: URL,
  resources: ResourceUrls,
  mainOrigin: string,
): ServerHostAnswer | undefined {
  const server = resources.hostServer(req.headers.host);
  if (server === undefined) return undefined;
  const route = url.pathname;
  if (route.startsWith('/.well-known/oauth-protected-resource')) {
    const suffix = route.slice('/.well-known/oauth-protected-resource'.length).replace(/\/$/, '');
    const resource =
      suffix === '' || suffix === '/mcp' ? resources.canonical(resources.hostMcp(server) ?? '') : undefined;
    return { kind: 'metadata', resource };
  }
  if (BROWSER_ROUTES.test(route)) {
    // 307 keeps a form POST a POST (with its body); a 302 would turn it into a GET.
    const status = req.method === 'GET' || req.method === 'HEAD' ? 302 : 307;
    return { kind: 'redirect', status, location: `${mainOrigin}${route}${url.search}` };
  }
  return undefined;
}
