/**
 * The connector URLs Ferry shows and copies, and the words around them, once for every surface (CLI, tray,
 * window). Pure: the window imports it too.
 *
 * Connectors whose path is anything but exactly `/mcp` have been reported to fail right after the token
 * exchange (anthropics/claude-ai-mcp#878), so `<public>/mcp` is what Ferry recommends, and a server of its
 * own is offered at its own hostname (`https://files.example.com/mcp`) when one is configured.
 */

/** The issue that makes `/mcp/<server>` risky, for links and mentions. */
export const PATH_ISSUE = 'anthropics/claude-ai-mcp#878';

/** Why `/mcp` is the URL to use. */
export const RECOMMENDED_NOTE = 'Recommended for Claude: every server, at a path of exactly /mcp.';

/** Why a `/mcp/<server>` URL is not, in one sentence. */
export const PER_SERVER_PATH_RISK = `Not recommended for Claude: connectors at paths other than exactly /mcp have failed right after sign-in (${PATH_ISSUE}).`;

/** `https://x.example/mcp` from any URL on the public origin (a trailing slash or path is dropped). */
export function recommendedUrl(publicUrl: string): string {
  return `${originOf(publicUrl)}/mcp`;
}

export interface ServerConnectorUrl {
  server: string;
  url: string;
  /** True for a server's own hostname (path exactly `/mcp`); false for `/mcp/<server>`. */
  recommended: boolean;
  /** One sentence for the user: why this URL is fine, or why not and what to use instead. */
  note: string;
}

/**
 * The URL to add one server alone: its own hostname when it has one, else `/mcp/<server>` with the risk
 * spelled out and the way around it.
 */
export function serverConnectorUrl(
  publicUrl: string,
  server: string,
  serverHostnames: Readonly<Record<string, string>>,
): ServerConnectorUrl {
  const origin = originOf(publicUrl);
  const hostname = Object.hasOwn(serverHostnames, server) ? serverHostnames[server] : undefined;
  if (hostname) {
    return {
      server,
      url: `${new URL(origin).protocol}//${hostname.toLowerCase()}/mcp`,
      recommended: true,
      note: `${server} alone, at its own hostname: the path is exactly /mcp, as Claude needs.`,
    };
  }
  return {
    server,
    url: `${origin}/mcp/${server}`,
    recommended: false,
    note: `${PER_SERVER_PATH_RISK} Use ${origin}/mcp, or give ${server} a hostname of its own with a named tunnel (docs/tunnel.md).`,
  };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url.replace(/\/+$/, '').replace(/\/mcp$/, '');
  }
}
