import type { CauseId, CheckResult, DoctorReport } from './types.js';

interface Cause {
  /** What goes wrong, as the user sees it in Claude. */
  headline: string;
  /** The general remedy; the failing check's own `fix` is more specific and comes first in the summary. */
  remedy: string;
}

/**
 * The one mapping from a cause to its words, in claude-connector.md's order (most frequent first), then the
 * causes that list does not rank. Both the doctor's summary and the live timeline read it.
 */
export const CAUSES: Readonly<Record<CauseId, Cause>> = {
  'edge-blocks-claude-user': {
    headline:
      'Requests with the user agent Claude-User are blocked at the edge (bot protection): sign-in completes, ' +
      'then Claude never reaches the MCP endpoint.',
    remedy:
      'In Cloudflare, open the zone of this hostname: Security > Bots, turn off "Block AI bots" (or in AI ' +
      'Crawl Control set Claude-User to Allow), or add a WAF skip rule for the MCP path. Other CDNs and ' +
      'firewalls have similar "AI crawler" rules.',
  },
  'token-audience': {
    headline:
      'The access token is for another URL (audience/resource mismatch), typically because the tunnel ' +
      'hostname changed after the connector was added.',
    remedy:
      'Remove the connector in Claude and add it again with the current URL. A named tunnel keeps one ' +
      'hostname, so tokens stay valid across restarts.',
  },
  'resource-metadata': {
    headline:
      'The protected-resource metadata is missing, behind auth, pointed to by a relative URL, or names the ' +
      'wrong resource: Claude cannot find the OAuth server.',
    remedy:
      'Serve the same JSON at /.well-known/oauth-protected-resource<path> and at the root, without auth, ' +
      'with "resource" equal to the connector URL byte for byte, and an absolute resource_metadata URL in the 401.',
  },
  'pkce-s256': {
    headline: 'The authorization server does not advertise PKCE S256: Claude never starts the sign-in.',
    remedy: 'Add "code_challenge_methods_supported": ["S256"] to the authorization-server metadata.',
  },
  'auth-server-metadata': {
    headline:
      'The authorization-server metadata is missing or incomplete: Claude cannot find where to register, ' +
      'sign in or get tokens.',
    remedy:
      'Serve RFC 8414 metadata at /.well-known/oauth-authorization-server (and the OIDC and path-suffixed ' +
      'forms) with authorization_endpoint, token_endpoint and registration_endpoint.',
  },
  'accept-or-session': {
    headline:
      'The MCP endpoint refuses Claude\'s headers: 406 for "Accept: */*", or 400 when a notification comes ' +
      'without Mcp-Session-Id.',
    remedy:
      'Treat "Accept: */*" as accepting JSON and SSE, and answer 202 to notifications that come without a ' +
      'session id.',
  },
  'sse-buffering': {
    headline:
      'Streams are buffered on the way (tunnel, proxy or server): events arrive only when the response ends, ' +
      'and long calls are cut at ~100 s (HTTP 524).',
    remedy:
      'Send "Cache-Control: no-cache, no-transform" and "X-Accel-Buffering: no" on SSE, flush after each ' +
      'event, and stream long calls on the POST with a keep-alive comment every ~15 s.',
  },
  reachability: {
    headline:
      'Claude cannot reach this URL: it needs https on port 443 at a host with a public IPv4 address.',
    remedy:
      'Use the tunnel URL Ferry shows (a Cloudflare tunnel qualifies), not a local, LAN, IPv6-only or ' +
      'non-443 address.',
  },
  'no-modern-protocol': {
    headline:
      'The server cannot serve MCP 2026-07-28, which Claude opens with since August 2026: the connector ' +
      'fails to connect or keeps a stale tool list.',
    remedy:
      'Answer server/discover and stateless requests (per-request _meta at 2026-07-28, no session) as ' +
      'the 2026-07-28 revision asks; Ferry does this for every server it wraps.',
  },
  'connector-path': {
    headline:
      "The connector URL's path is not exactly /mcp: such connectors have been reported to fail right after " +
      'the token exchange (anthropics/claude-ai-mcp#878).',
    remedy:
      'Add the connector as https://<host>/mcp. To connect one server alone, give it a hostname of its own ' +
      '(ferry.tunnel.serverHostnames with a named tunnel) and use https://<its host>/mcp.',
  },
  unreachable: {
    headline: 'Nothing answered at this URL (connection refused, timed out, TLS failure or tunnel down).',
    remedy:
      'Check that Ferry (or the server) is running and the tunnel is connected, then run the doctor again.',
  },
  'oauth-registration': {
    headline: 'Claude cannot register itself as an OAuth client.',
    remedy:
      "Accept Claude's registration body (any scope string, redirect URI https://claude.ai/api/mcp/auth_callback, " +
      'auth method "none") with 201, or support client metadata documents.',
  },
  'oauth-authorize': {
    headline:
      'The authorization endpoint refuses Claude\'s request (its scope is malformed, e.g. "claudeai").',
    remedy:
      'Split the scope on whitespace, drop values you do not know and continue; never answer invalid_scope.',
  },
  'mcp-endpoint': {
    headline: "The MCP endpoint does not answer Claude's requests as the protocol requires.",
    remedy: "Check the URL (usually ends in /mcp) and the server's logs for the failing request.",
  },
  // Not ranked by frequency: while the user has paused Ferry it outranks everything (see `summarize`).
  'ferry-paused': {
    headline:
      'Ferry is paused by its user: the tunnel is stopped and the MCP and OAuth endpoints answer 503.',
    remedy:
      'Resume exposure (tray: "Resume exposure"; window: Status › Resume exposure; or POST /api/exposure/resume), ' +
      'then run the doctor again. A quick tunnel comes back with a new address.',
  },
};

/** Causes in rank order, for picking the most likely one. */
export const CAUSE_ORDER = Object.keys(CAUSES) as CauseId[];

/** The verdict of a whole run. */
export function overallVerdict(checks: readonly CheckResult[]): DoctorReport['verdict'] {
  if (checks.some((c) => c.verdict === 'fail')) return 'fail';
  if (checks.some((c) => c.verdict === 'warn')) return 'warn';
  return 'pass';
}

/**
 * The summary paragraph: the most likely cause (the highest-ranked cause among failed checks) with the
 * failing check's own fix, then any other causes in play; or, with no failure, the warnings.
 */
export function summarize(checks: readonly CheckResult[]): { summary: string; cause?: CauseId } {
  const failed = checks.filter((c) => c.verdict === 'fail');
  if (failed.length === 0) {
    const warned = checks.filter((c) => c.verdict === 'warn');
    if (warned.length === 0) return { summary: 'Every check passed: Claude should connect to this URL.' };
    const list = warned.map((c) => sentence(`${c.title}: ${c.detail}`)).join(' ');
    return {
      summary: `No check failed. ${warned.length === 1 ? 'One warning' : `${warned.length} warnings`}: ${list}`,
    };
  }
  // A paused Ferry explains every other failure it causes (503s, a stopped tunnel): it leads.
  const byRank = (c: CheckResult) =>
    c.cause === 'ferry-paused' ? -1 : CAUSE_ORDER.indexOf(c.cause ?? 'mcp-endpoint');
  const ranked = [...failed].sort((a, b) => byRank(a) - byRank(b));
  const first = ranked[0] as CheckResult;
  const cause = first.cause ?? 'mcp-endpoint';
  const others = [...new Set(ranked.slice(1).map((c) => c.cause ?? 'mcp-endpoint'))].filter(
    (c) => c !== cause,
  );
  const parts = [
    `Most likely cause: ${CAUSES[cause].headline}`,
    sentence(`Seen at "${first.title}": ${first.detail}`),
    sentence(`Fix: ${first.fix ?? CAUSES[cause].remedy}`),
  ];
  if (others.length > 0) parts.push(`Also failing: ${others.map((c) => CAUSES[c].headline).join(' ')}`);
  // A failure after the token exchange may be this very risk, though no check can see it fail.
  if (checks.some((c) => c.verdict === 'warn' && c.cause === 'connector-path'))
    parts.push(`Also at risk: ${CAUSES['connector-path'].headline}`);
  return { summary: parts.join(' '), cause };
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
