// The soak's callers. Every call is checked: the answer must carry exactly the nonce the caller sent
// (sessions, callers and calls each have their own), so an answer that crossed sessions, was truncated
// or came from the wrong child is a wrong answer, not a success.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { SOAK } from './settings.js';

export const MODERN = '2026-07-28';
const nonce = () => randomBytes(6).toString('hex');

/** Failure causes, by what the caller saw. */
export function causeOf(error) {
  const message = String(error?.message ?? error);
  if (/\b401\b|invalid_token|Unauthorized/i.test(message)) return 'unauthorized (401)';
  if (/\b429\b/.test(message)) return 'rate limited (429)';
  if (/HTTP 5\d\d|\b5\d\d\b.*(error|Bad Gateway|Unavailable)/i.test(message)) return 'HTTP 5xx';
  if (/timed? ?out|timeout/i.test(message)) return 'timeout';
  if (/exited while|was stopped|not available|restarting|crashed/i.test(message))
    return 'child exited or restarting';
  if (/session not found|\b404\b/i.test(message)) return 'session gone (404)';
  if (/fetch failed|ECONN|socket|terminated|aborted|closed|EPIPE/i.test(message)) return 'connection lost';
  return `other: ${message.slice(0, 80)}`;
}

/** Counts and latencies per minute of the run. */
export class Recorder {
  constructor(startedAt) {
    this.startedAt = startedAt;
    this.minutes = [];
    this.causes = new Map();
    this.wrongExamples = [];
    this.totals = { ok: 0, failed: 0, wrong: 0 };
  }

  #minute() {
    const index = Math.floor((performance.now() - this.startedAt) / 60_000);
    while (this.minutes.length <= index) this.minutes.push({ ok: 0, failed: 0, wrong: 0, latencies: [] });
    return this.minutes[index];
  }

  ok(kind, ms) {
    const m = this.#minute();
    m.ok++;
    this.totals.ok++;
    // Latency figures are of the quick calls: slow calls sleep on purpose and blobs measure bandwidth.
    if (kind !== 'slow' && kind !== 'blob') m.latencies.push(ms);
  }

  failed(kind, error) {
    this.#minute().failed++;
    this.totals.failed++;
    const cause = causeOf(error);
    this.causes.set(cause, (this.causes.get(cause) ?? 0) + 1);
  }

  wrong(kind, detail) {
    this.#minute().wrong++;
    this.totals.wrong++;
    if (this.wrongExamples.length < 10) this.wrongExamples.push(`${kind}: ${detail}`);
  }

  /** Runs one call and files it: `check(result)` returns undefined when right, else why it is wrong. */
  async call(kind, run, check) {
    const t0 = performance.now();
    let result;
    try {
      result = await run();
    } catch (error) {
      this.failed(kind, error);
      return false;
    }
    const problem = check(result);
    if (problem === undefined) {
      this.ok(kind, performance.now() - t0);
      return true;
    }
    this.wrong(kind, problem);
    return false;
  }
}

function textOf(result) {
  if (result?.isError) throw new Error(`tool error: ${JSON.stringify(result.content).slice(0, 200)}`);
  const first = result?.content?.[0];
  if (!first || first.type !== 'text') throw new Error('no text content');
  return first.text;
}

const expectText = (want) => (got) =>
  got === want ? undefined : `sent ${want.slice(0, 40)}, got ${JSON.stringify(got).slice(0, 80)}`;

function authHeaders(token) {
  return { Authorization: `Bearer ${token}` };
}

/** An SDK client on Streamable HTTP (stateful) or legacy SSE, answering sampling and elicitation itself. */
export async function openSession(url, token, { legacy = false, tag } = {}) {
  const client = new Client(
    { name: `soak-${tag}`, version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: { form: {} } } },
  );
  client.setRequestHandler(CreateMessageRequestSchema, (request) => {
    const first = request.params.messages[0]?.content;
    return { role: 'assistant', model: 'soak', content: { type: 'text', text: `re:${first?.text ?? ''}` } };
  });
  client.setRequestHandler(ElicitRequestSchema, (request) => ({
    action: 'accept',
    content: { answer: `ok:${request.params.message}` },
  }));
  const options = { requestInit: { headers: authHeaders(token) } };
  const transport = legacy
    ? new SSEClientTransport(new URL(url), options)
    : new StreamableHTTPClientTransport(new URL(url), options);
  await client.connect(transport, { timeout: SOAK.callTimeoutMs });
  return client;
}

const callOptions = (extra = {}) => ({
  timeout: SOAK.callTimeoutMs,
  maxTotalTimeout: SOAK.callTimeoutMs,
  ...extra,
});

/** One checked tool call on an SDK client. */
export function sdkCall(recorder, client, kind, name, args, want, options) {
  return recorder.call(
    kind,
    async () => textOf(await client.callTool({ name, arguments: args }, undefined, callOptions(options))),
    typeof want === 'function' ? want : expectText(want),
  );
}

/** One request on the 2026-07-28 stateless wire: `_meta` in the body, the mirrored headers, no session. */
export async function statelessCall(
  url,
  token,
  name,
  args,
  { timeoutMs = SOAK.callTimeoutMs, headers = {} } = {},
) {
  const id = Math.floor(Math.random() * 1e9);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      ...authHeaders(token),
      ...headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': MODERN,
      'Mcp-Method': 'tools/call',
      'Mcp-Name': name,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name,
        arguments: args,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status} ${body.slice(0, 200)}`);
  if (res.headers.get('mcp-session-id')) throw new Error('a stateless answer carried Mcp-Session-Id');
  const messages = (res.headers.get('content-type') ?? '').includes('text/event-stream')
    ? body
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => JSON.parse(line.slice(5)))
    : [JSON.parse(body)];
  const answer = messages.find((m) => m.id === id && !('method' in m));
  if (!answer) throw new Error(`no answer with id ${id}`);
  if (answer.error) throw new Error(`JSON-RPC ${answer.error.code} ${answer.error.message}`);
  return textOf(answer.result);
}

/**
 * A caller loop: runs `step(i)` until `stop()` says so, with a pause between calls. A step that throws
 * (the session broke) reopens the session through `reopen`, after a pause.
 */
async function loop(stop, step, reopen) {
  for (let i = 0; !stop(); i++) {
    let healthy = true;
    try {
      healthy = await step(i);
    } catch {
      healthy = false;
    }
    if (!healthy && reopen) {
      await sleep(250);
      await reopen().catch(() => undefined);
    }
    await sleep(SOAK.callerPauseMs);
  }
}

/**
 * A caller on one session, opened again (after a pause) whenever a step finds it broken: runs
 * `step(client, n, i)` with a fresh nonce `n` until `stop()` says so, then closes the session.
 */
async function sessionLoop({ recorder, url, token, tag, stop }, sessionOptions, step) {
  let client;
  const reopen = async () => {
    await client?.close().catch(() => undefined);
    client = undefined;
    client = await openSession(url, token, { tag, ...sessionOptions });
  };
  await reopen().catch((error) => recorder.failed('open', error));
  await loop(stop, async (i) => (client ? step(client, `${tag}-${i}-${nonce()}`, i) : false), reopen);
  await client?.close().catch(() => undefined);
}

/** A stateful session on the shared `soak` server: echo, progress, and now and then a 1 MB answer. */
export async function statefulCaller(caller) {
  const { recorder } = caller;
  await sessionLoop(caller, {}, async (client, n, i) => {
    if (i % 40 === 7) {
      return sdkCall(recorder, client, 'blob', 'blob', { nonce: n, bytes: SOAK.blobBytes }, (got) =>
        got.length === SOAK.blobBytes && got.startsWith(n) && got.endsWith('x')
          ? undefined
          : `blob of ${got.length} bytes starting ${JSON.stringify(got.slice(0, 30))}`,
      );
    }
    if (i % 10 === 3) {
      let progress = 0;
      return sdkCall(
        recorder,
        client,
        'slow',
        'slow',
        { nonce: n, ms: SOAK.slowMs, steps: SOAK.slowSteps },
        (got) =>
          got !== n
            ? `slow: sent ${n}, got ${JSON.stringify(got).slice(0, 60)}`
            : progress !== SOAK.slowSteps
              ? `slow: ${progress} progress notifications, expected ${SOAK.slowSteps}`
              : undefined,
        { onprogress: () => progress++, resetTimeoutOnProgress: true },
      );
    }
    return sdkCall(recorder, client, 'echo', 'echo', { text: n }, n);
  });
}

/** A session with its own child (per-session server): sampling and elicitation round trips through it. */
export async function perSessionCaller(caller) {
  const { recorder } = caller;
  await sessionLoop(caller, {}, async (client, n, i) => {
    if (i % 3 === 0) return sdkCall(recorder, client, 'sampling', 'sample', { nonce: n }, `re:${n}`);
    if (i % 3 === 1) return sdkCall(recorder, client, 'elicitation', 'elicit', { nonce: n }, `ok:${n}`);
    return sdkCall(recorder, client, 'echo', 'echo', { text: n }, n);
  });
}

/** A legacy HTTP+SSE client (GET /sse/<server>, POST /messages). */
export async function legacyCaller(caller) {
  const { recorder } = caller;
  await sessionLoop(caller, { legacy: true }, async (client, n) =>
    sdkCall(recorder, client, 'echo', 'echo', { text: n }, n),
  );
}

/** A 2026-07-28 caller: every request stands alone. */
export async function statelessCaller({ recorder, url, token, tag, stop, tool = 'echo' }) {
  await loop(stop, async (i) => {
    const n = `${tag}-${i}-${nonce()}`;
    return recorder.call('echo', () => statelessCall(url, token, tool, { text: n }), expectText(n));
  });
}
