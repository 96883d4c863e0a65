import type { DoctorFetch, Evidence } from './types.js';

export interface ProbeRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Overrides the per-request timeout: how long to wait in total, headers and body. */
  timeoutMs?: number;
  /**
   * Stop reading the body once this holds (the JSON-RPC answer arrived on a stream that stays open).
   * Called with everything read so far.
   */
  until?: (text: string) => boolean;
  /** A stream wait, not a request: running out of time while reading the body is an outcome, not an error. */
  waitingForStream?: boolean;
  /**
   * Once the first piece of the body has arrived, read at most this much longer (ms), then stop: long
   * enough to see whether the stream ends right after its first event (buffered) or stays open (flushed).
   */
  lingerMs?: number;
}

/** A piece of the body as it arrived, `at` ms after the request was sent. */
export interface Chunk {
  at: number;
  text: string;
}

/** What came back from one request, or why nothing did. */
export interface Exchange {
  evidence: Evidence;
  /** 0 when no answer came (see `error`). */
  status: number;
  headers: Headers;
  /** The body as read (capped at {@link MAX_BODY_CHARS}). */
  text: string;
  chunks: Chunk[];
  /** The body ended by itself (as opposed to: cut by the doctor, or still open when time ran out). */
  ended: boolean;
  /** When the body ended, ms after the request was sent. */
  endedAt?: number;
  /** Headers arrived this many ms after the request was sent. */
  headersMs: number;
  /** The network failure, when there was no answer: ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED, timeout… */
  error?: string;
  errorMessage?: string;
}

const MAX_BODY_CHARS = 256 * 1024;
const EXCERPT_CHARS = 600;

class TimedOut extends Error {
  override name = 'TimeoutError';
}

/**
 * Every request the doctor sends goes through here: `redirect: 'manual'` (a redirect is evidence, never
 * followed), a per-request timeout, a hard total budget, timings, and evidence with secrets redacted.
 */
export class Probe {
  readonly #fetch: DoctorFetch;
  readonly #timeoutMs: number;
  readonly #deadline: number;
  readonly #signal: AbortSignal | undefined;

  constructor(options: { fetch: DoctorFetch; timeoutMs: number; budgetMs: number; signal?: AbortSignal }) {
    this.#fetch = options.fetch;
    this.#timeoutMs = options.timeoutMs;
    this.#deadline = performance.now() + options.budgetMs;
    this.#signal = options.signal;
  }

  /** Milliseconds left in the run's budget (0 once spent or aborted). */
  remainingMs(): number {
    if (this.#signal?.aborted) return 0;
    return Math.max(0, this.#deadline - performance.now());
  }

  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  async send(request: ProbeRequest): Promise<Exchange> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    const headers = request.headers ?? {};
    const budget = Math.min(request.timeoutMs ?? this.#timeoutMs, this.remainingMs());
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimedOut('timeout')), budget);
    const onAbort = () => controller.abort(new TimedOut('aborted'));
    this.#signal?.addEventListener('abort', onAbort, { once: true });
    const base: Pick<Exchange, 'chunks' | 'text' | 'ended'> = { chunks: [], text: '', ended: false };
    const evidenceOf = (partial: Omit<Evidence, 'request' | 'ms'>): Evidence => ({
      request: { method: request.method, url: request.url, headers: redactHeaders(headers) },
      ...partial,
      ms: elapsed(),
    });
    try {
      if (budget <= 0) {
        return {
          ...base,
          status: 0,
          headers: new Headers(),
          headersMs: 0,
          error: 'budget',
          errorMessage: "the doctor's time budget ran out before this request",
          evidence: evidenceOf({ error: 'budget' }),
        };
      }
      let res: Response;
      try {
        res = await this.#fetch(request.url, {
          method: request.method,
          headers,
          ...(request.body !== undefined ? { body: request.body } : {}),
          redirect: 'manual',
          signal: controller.signal,
        });
      } catch (error) {
        const { code, message } = networkFailure(error, controller.signal);
        return {
          ...base,
          status: 0,
          headers: new Headers(),
          headersMs: elapsed(),
          error: code,
          errorMessage: message,
          evidence: evidenceOf({ error: code }),
        };
      }
      const headersMs = elapsed();
      const read = await readBody(res, started, request, controller.signal);
      const contentType = res.headers.get('content-type') ?? '';
      const firstEventMs = /text\/event-stream/i.test(contentType) ? read.chunks[0]?.at : undefined;
      const timedOutReading = read.error !== undefined;
      const error = timedOutReading && !request.waitingForStream ? read.error : undefined;
      return {
        status: res.status,
        headers: res.headers,
        text: read.text,
        chunks: read.chunks,
        ended: read.ended,
        ...(read.endedAt !== undefined ? { endedAt: read.endedAt } : {}),
        headersMs,
        ...(error ? { error, errorMessage: `the body did not finish: ${error}` } : {}),
        evidence: evidenceOf({
          status: res.status,
          headers: responseHeaders(res.headers),
          ...(read.text ? { bodyExcerpt: redactBody(read.text.slice(0, EXCERPT_CHARS)) } : {}),
          ...(firstEventMs !== undefined ? { firstEventMs } : {}),
          ...(error ? { error } : {}),
        }),
      };
    } finally {
      clearTimeout(timer);
      this.#signal?.removeEventListener('abort', onAbort);
    }
  }
}

async function readBody(
  res: Response,
  started: number,
  { until, lingerMs }: Pick<ProbeRequest, 'until' | 'lingerMs'>,
  signal: AbortSignal,
): Promise<{ text: string; chunks: Chunk[]; ended: boolean; endedAt?: number; error?: string }> {
  const chunks: Chunk[] = [];
  let text = '';
  if (!res.body)
    return { text, chunks, ended: true, endedAt: Math.round((performance.now() - started) * 10) / 10 };
  // Node's fetch types the body as ReadableStream<any>; it carries bytes.
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  // A pending read() does not always settle when the fetch signal aborts (an injected fetch may ignore
  // it), so the abort also cancels the reader.
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  let lingerUntil: number | undefined;
  try {
    for (;;) {
      if (signal.aborted) return { text, chunks, ended: false, error: abortCode(signal) };
      const next = reader.read();
      let step: Awaited<typeof next> | 'linger';
      const lingerEnd = lingerUntil;
      if (lingerEnd === undefined) step = await next;
      else {
        // The losing read is settled by the cancel below; its rejection must not go unhandled.
        next.catch(() => undefined);
        let timer: NodeJS.Timeout | undefined;
        const wait = new Promise<'linger'>((resolve) => {
          timer = setTimeout(() => resolve('linger'), Math.max(0, lingerEnd - performance.now()));
        });
        step = await Promise.race([next, wait]).finally(() => clearTimeout(timer));
      }
      if (step === 'linger') {
        await reader.cancel().catch(() => undefined);
        return { text, chunks, ended: false };
      }
      const { done, value } = step;
      if (signal.aborted) return { text, chunks, ended: false, error: abortCode(signal) };
      const at = Math.round((performance.now() - started) * 10) / 10;
      if (done) {
        const tail = decoder.decode();
        if (tail) text += tail;
        return { text, chunks, ended: true, endedAt: at };
      }
      const piece = decoder.decode(value, { stream: true });
      chunks.push({ at, text: piece });
      text += piece;
      if (lingerMs !== undefined && lingerUntil === undefined) lingerUntil = performance.now() + lingerMs;
      if (text.length > MAX_BODY_CHARS || until?.(text)) {
        await reader.cancel().catch(() => undefined);
        return { text: text.slice(0, MAX_BODY_CHARS), chunks, ended: false };
      }
    }
  } catch {
    return { text, chunks, ended: false, error: signal.aborted ? abortCode(signal) : 'ECONNRESET' };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function abortCode(signal: AbortSignal): string {
  return signal.reason instanceof TimedOut && signal.reason.message === 'aborted' ? 'aborted' : 'timeout';
}

/** The code and words of a failed fetch: undici wraps the socket/TLS/DNS error in `cause`. */
export function networkFailure(error: unknown, signal?: AbortSignal): { code: string; message: string } {
  if (signal?.aborted) {
    const code = abortCode(signal);
    return { code, message: code === 'timeout' ? 'no answer before the timeout' : 'the run was aborted' };
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message =
    typeof cause?.message === 'string'
      ? cause.message
      : error instanceof Error
        ? error.message
        : String(error);
  return { code: code ?? 'network', message };
}

/** TLS failures as Node and undici name them. */
export function isTlsFailure(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (/^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO)/.test(code) || code === 'EPROTO')
  );
}

function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = /^(authorization|cookie)$/i.test(name) ? value.replace(/\s.*$/, ' <redacted>') : value;
  }
  return out;
}

function responseHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] =
      name === 'set-cookie'
        ? '<cookies set>'
        : name === 'location'
          ? value.replace(/([?&](?:code|access_token)=)[^&#]*/g, '$1<redacted>')
          : value;
  });
  return out;
}

/** Tokens, secrets and codes never reach a report. */
export function redactBody(text: string): string {
  return text
    .replace(/("(?:access_token|refresh_token|id_token|client_secret|code)"\s*:\s*")[^"]*"/g, '$1<redacted>"')
    .replace(/([?&](?:code|access_token)=)[^&#"'\s]*/g, '$1<redacted>');
}

/** The JSON-RPC messages of an answer: a JSON body (object or batch) or the `data:` lines of an SSE stream. */
export function rpcMessages(exchange: Pick<Exchange, 'headers' | 'text'>): Array<Record<string, unknown>> {
  const contentType = exchange.headers.get('content-type') ?? '';
  const values: unknown[] = [];
  if (/text\/event-stream/i.test(contentType)) {
    for (const event of sseEvents(exchange.text)) {
      if (event.data === undefined) continue;
      try {
        values.push(JSON.parse(event.data));
      } catch {
        // A data line that is not JSON is no JSON-RPC message; the caller reports what is missing.
      }
    }
  } else {
    try {
      const parsed: unknown = JSON.parse(exchange.text);
      if (Array.isArray(parsed)) values.push(...(parsed as unknown[]));
      else values.push(parsed);
    } catch {
      return [];
    }
  }
  return values.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null);
}

/** SSE blocks: comments (keep-alives) and events with their joined data. A trailing partial block is left out. */
export function sseEvents(text: string): Array<{ comment?: string; event?: string; data?: string }> {
  const blocks = text.split(/\r?\n\r?\n/);
  blocks.pop();
  const out: Array<{ comment?: string; event?: string; data?: string }> = [];
  for (const block of blocks) {
    if (!block.trim()) continue;
    const data: string[] = [];
    let event: string | undefined;
    let comment: string | undefined;
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) comment = line.slice(1).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      else if (line.startsWith('event:')) event = line.slice(6).trim();
    }
    out.push({
      ...(comment !== undefined ? { comment } : {}),
      ...(event !== undefined ? { event } : {}),
      ...(data.length > 0 ? { data: data.join('\n') } : {}),
    });
  }
  return out;
}

/** Whether `text` (a stream so far) already holds the JSON-RPC answer to `id`. */
export function hasAnswer(text: string, id: number | string): boolean {
  return sseEvents(text).some((event) => {
    if (event.data === undefined) return false;
    try {
      const message = JSON.parse(event.data) as { id?: unknown; result?: unknown; error?: unknown };
      return message.id === id && ('result' in message || 'error' in message);
    } catch {
      return false;
    }
  });
}

/** A JSON object body, or undefined. */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
