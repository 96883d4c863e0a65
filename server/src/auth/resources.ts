import type { ServerHosts } from '../http/serverHosts.js';

/** The scope Ferry's MCP resources grant; `offline_access` adds refresh tokens. */
export const MCP_SCOPE = 'mcp';
export const SUPPORTED_SCOPES = [MCP_SCOPE, 'offline_access'] as const;

/**
 * The protected resources Ferry serves, named by the public URL: `<origin>/mcp`, `<origin>/mcp/<server>`
 * and, for a server with a hostname of its own, `https://<its host>/mcp`. A token is bound to exactly one
 * of them (its audience), byte for byte as the user pasted it: a token for one host is refused at another.
 */
export class ResourceUrls {
  constructor(
    private readonly origin: () => string,
    private readonly serverExists: (name: string) => boolean,
    /** Per-server hostnames; none when absent. */
    readonly hosts?: ServerHosts,
  ) {}

  get publicOrigin(): string {
    return this.origin();
  }

  mcp(server?: string): string {
    return server ? `${this.origin()}/mcp/${server}` : `${this.origin()}/mcp`;
  }

  /** The resource a per-server hostname serves (`https://files.example.com/mcp`), if `server` has one. */
  hostMcp(server: string): string | undefined {
    return this.hosts?.mcpUrl(server);
  }

  /** The server a request's Host header names as its own hostname, if any. */
  hostServer(hostHeader: string | undefined): string | undefined {
    return this.hosts?.serverFor(hostHeader);
  }

  /** The canonical resource a `resource` parameter names, or undefined when it is not one of ours. */
  canonical(resource: string): string | undefined {
    let url: URL;
    try {
      url = new URL(resource);
    } catch {
      return undefined;
    }
    if (url.search || url.hash) return undefined;
    const path = url.pathname.replace(/\/$/, '');
    if (url.origin !== this.origin()) {
      // A per-server hostname is a resource only at exactly /mcp: it serves one server and nothing else.
      const server = this.hosts?.serverForOrigin(url.origin);
      return server !== undefined && path === '/mcp' && this.serverExists(server)
        ? this.hostMcp(server)
        : undefined;
    }
    if (path === '/mcp') return this.mcp();
    const match = /^\/mcp\/([a-zA-Z0-9_-]{1,48})$/.exec(path);
    return match && this.serverExists(match[1] as string) ? this.mcp(match[1]) : undefined;
  }

  /** Where the protected-resource metadata of `resource` lives (RFC 9728 path insertion, at its own host). */
  metadataUrl(resource: string): string {
    const url = new URL(resource);
    return `${url.origin}/.well-known/oauth-protected-resource${url.pathname}`;
  }
}
