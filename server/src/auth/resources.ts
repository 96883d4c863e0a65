/** The scope Ferry's MCP resources grant; `offline_access` adds refresh tokens. */
export const MCP_SCOPE = 'mcp';
export const SUPPORTED_SCOPES = [MCP_SCOPE, 'offline_access'] as const;

/**
 * The protected resources Ferry serves, named by the public URL: `<origin>/mcp` and `<origin>/mcp/<server>`.
 * A token is bound to exactly one of them (its audience), byte for byte as the user pasted it.
 */
export class ResourceUrls {
  constructor(
    private readonly origin: () => string,
    private readonly serverExists: (name: string) => boolean,
  ) {}

  get publicOrigin(): string {
    return this.origin();
  }

  mcp(server?: string): string {
    return server ? `${this.origin()}/mcp/${server}` : `${this.origin()}/mcp`;
  }

  /** The canonical resource a `resource` parameter names, or undefined when it is not one of ours. */
  canonical(resource: string): string | undefined {
    let url: URL;
    try {
      url = new URL(resource);
    } catch {
      return undefined;
    }
    if (url.origin !== this.origin() || url.search || url.hash) return undefined;
    const path = url.pathname.replace(/\/$/, '');
    if (path === '/mcp') return this.mcp();
    const match = /^\/mcp\/([a-zA-Z0-9_-]{1,48})$/.exec(path);
    return match && this.serverExists(match[1] as string) ? this.mcp(match[1]) : undefined;
  }

  /** Where the protected-resource metadata of `resource` lives (RFC 9728 path insertion). */
  metadataUrl(resource: string): string {
    const path = new URL(resource).pathname;
    return `${this.origin()}/.well-known/oauth-protected-resource${path}`;
  }
}
