/** A 2026-07-28 (stateless) request to Ferry, as a modern client sends it: `_meta`, headers, JSON or SSE. */
export const MODERN = '2026-07-28';
export const MODERN_CAPS = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

export interface ModernReply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
  events: Record<string, unknown>[];
}

let nextId = 1;

export function modernMeta(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientCapabilities': MODERN_CAPS,
    'io.modelcontextprotocol/clientInfo': { name: 'modern-test', version: '1' },
    ...extra,
  };
}

export async function modernPost(
  url: string,
  method: string,
  params: Record<string, unknown> = {},
  options: { headers?: Record<string, string>; meta?: Record<string, unknown> } = {},
): Promise<ModernReply> {
  const id = nextId++;
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...options.headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method,
      params: { ...params, _meta: modernMeta(options.meta) },
    }),
  });
  return readModernReply(res, id);
}

/**
 * A reply on either form the modern wire may take: JSON, or an SSE stream whose events are all kept and
 * whose answer is the message with request `id`.
 */
export async function readModernReply(res: Response, id: number | string): Promise<ModernReply> {
  const text = await res.text();
  const events: Record<string, unknown>[] = [];
  let body: Record<string, unknown> | undefined;
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    for (const line of text.split('\n')) {
      if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)) as Record<string, unknown>);
    }
    body = events.find((e) => e.id === id);
  } else if (text) {
    body = JSON.parse(text) as Record<string, unknown>;
  }
  return { status: res.status, headers: res.headers, body, events };
}

/** An open `subscriptions/listen` stream of a 2026 client: its frames so far, and how to wait for more. */
export interface ListenStream {
  res: Response;
  frames: Record<string, unknown>[];
  /** Reads until `count` frames have arrived (or the stream ends). */
  readFrames(count: number): Promise<void>;
  close(): void;
}

export async function openListen(
  url: string,
  id: string,
  notifications: Record<string, unknown>,
  meta: Record<string, unknown> = modernMeta(),
): Promise<ListenStream> {
  const controller = new AbortController();
  const res = await fetch(url, {
    method: 'POST',
    signal: controller.signal,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': 'subscriptions/listen',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'subscriptions/listen',
      params: { _meta: meta, notifications },
    }),
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const frames: Record<string, unknown>[] = [];
  let buffer = '';
  return {
    res,
    frames,
    async readFrames(count) {
      while (frames.length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += new TextDecoder().decode(value);
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('data: ')) frames.push(JSON.parse(line.slice(6)) as Record<string, unknown>);
        }
      }
    },
    close: () => controller.abort(),
  };
}

/** The text of a tool result's first content block. */
export function firstText(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] } | undefined)?.content;
  return content?.[0]?.text ?? '';
}
