import { MODERN_PROTOCOL_VERSION } from '../../wire/protocol.js';
import { CAUSES } from '../causes.js';
import { edgeBlock, initializeRequest, PROTOCOL_VERSION, UA_CLAUDE_USER } from '../claude.js';
import type { CheckSpec, DoctorContext, Outcome } from '../context.js';
import { hasAnswer, rpcMessages, sseEvents, type Exchange } from '../probe.js';
import type { ToolChoice } from '../types.js';
import { answered, blockedByEdge, parseChallenge, pass, problem, reached, skip } from './common.js';

/** Claude's tool-name rule (and the Anthropic API's). */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** Cloudflare cuts a response that stays silent this long (HTTP 524 at ~100 s); keep well under. */
const IDLE_CUT_MS = 90_000;
/** Keep-alives are due about every 15 s: a call shorter than this proves nothing by staying silent. */
const KEEPALIVE_DUE_MS = 15_000;
/** A stream whose first bytes come this long after its headers, together with its end, was held back. */
const BUFFERED_AFTER_MS = 250;
/** After the first event, how long the SSE check keeps reading to see whether the stream closes with it. */
const LINGER_MS = 300;

function authorizedHeaders(ctx: DoctorContext, withSession: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${ctx.token ?? ''}`,
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
    'mcp-protocol-version': ctx.session?.protocolVersion ?? PROTOCOL_VERSION,
    'user-agent': UA_CLAUDE_USER,
  };
  if (withSession && ctx.session?.id) headers['mcp-session-id'] = ctx.session.id;
  return headers;
}

/** One JSON-RPC request (or notification, without `id`) as Claude sends it after sign-in. */
async function rpc(
  ctx: DoctorContext,
  method: string,
  params: Record<string, unknown> | undefined,
  options: {
    session: boolean;
    notification?: boolean;
    timeoutMs?: number;
    headers?: Record<string, string>;
  } = { session: true },
): Promise<{ exchange: Exchange; answer?: Record<string, unknown>; id?: number }> {
  const id = options.notification ? undefined : ctx.nextId++;
  const body =
    method === 'initialize' && id !== undefined
      ? initializeRequest(id, ctx.clientName)
      : { jsonrpc: '2.0', ...(id !== undefined ? { id } : {}), method, ...(params ? { params } : {}) };
  const exchange = await ctx.probe.send({
    method: 'POST',
    url: (ctx.url as URL).href,
    headers: { ...authorizedHeaders(ctx, options.session), ...options.headers },
    body: JSON.stringify(body),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(id !== undefined ? { until: (text: string) => hasAnswer(text, id) } : {}),
  });
  const answer = id === undefined ? undefined : rpcMessages(exchange).find((m) => m.id === id);
  return { exchange, ...(answer ? { answer } : {}), ...(id !== undefined ? { id } : {}) };
}

/** The claims of a JWT access token, when it is one; never verified (the doctor only explains). */
function jwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload || token.split('.').length !== 3) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** An authorized request that did not get its answer: the token, the edge, the headers or the endpoint. */
function refused(ctx: DoctorContext, exchange: Exchange, what: string): Outcome {
  const { status, evidence } = exchange;
  const edge = edgeBlock(exchange);
  if (edge) return blockedByEdge(`${what} as "Claude-User" got ${edge}`, evidence);
  if (status === 401) {
    const { params } = parseChallenge(exchange.headers.get('www-authenticate'));
    const said = params.error_description ?? params.error ?? 'no reason given';
    const aud = jwtClaims(ctx.token ?? '')?.aud;
    const audiences = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
    const mismatch = audiences.length > 0 && !audiences.includes(ctx.raw);
    return problem(
      'fail',
      'token-audience',
      mismatch
        ? `${what} was refused (401: ${said}); the token's audience is ${audiences.map((a) => JSON.stringify(a)).join(', ')}, not "${ctx.raw}"`
        : `${what} was refused (401: ${said})`,
      mismatch || /audience|resource/i.test(said)
        ? CAUSES['token-audience'].remedy
        : 'Use a current access token issued for exactly this URL (expired and revoked tokens are refused too).',
      evidence,
    );
  }
  if (status === 406) {
    return problem(
      'fail',
      'accept-or-session',
      `${what} answered 406 Not Acceptable`,
      'Accept "application/json, text/event-stream" and "*/*" alike.',
      evidence,
    );
  }
  if (status === 404 && ctx.session?.id) {
    return problem(
      'fail',
      'accept-or-session',
      `${what} answered 404 for the session the server itself just created`,
      'Keep sessions alive across requests, and re-create an unknown session transparently: Claude never re-initializes after a 404.',
      evidence,
    );
  }
  return problem(
    'fail',
    'mcp-endpoint',
    `${what} answered ${answered(exchange)}`,
    'Check the server logs for this request.',
    evidence,
  );
}

function rpcError(
  answer: Record<string, unknown> | undefined,
): { code?: number; message: string } | undefined {
  const error = answer?.error as { code?: unknown; message?: unknown } | undefined;
  if (!error) return undefined;
  return {
    ...(typeof error.code === 'number' ? { code: error.code } : {}),
    message: typeof error.message === 'string' ? error.message : JSON.stringify(error),
  };
}

const needsSession = (ctx: DoctorContext) =>
  reached(ctx) ?? (ctx.session ? undefined : 'initialize did not succeed');

export const initialize: CheckSpec = {
  id: 'initialize',
  title: 'initialize with the access token',
  need:
    'POST <url> with "Authorization: Bearer <token>", user agent Claude-User and an initialize request answered ' +
    '200 with protocolVersion, capabilities and serverInfo (JSON or SSE), with an Mcp-Session-Id or none.',
  needsToken: true,
  skipIf: reached,
  async run(ctx) {
    const { exchange, answer } = await rpc(ctx, 'initialize', undefined, { session: false });
    if (exchange.status !== 200) return refused(ctx, exchange, 'initialize');
    const error = rpcError(answer);
    if (error || !answer) {
      return problem(
        'fail',
        'mcp-endpoint',
        error ? `initialize failed: ${error.message}` : 'initialize answered 200 without a JSON-RPC answer',
        'Answer initialize with a JSON-RPC result (as JSON, or as an SSE "message" event).',
        exchange.evidence,
      );
    }
    const result = (answer.result ?? {}) as {
      protocolVersion?: unknown;
      serverInfo?: { name?: unknown; version?: unknown };
    };
    const sessionId = exchange.headers.get('mcp-session-id') ?? undefined;
    const serverName = typeof result.serverInfo?.name === 'string' ? result.serverInfo.name : undefined;
    ctx.session = {
      id: sessionId,
      protocolVersion: typeof result.protocolVersion === 'string' ? result.protocolVersion : PROTOCOL_VERSION,
      serverName,
    };
    if (typeof result.protocolVersion !== 'string') {
      return problem(
        'fail',
        'mcp-endpoint',
        'initialize answered without "protocolVersion"',
        'Return protocolVersion, capabilities and serverInfo from initialize.',
        exchange.evidence,
      );
    }
    const server = `${serverName ?? 'a server'}${typeof result.serverInfo?.version === 'string' ? ` ${result.serverInfo.version}` : ''}`;
    return pass(
      `${server}, protocol ${result.protocolVersion}, ${sessionId ? `session ${sessionId.slice(0, 8)}…` : 'no session id (stateless)'}`,
      exchange.evidence,
    );
  },
};

export const initializedNotification: CheckSpec = {
  id: 'initialized-notification',
  title: 'notifications/initialized without a session id',
  need: 'notifications/initialized answered 202 even without Mcp-Session-Id: Claude sometimes leaves the header out.',
  needsToken: true,
  skipIf: needsSession,
  async run(ctx) {
    const bare = await rpc(ctx, 'notifications/initialized', undefined, {
      session: false,
      notification: true,
    });
    const related = [];
    if (ctx.session?.id) {
      // Then as a careful client sends it, so the session is properly initialized for the next checks.
      const proper = await rpc(ctx, 'notifications/initialized', undefined, {
        session: true,
        notification: true,
      });
      related.push(proper.exchange.evidence);
    }
    const { status, evidence } = bare.exchange;
    if (status >= 200 && status < 300) {
      return pass(
        `answered HTTP ${status}${ctx.session?.id ? ' without the session id too' : ''}`,
        evidence,
        related,
      );
    }
    if (status === 400 || status === 404) {
      return problem(
        'fail',
        'accept-or-session',
        `answered HTTP ${status} to notifications/initialized without Mcp-Session-Id`,
        'Answer 202 to notifications that come without a session id (there is nothing to reply to).',
        evidence,
        related,
      );
    }
    return {
      ...refused(ctx, bare.exchange, 'notifications/initialized'),
      ...(related.length ? { related } : {}),
    };
  },
};

export const discover: CheckSpec = {
  id: 'discover',
  title: 'server/discover at MCP 2026-07-28',
  need: 'server/discover, sent the way Claude opens since August 2026 (stateless, per-request _meta at 2026-07-28), answered with versions that include 2026-07-28.',
  needsToken: true,
  skipIf: needsSession,
  async run(ctx) {
    const { exchange, answer } = await rpc(
      ctx,
      'server/discover',
      {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
          'io.modelcontextprotocol/clientCapabilities': {},
          'io.modelcontextprotocol/clientInfo': { name: ctx.clientName, version: '1' },
        },
      },
      {
        session: false,
        headers: { 'mcp-protocol-version': MODERN_PROTOCOL_VERSION, 'mcp-method': 'server/discover' },
      },
    );
    const error = rpcError(answer);
    const versions = (answer?.result as { supportedVersions?: unknown } | undefined)?.supportedVersions;
    if (exchange.status === 200 && answer && !error) {
      if (Array.isArray(versions) && versions.includes(MODERN_PROTOCOL_VERSION)) {
        return pass('answered, listing 2026-07-28', exchange.evidence);
      }
      return problem(
        'warn',
        'no-modern-protocol',
        `server/discover answered, but without 2026-07-28 among its versions (${Array.isArray(versions) ? versions.join(', ') : 'none listed'})`,
        CAUSES['no-modern-protocol'].remedy,
        exchange.evidence,
      );
    }
    if (error?.code === -32601 || (exchange.status === 200 && error)) {
      return problem(
        'warn',
        'no-modern-protocol',
        `server/discover is not implemented (${error.message})`,
        CAUSES['no-modern-protocol'].remedy,
        exchange.evidence,
      );
    }
    if (exchange.status === 400 || exchange.status === 404) {
      return problem(
        'warn',
        'no-modern-protocol',
        `server/discover at 2026-07-28 without Mcp-Session-Id answered HTTP ${exchange.status}${error ? ` (${error.message})` : ''}`,
        CAUSES['no-modern-protocol'].remedy,
        exchange.evidence,
      );
    }
    return { ...refused(ctx, exchange, 'server/discover'), verdict: 'warn' };
  },
};

export const modernWire: CheckSpec = {
  id: 'modern-wire',
  title: 'A stateless call at MCP 2026-07-28',
  need: 'tools/list without a session, with per-request _meta at 2026-07-28, answered with resultType; the same request without _meta refused with -32602 (HTTP 400).',
  needsToken: true,
  skipIf: needsSession,
  async run(ctx) {
    const modernHeaders = { 'mcp-protocol-version': MODERN_PROTOCOL_VERSION, 'mcp-method': 'tools/list' };
    const { exchange, answer } = await rpc(
      ctx,
      'tools/list',
      {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
      { session: false, headers: modernHeaders },
    );
    const error = rpcError(answer);
    const result = answer?.result as { resultType?: unknown; tools?: unknown } | undefined;
    if (exchange.status !== 200 || error || !result || !Array.isArray(result.tools)) {
      if (exchange.status === 401 || exchange.status === 403) return refused(ctx, exchange, 'tools/list');
      return problem(
        'warn',
        'no-modern-protocol',
        `a stateless tools/list at 2026-07-28 got HTTP ${exchange.status}${error ? ` (${error.message})` : ''}`,
        CAUSES['no-modern-protocol'].remedy,
        exchange.evidence,
      );
    }
    if (result.resultType !== 'complete') {
      return problem(
        'warn',
        'no-modern-protocol',
        'a stateless tools/list answered without resultType: "complete" (every 2026-07-28 result carries it)',
        CAUSES['no-modern-protocol'].remedy,
        exchange.evidence,
      );
    }
    const bare = await rpc(ctx, 'tools/list', {}, { session: false, headers: modernHeaders });
    const bareError = rpcError(bare.answer);
    if (bare.exchange.status !== 400 || bareError?.code !== -32602) {
      return problem(
        'warn',
        'no-modern-protocol',
        `a 2026-07-28 request without _meta got HTTP ${bare.exchange.status}${bareError ? ` and ${bareError.code}` : ''}, not 400 with -32602`,
        'Refuse a 2026-07-28 request whose _meta lacks protocolVersion or clientCapabilities with -32602 and HTTP 400.',
        bare.exchange.evidence,
      );
    }
    return pass(
      `answered (${result.tools.length} tools, resultType complete); no _meta refused with -32602`,
      exchange.evidence,
    );
  },
};

export const toolsList: CheckSpec = {
  id: 'tools-list',
  title: 'tools/list',
  need: 'tools/list answered with the tools, names matching ^[a-zA-Z0-9_-]{1,64}$.',
  needsToken: true,
  skipIf: needsSession,
  async run(ctx) {
    const { exchange, answer } = await rpc(ctx, 'tools/list', {});
    if (exchange.status !== 200) return refused(ctx, exchange, 'tools/list');
    const error = rpcError(answer);
    const tools = (answer?.result as { tools?: unknown } | undefined)?.tools;
    if (error || !Array.isArray(tools)) {
      return problem(
        'fail',
        'mcp-endpoint',
        error ? `tools/list failed: ${error.message}` : 'tools/list answered without a "tools" array',
        'Answer tools/list with {"tools": [...]}.',
        exchange.evidence,
      );
    }
    ctx.tools = tools.filter(
      (t): t is { name: string; description?: string } =>
        typeof t === 'object' && t !== null && typeof (t as { name?: unknown }).name === 'string',
    );
    const names = ctx.tools.map((t) => t.name);
    if (names.length === 0) {
      return problem(
        'warn',
        'mcp-endpoint',
        'no tools listed: Claude shows the connector with nothing to use',
        "Check that the servers behind the endpoint started (Ferry shows each server's state).",
        exchange.evidence,
      );
    }
    const bad = names.filter((n) => !TOOL_NAME.test(n));
    const shown = names.length > 6 ? `${names.slice(0, 6).join(', ')}…` : names.join(', ');
    if (bad.length > 0) {
      return problem(
        'warn',
        'mcp-endpoint',
        `${names.length} tools, ${bad.length} with names Claude refuses: ${bad.slice(0, 5).join(', ')}`,
        'Use tool names of at most 64 characters from [a-zA-Z0-9_-].',
        exchange.evidence,
      );
    }
    return pass(`${names.length} tool${names.length === 1 ? '' : 's'}: ${shown}`, exchange.evidence);
  },
};

/** The tool the harmless-call check may call: one the user named, or the demo's clock on Ferry. */
export function harmlessTool(
  serverName: string | undefined,
  tools: ReadonlyArray<{ name: string }>,
  named: ToolChoice | undefined,
): ToolChoice | undefined {
  if (named) return named;
  if (serverName !== 'ferry') return undefined;
  const clock = tools.find((t) => t.name === 'current_time' || t.name.endsWith('__current_time'));
  return clock ? { name: clock.name, arguments: {} } : undefined;
}

export const toolCall: CheckSpec = {
  id: 'tool-call',
  title: 'A harmless tool call',
  need: 'tools/call answered with a result: only a tool known to be harmless is called.',
  needsToken: true,
  skipIf: (ctx) => needsSession(ctx) ?? (ctx.tools ? undefined : 'tools/list did not succeed'),
  async run(ctx) {
    const choice = harmlessTool(ctx.session?.serverName, ctx.tools ?? [], ctx.callTool);
    if (!choice) return skip(`no tool known to be harmless: ${ctx.advice.callTool}`);
    if (!ctx.tools?.some((t) => t.name === choice.name)) {
      return problem(
        'warn',
        'mcp-endpoint',
        `"${choice.name}" is not in tools/list`,
        `Name one of the listed tools (${(ctx.tools ?? [])
          .slice(0, 5)
          .map((t) => t.name)
          .join(', ')}).`,
      );
    }
    const { exchange, answer } = await rpc(ctx, 'tools/call', {
      name: choice.name,
      arguments: choice.arguments ?? {},
    });
    if (exchange.status !== 200) return refused(ctx, exchange, `tools/call ${choice.name}`);
    const error = rpcError(answer);
    if (error || !answer) {
      return problem(
        'fail',
        'mcp-endpoint',
        error
          ? `tools/call ${choice.name} failed: ${error.message}`
          : `tools/call ${choice.name} got no answer`,
        'Check the server logs for this call.',
        exchange.evidence,
      );
    }
    const result = answer.result as { isError?: unknown; content?: Array<{ text?: unknown }> } | undefined;
    const text = result?.content?.find((c) => typeof c.text === 'string')?.text as string | undefined;
    const excerpt = text ? `: ${text.replace(/\s+/g, ' ').slice(0, 80)}` : '';
    if (result?.isError === true) {
      return problem(
        'warn',
        undefined,
        `${choice.name} answered with a tool error${excerpt}`,
        'The protocol works; the tool itself reported a problem (check its arguments).',
        exchange.evidence,
      );
    }
    return pass(
      `${choice.name} answered in ${Math.round(exchange.evidence.ms)} ms${excerpt}`,
      exchange.evidence,
    );
  },
};

/** The verdict on a stream's timing: did the first event arrive while the stream was still open? */
function judgeFlush(exchange: Exchange, waitMs: number, what: string): Outcome {
  const first = exchange.chunks[0];
  const { evidence } = exchange;
  if (!first) {
    if (exchange.ended) {
      return problem(
        'warn',
        'mcp-endpoint',
        `${what} closed at once with no event`,
        'Keep the GET stream open and send a keep-alive comment (": keep-alive") every ~15 s.',
        evidence,
      );
    }
    return problem(
      'warn',
      'sse-buffering',
      `no event within ${Math.round(waitMs / 1000)} s on ${what}: either the server sends nothing on an idle stream, or something on the way buffers it`,
      'Send a keep-alive comment on idle streams (Ferry does every keepAliveSeconds, 15 by default) with ' +
        '"Cache-Control: no-cache, no-transform"; on a quick tunnel GET streams are known to be buffered, so ' +
        'Ferry never depends on them.',
      evidence,
    );
  }
  const heldMs = first.at - exchange.headersMs;
  if (exchange.ended && exchange.endedAt !== undefined && exchange.endedAt - first.at < 50) {
    if (heldMs > BUFFERED_AFTER_MS) {
      return problem(
        'fail',
        'sse-buffering',
        `${what}: the first event arrived only when the stream closed, ${Math.round(first.at)} ms after the request (buffered until the end)`,
        CAUSES['sse-buffering'].remedy,
        evidence,
      );
    }
    return problem(
      'warn',
      'sse-buffering',
      `${what} closed right after its first event: flushing cannot be told apart from buffering`,
      'Keep the GET stream open: it is where server-initiated messages go.',
      evidence,
    );
  }
  return pass(
    `${what}: first event after ${Math.round(first.at)} ms (headers after ${Math.round(exchange.headersMs)} ms), while the stream stayed open`,
    evidence,
  );
}

export const sseFlush: CheckSpec = {
  id: 'sse-flush',
  title: 'SSE events arrive before the stream ends',
  need:
    'On an event stream the first event (or keep-alive comment) arrives while the stream is open, not when it ' +
    'closes: buffering breaks notifications and long calls.',
  needsToken: true,
  skipIf: needsSession,
  async run(ctx) {
    const waitMs = Math.min(ctx.sseWaitMs, ctx.probe.remainingMs());
    const headers = authorizedHeaders(ctx, true);
    headers.accept = 'text/event-stream';
    delete headers['content-type'];
    const exchange = await ctx.probe.send({
      method: 'GET',
      url: (ctx.url as URL).href,
      headers,
      timeoutMs: waitMs,
      waitingForStream: true,
      lingerMs: LINGER_MS,
    });
    if (exchange.status === 405) {
      return skip(
        'the server offers no GET stream (HTTP 405): allowed, and Claude does not depend on it',
        exchange.evidence,
      );
    }
    if (exchange.status !== 200) return { ...refused(ctx, exchange, 'the GET stream'), verdict: 'warn' };
    if (!/text\/event-stream/i.test(exchange.headers.get('content-type') ?? '')) {
      return problem(
        'warn',
        'mcp-endpoint',
        `the GET stream answered ${exchange.headers.get('content-type') ?? 'no content type'}, not text/event-stream`,
        'Answer GET with an event stream, or 405 when there is none.',
        exchange.evidence,
      );
    }
    return judgeFlush(exchange, waitMs, 'the GET stream');
  },
};

export const keepalive: CheckSpec = {
  id: 'keepalive',
  title: 'Keep-alives on a long call',
  need:
    'A long tools/call streamed as SSE on the POST with a keep-alive comment (or progress) every ~15 s: ' +
    'through Cloudflare a response silent for ~100 s is cut (HTTP 524).',
  needsToken: true,
  skipIf: (ctx) => needsSession(ctx) ?? (ctx.tools ? undefined : 'tools/list did not succeed'),
  async run(ctx) {
    const choice = ctx.slowTool;
    if (!choice) return skip(`${ctx.advice.slowTool}: keep-alives on long calls not checked`);
    const { exchange, answer, id } = await rpc(
      ctx,
      'tools/call',
      { name: choice.name, arguments: choice.arguments ?? {}, _meta: { progressToken: 'ferry-doctor' } },
      { session: true, timeoutMs: Math.min(ctx.probe.remainingMs(), 150_000) },
    );
    if (exchange.status !== 200) return refused(ctx, exchange, `tools/call ${choice.name}`);
    if (!answer) {
      return problem(
        'fail',
        exchange.error === 'timeout' ? 'sse-buffering' : 'mcp-endpoint',
        `${choice.name} gave no answer (${exchange.error ?? 'the stream ended without one'})`,
        exchange.error === 'timeout'
          ? "Answer within 300 s, streaming keep-alives meanwhile; or raise the doctor's budget."
          : 'Check the server logs for this call.',
        exchange.evidence,
      );
    }
    const took = exchange.endedAt ?? exchange.chunks.at(-1)?.at ?? exchange.evidence.ms;
    const streamed = /text\/event-stream/i.test(exchange.headers.get('content-type') ?? '');
    const silent = `${choice.name} took ${Math.round(took)} ms and sent nothing before its answer`;
    if (!streamed || exchange.chunks.length === 0) {
      return silentCall(
        silent,
        took,
        'Stream long calls as SSE on the POST with a keep-alive comment every ~15 s.',
        exchange.evidence,
        ' (plain JSON)',
      );
    }
    // Which chunk carried the answer: everything before it arrived while the call was still running.
    let text = '';
    let answerAt = took;
    for (const chunk of exchange.chunks) {
      text += chunk.text;
      if (id !== undefined && hasAnswer(text, id)) {
        answerAt = chunk.at;
        break;
      }
    }
    const early = exchange.chunks.filter((c) => c.at < answerAt - 50);
    const blocks = sseEvents(text).length;
    if (early.length === 0) {
      // Keep-alives written while the call ran, delivered in one piece with its answer: held on the way.
      if (blocks > 1 && answerAt - exchange.headersMs > BUFFERED_AFTER_MS) {
        return problem(
          'fail',
          'sse-buffering',
          `${blocks - 1} keep-alive/progress event(s) arrived together with the answer after ${Math.round(answerAt)} ms: the stream is buffered`,
          CAUSES['sse-buffering'].remedy,
          exchange.evidence,
        );
      }
      return silentCall(
        silent,
        took,
        'Send a keep-alive comment every ~15 s while a call runs.',
        exchange.evidence,
      );
    }
    const times = [exchange.headersMs, ...exchange.chunks.filter((c) => c.at <= answerAt).map((c) => c.at)];
    let longest = 0;
    for (let i = 1; i < times.length; i++)
      longest = Math.max(longest, (times[i] as number) - (times[i - 1] as number));
    if (longest > IDLE_CUT_MS) {
      return problem(
        'fail',
        'sse-buffering',
        `the stream was silent for ${Math.round(longest / 1000)} s during the call: Cloudflare cuts it at ~100 s`,
        'Send a keep-alive comment every ~15 s while a call runs.',
        exchange.evidence,
      );
    }
    return pass(
      `${choice.name} streamed: first event after ${Math.round((early[0] as { at: number }).at)} ms, longest silence ${Math.round(longest)} ms, answer after ${Math.round(answerAt)} ms`,
      exchange.evidence,
    );
  },
};

/** Ends the doctor's session like Claude at teardown; errors do not matter. */
export async function closeSession(ctx: DoctorContext): Promise<void> {
  if (!ctx.session?.id || !ctx.token) return;
  const headers = authorizedHeaders(ctx, true);
  delete headers['content-type'];
  await ctx.probe.send({ method: 'DELETE', url: (ctx.url as URL).href, headers, timeoutMs: 2000 });
}

/**
 * A call that sent nothing before its answer: inconclusive when it was too quick for a keep-alive to be
 * due, a buffering failure when one was.
 */
function silentCall(
  silent: string,
  took: number,
  remedy: string,
  evidence: Exchange['evidence'],
  /** How the answer came (" (plain JSON)"), named where it explains the inconclusive verdict. */
  form = '',
): Outcome {
  return took < KEEPALIVE_DUE_MS
    ? problem(
        'warn',
        undefined,
        `${silent}${form}; keep-alives are due every ~15 s, so this proves nothing`,
        'Name a call that takes longer than 15 s to check keep-alives.',
        evidence,
      )
    : problem(
        'fail',
        'sse-buffering',
        `${silent}: no keep-alive during ${Math.round(took / 1000)} s`,
        remedy,
        evidence,
      );
}
