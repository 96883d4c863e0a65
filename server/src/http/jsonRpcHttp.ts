import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ErrorCode,
  JSONRPCErrorResponseSchema,
  JSONRPCNotificationSchema,
  JSONRPCRequestSchema,
  JSONRPCResultResponseSchema,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { BodyError, readBody, type BodyBounds } from '../util/body.js';
import type { EventBus } from '../events/bus.js';
import type { QuotaExceeded } from '../hub/admission.js';
import type { Hub } from '../hub/hub.js';
import { QUOTA_RETRY_AFTER_SECONDS } from '../hub/clientLimits.js';

/** What every MCP endpoint (Streamable HTTP, legacy SSE) is built with; the listener makes one for both. */
export interface EndpointOptions {
  hub: Hub;
  bus: EventBus;
  maxBodyBytes: () => number;
  bodyBounds: BodyBounds;
  keepAliveMs: () => number;
}

/** Every HTTP-level failure of the MCP endpoints, in one place: status + a JSON-RPC error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly rpcCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly id: RequestId | null = null,
    /** The JSON-RPC error's `data` (the 2026 errors carry the supported versions, the missing capability). */
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function sendHttpError(res: ServerResponse, error: HttpError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: error.id,
    error: {
      code: error.rpcCode,
      message: error.message,
      ...(error.data !== undefined ? { data: error.data } : {}),
    },
  });
  res.writeHead(error.status, {
    ...error.headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** A session refused under `ClientLimits`: 429 (over this client's caps) or 503 (Ferry is full), with a retry hint. */
export function quotaRefusal(error: QuotaExceeded): HttpError {
  return new HttpError(error.status, ErrorCode.InvalidRequest, error.message, {
    'Retry-After': String(QUOTA_RETRY_AFTER_SECONDS),
  });
}

export const badRequest = (message: string, code: number = ErrorCode.InvalidRequest) =>
  new HttpError(400, code, message);

/** Reads a JSON-RPC POST body within its size and time bounds; a failure is a JSON-RPC error answer. */
export async function readJsonRpcBody(
  req: IncomingMessage,
  limit: number,
  bounds: BodyBounds,
): Promise<Buffer> {
  try {
    return await readBody(req, limit, bounds);
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    throw new HttpError(error.status, ErrorCode.InvalidRequest, error.message, { Connection: 'close' });
  }
}

/** Refuses a POST that says its body is something other than JSON (a missing Content-Type passes). */
export function requireJsonBody(req: IncomingMessage): void {
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  if (contentType && !contentType.startsWith('application/json')) {
    req.resume();
    throw new HttpError(415, ErrorCode.InvalidRequest, 'Content-Type must be application/json');
  }
}

/** The JSON-RPC messages of an endpoint's POST: its body read within the endpoint's bounds, then parsed. */
export async function readMessages(
  req: IncomingMessage,
  options: EndpointOptions,
): Promise<{ messages: JSONRPCMessage[]; batch: boolean }> {
  return parseMessages(await readJsonRpcBody(req, options.maxBodyBytes(), options.bodyBounds));
}

/** Parses and shape-checks a POST body: one JSON-RPC message or a batch of them. */
export function parseMessages(body: Buffer): { messages: JSONRPCMessage[]; batch: boolean } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`Parse error: ${(error as Error).message}`, ErrorCode.ParseError);
  }
  const batch = Array.isArray(parsed);
  const list = batch ? (parsed as unknown[]) : [parsed];
  if (list.length === 0) throw badRequest('Invalid Request: empty batch');
  for (const item of list) {
    const problem = jsonRpcProblem(item);
    if (problem) {
      const id = isRecord(item) && isRequestId(item.id) ? item.id : null;
      throw new HttpError(400, ErrorCode.InvalidRequest, `Invalid Request: ${problem}`, {}, id);
    }
  }
  return { messages: list as JSONRPCMessage[], batch };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * MCP's RequestId: a string or an integer. The SDK's schema drops a message whose id is a fraction (0.5,
 * 1e-300) or an unsafe integer without a word, so such a request used to wait forever for an answer that never
 * came (found by the fuzzer, server/test/fuzz/public-mcp.test.ts).
 */
function isRequestId(id: unknown): id is string | number {
  return typeof id === 'string' || Number.isSafeInteger(id);
}

/**
 * Ferry's own checks name the common mistakes plainly; the SDK's schema then has the last word, because a
 * message it rejects is dropped by its transports without an answer, and the HTTP request would hang (the
 * fuzzer found extra members such as `result` on a request, and fractional progress tokens).
 */
function jsonRpcProblem(item: unknown): string | undefined {
  const own = ownProblem(item);
  if (own) return own;
  // ownProblem proved it is an object with either a method or an id; pick the one shape it claims to be,
  // so the complaint names the offending member instead of "matches no member of the union".
  const record = item as Record<string, unknown>;
  const schema =
    'method' in record
      ? 'id' in record
        ? JSONRPCRequestSchema
        : JSONRPCNotificationSchema
      : 'error' in record
        ? JSONRPCErrorResponseSchema
        : JSONRPCResultResponseSchema;
  const sdk = schema.safeParse(item);
  if (sdk.success) return undefined;
  const issue = sdk.error.issues[0];
  const where = issue && issue.path.length > 0 ? `"${issue.path.join('.')}": ` : '';
  return `${where}${issue?.message ?? 'not an MCP JSON-RPC message'}`;
}

function ownProblem(item: unknown): string | undefined {
  if (!isRecord(item)) return 'each message must be a JSON object';
  if (item.jsonrpc !== '2.0') return '"jsonrpc" must be "2.0"';
  const hasId = 'id' in item;
  if (hasId && !isRequestId(item.id)) return '"id" must be a string or an integer';
  if ('method' in item) {
    if (typeof item.method !== 'string' || item.method === '') return '"method" must be a non-empty string';
    if ('params' in item && item.params !== undefined && !isRecord(item.params))
      return '"params" must be an object';
    return undefined;
  }
  if (!hasId) return 'a message needs "method" or "id"';
  if (!('result' in item) && !isRecord(item.error)) return 'a response needs "result" or "error"';
  return undefined;
}

export const isRequest = (m: JSONRPCMessage): m is JSONRPCMessage & { id: RequestId; method: string } =>
  'method' in m && 'id' in m;

export const isResponse = (m: JSONRPCMessage): m is JSONRPCMessage & { id: RequestId } =>
  !('method' in m) && 'id' in m;

// What the client can take: lenient by design, since Claude sends "Accept: */*".
export function acceptedTypes(req: IncomingMessage): { json: boolean; sse: boolean } {
  const accept = (req.headers.accept ?? '').toLowerCase();
  if (accept.trim() === '' || accept.includes('*/*')) return { json: true, sse: true };
  return {
    json: accept.includes('application/json') || accept.includes('application/*'),
    sse: accept.includes('text/event-stream') || accept.includes('text/*'),
  };
}
