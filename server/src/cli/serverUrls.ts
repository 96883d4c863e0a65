import { PER_SERVER_PATH_RISK, serverConnectorUrl } from '../util/connectorUrls.js';
import { cyan, dim, safe } from './render.js';

/**
 * The "one server" lines of `ferry serve`'s banner: each server with a hostname of its own gets its URL
 * (path exactly /mcp); the generic `/mcp/<name>` form follows with why Claude should not be given it.
 */
export function serverUrlLines(
  publicUrl: string,
  serverHostnames: Readonly<Record<string, string>>,
): string[] {
  const lines: string[] = [];
  for (const server of Object.keys(serverHostnames).sort()) {
    const { url } = serverConnectorUrl(publicUrl, server, serverHostnames);
    lines.push(
      `  ${safe(`${server} alone`).padEnd(27)} ${cyan(safe(url))}  ${dim('own hostname, path /mcp')}`,
    );
  }
  lines.push(`  One server                  ${cyan(safe(`${publicUrl.replace(/\/+$/, '')}/mcp/<name>`))}`);
  lines.push(dim(`    ${PER_SERVER_PATH_RISK}`));
  return lines;
}
