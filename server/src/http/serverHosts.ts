import type { SettingsView } from '../config/live.js';

/**
 * Per-server hostnames (`ferry.tunnel.serverHostnames`): `files.example.com` serves the server `files` at
 * exactly `/mcp`, the only connector path Claude is known to handle in every case (claude-ai-mcp#878).
 * The Host header picks the scope, so the mapping is read per request: the config can change while running.
 */
export class ServerHosts {
  constructor(
    /** `ferry.tunnel.serverHostnames`: server name -> hostname, as configured. */
    private readonly settings: SettingsView<'tunnel'>,
    /** The public origin: per-server hosts use its scheme (https behind a tunnel). */
    private readonly publicOrigin: () => string,
  ) {}

  #hostnames(): Readonly<Record<string, string>> {
    return this.settings.ferry.tunnel.serverHostnames;
  }

  /** The server a Host header names, or undefined when it is not a per-server hostname. */
  serverFor(hostHeader: string | undefined): string | undefined {
    if (!hostHeader) return undefined;
    const name = stripPort(hostHeader.toLowerCase());
    for (const [server, hostname] of Object.entries(this.#hostnames())) {
      if (hostname.toLowerCase() === name) return server;
    }
    return undefined;
  }

  /** `https://files.example.com` for `files`, or undefined when the server has no hostname of its own. */
  origin(server: string): string | undefined {
    const hostname = Object.hasOwn(this.#hostnames(), server) ? this.#hostnames()[server] : undefined;
    if (!hostname) return undefined;
    return `${new URL(this.publicOrigin()).protocol}//${hostname.toLowerCase()}`;
  }

  /** The connector URL of a server's own hostname: its path is exactly `/mcp`. */
  mcpUrl(server: string): string | undefined {
    const origin = this.origin(server);
    return origin ? `${origin}/mcp` : undefined;
  }

  /** The server whose own origin this is (`https://files.example.com`), if any. */
  serverForOrigin(origin: string): string | undefined {
    for (const server of Object.keys(this.#hostnames())) {
      if (this.origin(server) === origin) return server;
    }
    return undefined;
  }

  /** Every per-server hostname, lower case: the Host/Origin policy allows them. */
  list(): string[] {
    return Object.values(this.#hostnames()).map((hostname) => hostname.toLowerCase());
  }
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host;
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
