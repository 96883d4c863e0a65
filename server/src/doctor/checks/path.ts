import type { CheckSpec } from '../context.js';
import { pass, problem } from './common.js';

/** The one connector path Claude is known to handle in every case (claude-ai-mcp#878). */
export const RECOMMENDED_PATH = '/mcp';

/**
 * Cause 9 of claude-connector.md: connectors whose path is anything but exactly `/mcp` (`/mcp/<server>`, a
 * trailing slash, `/api/mcp`) have been reported to fail right after the token exchange. Nothing on the
 * wire shows it beforehand, so this check reads the URL itself and warns; it never fails a run.
 */
export const connectorPath: CheckSpec = {
  id: 'connector-path',
  title: 'Connector path is exactly /mcp',
  need:
    'A connector URL whose path is exactly /mcp: Claude has been reported to fail right after the token ' +
    'exchange on other paths (anthropics/claude-ai-mcp#878).',
  // Like every check after the first request: nothing more is said about a server that was not reached.
  skipIf: (ctx) =>
    !ctx.url ? 'no URL to read' : ctx.unreachable ? `not reached: ${ctx.unreachable}` : undefined,
  run(ctx) {
    const url = ctx.url as URL;
    const path = url.pathname;
    if (path === RECOMMENDED_PATH && !url.search) {
      return Promise.resolve(pass('the path is exactly /mcp'));
    }
    if (path === RECOMMENDED_PATH) {
      return Promise.resolve(
        problem(
          'warn',
          'connector-path',
          `the URL carries a query (${url.search}): Claude compares the connector URL byte for byte`,
          `Add the connector as ${url.origin}/mcp, without a query.`,
        ),
      );
    }
    const perServer = /^\/mcp\/([^/]+)\/?$/.exec(path);
    const detail = perServer
      ? `the path is ${path}, a per-server path: connectors at paths other than exactly /mcp have been reported to fail right after the token exchange (claude-ai-mcp#878)`
      : `the path is ${path || '/'}, not exactly /mcp: connectors at such paths have been reported to fail right after the token exchange (claude-ai-mcp#878)`;
    const fix = perServer
      ? `Use ${url.origin}/mcp (every server), or give "${decodeURIComponent(perServer[1] as string)}" a hostname of its own ` +
        '(ferry.tunnel.serverHostnames, routed by a named tunnel) and add https://<that host>/mcp.'
      : `Use ${url.origin}/mcp if the server answers there; Ferry serves every server at /mcp.`;
    return Promise.resolve(problem('warn', 'connector-path', detail, fix));
  },
};
