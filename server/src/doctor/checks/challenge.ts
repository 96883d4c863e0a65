import { CAUSES } from '../causes.js';
import { PAUSED_MESSAGE } from '../../exposure/pause.js';
import { edgeBlock, FIRST_REQUEST_HEADERS, initializeRequest, UA_CLAUDE_USER } from '../claude.js';
import type { CheckSpec, DoctorContext, Outcome } from '../context.js';
import {
  answered,
  blockedByEdge,
  parseChallenge,
  pass,
  pathOf,
  problem,
  reached,
  reachedWithAuth,
  skip,
} from './common.js';
import type { Exchange } from '../probe.js';

const ACCEPT_FIX =
  'Treat "Accept: */*" (and a missing Accept) as accepting both application/json and text/event-stream; ' +
  'check the token before content negotiation so a request without one always gets 401.';

/** Verdicts shared by every unauthenticated request to the MCP URL that did not get its 401. */
function unexpected(exchange: Exchange, what: string, url: URL): Outcome {
  const { status, evidence } = exchange;
  const edge = edgeBlock(exchange);
  if (edge) {
    return blockedByEdge(
      `${what} got ${edge}: the edge blocks Claude's backend before the server sees it`,
      evidence,
      [],
      `"Bot Fight Mode" also challenges python-httpx, Claude's first user agent.`,
    );
  }
  if (status === 406) {
    return problem(
      'fail',
      'accept-or-session',
      `${what} answered 406 Not Acceptable to "Accept: */*"`,
      ACCEPT_FIX,
      evidence,
    );
  }
  if (status === 530 || /error code: 1033/.test(exchange.text)) {
    return problem(
      'fail',
      'unreachable',
      `${what} answered HTTP ${status}: Cloudflare has no connected tunnel for ${url.hostname} (error 1033)`,
      'Start the tunnel (Ferry starts it for you) and wait until it shows "connected", then try again.',
      evidence,
    );
  }
  if (status === 503 && exchange.text.includes(PAUSED_MESSAGE)) {
    return problem(
      'fail',
      'ferry-paused',
      `${what} answered HTTP 503: ${PAUSED_MESSAGE}`,
      CAUSES['ferry-paused'].remedy,
      evidence,
    );
  }
  if (status === 502 || status === 503 || status === 504) {
    return problem(
      'fail',
      'unreachable',
      `${what} answered HTTP ${status}: the edge or proxy could not reach the server behind it`,
      'Check that Ferry (or the server) is running and that the tunnel points at its port.',
      evidence,
    );
  }
  if (status >= 300 && status < 400) {
    return problem(
      'fail',
      'mcp-endpoint',
      `${what} was redirected (HTTP ${status}) to ${exchange.headers.get('location') ?? '?'}`,
      'Give Claude the final URL: it does not follow redirects on the MCP endpoint.',
      evidence,
    );
  }
  if (status === 404) {
    return problem(
      'fail',
      'mcp-endpoint',
      `${what} answered 404: there is no MCP endpoint at ${url.pathname}`,
      `Check the path: Ferry's endpoint is ${url.origin}/mcp (or /mcp/<server> for one server).`,
      evidence,
    );
  }
  return problem(
    'fail',
    'mcp-endpoint',
    `${what} answered ${answered(exchange)} instead of 401`,
    'Answer MCP requests without a token with 401 and a Bearer challenge.',
    evidence,
  );
}

/** The verdict on a 401: a Bearer challenge with an absolute `resource_metadata` (and a `scope`). */
function judgeChallenge(exchange: Exchange, what: string, ctx: DoctorContext): Outcome {
  const header = exchange.headers.get('www-authenticate');
  const { scheme, params } = parseChallenge(header);
  const { evidence } = exchange;
  if (scheme.toLowerCase() !== 'bearer') {
    return problem(
      'fail',
      'resource-metadata',
      header
        ? `${what} answered 401 with "WWW-Authenticate: ${header}", not a Bearer challenge`
        : `${what} answered 401 without WWW-Authenticate`,
      'Send "WWW-Authenticate: Bearer resource_metadata=\\"<absolute URL of the protected-resource metadata>\\", scope=\\"<scopes>\\"".',
      evidence,
    );
  }
  const metadata = params.resource_metadata;
  if (metadata === undefined) {
    return problem(
      'fail',
      'resource-metadata',
      `${what} answered 401 with a Bearer challenge but no resource_metadata`,
      `Add resource_metadata="${(ctx.url as URL).origin}/.well-known/oauth-protected-resource${pathOf(ctx.url as URL)}" to the challenge.`,
      evidence,
    );
  }
  let absolute: URL | undefined;
  try {
    absolute = new URL(metadata);
  } catch {
    absolute = undefined;
  }
  if (!absolute || !/^https?:$/.test(absolute.protocol)) {
    return problem(
      'fail',
      'resource-metadata',
      `${what}: resource_metadata is "${metadata}", not an absolute URL`,
      `Make it absolute: resource_metadata="${new URL(metadata, (ctx.url as URL).origin).href}". Claude does not resolve relative URLs here.`,
      evidence,
    );
  }
  ctx.resourceMetadataUrl ??= absolute.href;
  if (params.scope === undefined) {
    return problem(
      'warn',
      'resource-metadata',
      `${what} answered 401 with an absolute resource_metadata but no scope`,
      'Add scope="<scopes>" to the challenge: Claude asks for what it is told, otherwise for its own "claudeai".',
      evidence,
    );
  }
  return pass(
    `${what} answered 401 with Bearer resource_metadata="${metadata}", scope="${params.scope}"`,
    evidence,
  );
}

export const challengePost: CheckSpec = {
  id: 'challenge-post',
  title: 'POST without a token gets 401 and a Bearer challenge',
  need:
    'POST <url> with no token, "Accept: */*" and "MCP-Protocol-Version: 2025-11-25" answered 401 with ' +
    '"WWW-Authenticate: Bearer resource_metadata="<absolute URL>", scope="…"" (never 406).',
  skipIf: reached,
  run(ctx) {
    const exchange = ctx.firstPost as Exchange;
    const url = ctx.url as URL;
    if (exchange.status >= 200 && exchange.status < 300) {
      ctx.noAuth = true;
      return Promise.resolve(
        problem(
          'warn',
          undefined,
          `answered HTTP ${exchange.status} without a token: Claude connects without sign-in, and so can anyone who has the URL`,
          'Fine for a public server; otherwise put OAuth in front of it (Ferry does unless started with --no-auth).',
          exchange.evidence,
        ),
      );
    }
    if (exchange.status !== 401)
      return Promise.resolve(unexpected(exchange, 'the unauthenticated POST', url));
    return Promise.resolve(judgeChallenge(exchange, 'the unauthenticated POST', ctx));
  },
};

export const challengeGetHead: CheckSpec = {
  id: 'challenge-get-head',
  title: 'GET and HEAD without a token also get 401',
  need: 'GET and HEAD <url> without a token answered like the POST: 401 with the same Bearer challenge.',
  skipIf: reachedWithAuth,
  async run(ctx) {
    const url = ctx.url as URL;
    const results: Array<{ method: string; exchange: Exchange; outcome: Outcome }> = [];
    for (const method of ['GET', 'HEAD']) {
      const headers: Record<string, string> = { ...FIRST_REQUEST_HEADERS };
      delete headers['content-type'];
      const exchange = await ctx.probe.send({ method, url: url.href, headers });
      const outcome =
        exchange.status === 401
          ? judgeChallenge(exchange, `${method}`, ctx)
          : exchange.status === 405
            ? problem(
                'warn',
                'mcp-endpoint',
                `${method} answered 405 before asking for a token`,
                'Check the token before routing by method, so GET and HEAD answer 401 with the challenge like POST.',
                exchange.evidence,
              )
            : unexpected(exchange, method, url);
      results.push({ method, exchange, outcome });
    }
    const worst =
      results.find((r) => r.outcome.verdict === 'fail') ?? results.find((r) => r.outcome.verdict === 'warn');
    const evidence = results.map((r) => r.exchange.evidence);
    if (worst) return { ...worst.outcome, evidence: worst.exchange.evidence, related: evidence };
    return pass('GET and HEAD both answered 401 with the Bearer challenge', evidence[0], evidence.slice(1));
  },
};

export const claudeUser: CheckSpec = {
  id: 'claude-user',
  title: 'Requests as "Claude-User" get the same answer',
  need:
    'The same answer for the user agent Claude-User as for any other: after sign-in every request Claude ' +
    'sends carries it, and edges with "Block AI bots" drop them silently.',
  skipIf: reached,
  async run(ctx) {
    const url = ctx.url as URL;
    const baseline = ctx.firstPost as Exchange;
    const exchange = await ctx.probe.send({
      method: 'POST',
      url: url.href,
      headers: { ...FIRST_REQUEST_HEADERS, 'user-agent': UA_CLAUDE_USER },
      body: JSON.stringify(initializeRequest(0)),
    });
    const related = [baseline.evidence];
    const edge = edgeBlock(exchange);
    if (edge || (exchange.status === 403 && baseline.status !== 403)) {
      return blockedByEdge(
        `the same POST as "Claude-User" got ${edge ?? 'HTTP 403'} (HTTP ${baseline.status} without it)`,
        exchange.evidence,
        related,
      );
    }
    if (!exchange.status) {
      return blockedByEdge(
        `the same POST as "Claude-User" got no answer (${exchange.error ?? '?'}), HTTP ${baseline.status} without it`,
        exchange.evidence,
        related,
      );
    }
    if (exchange.status !== baseline.status) {
      return blockedByEdge(
        `"Claude-User" got HTTP ${exchange.status}, other user agents HTTP ${baseline.status}: something between Claude and the server treats Claude differently`,
        exchange.evidence,
        related,
      );
    }
    if (ctx.noAuth)
      return pass(
        `answered HTTP ${exchange.status} with and without "Claude-User"`,
        exchange.evidence,
        related,
      );
    return exchange.status === 401
      ? pass('answered 401 with and without "Claude-User"', exchange.evidence, related)
      : skip(`answered HTTP ${exchange.status} either way (see the first checks)`, exchange.evidence);
  },
};
