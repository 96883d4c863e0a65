import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';

/**
 * MCP 2026-07-28, the stateless revision, as far as Ferry's wire needs it. The user's stdio children keep
 * speaking 2025-11-25 or older; only the remote side of Ferry speaks this.
 */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** The stateful revisions (initialize, sessions), the ones the SDK 1.x speaks. */
export const STATEFUL_VERSIONS: readonly string[] = [...SUPPORTED_PROTOCOL_VERSIONS];

/** Every revision Ferry serves on one URL: the stateless one first, then the stateful ones. */
export const SERVED_PROTOCOL_VERSIONS: readonly string[] = [MODERN_PROTOCOL_VERSION, ...STATEFUL_VERSIONS];

/** Ferry's own `_meta` keys towards children (a reverse-DNS prefix Ferry owns). */
export const FERRY_META = {
  /** A child may name the key its request gets in `inputRequests` (`^[A-Za-z0-9_.-]{1,64}$`). */
  inputKey: 'dev.ferry/inputKey',
  /** The remote client's capabilities for this request, forwarded to the child (2026 declares them per request). */
  clientCapabilities: 'dev.ferry/clientCapabilities',
  /**
   * Set by the stateless wire on every tools/call (never sent to a child): whether the request's client
   * negotiated the tasks extension, so a tool that can run as a task gets one.
   */
  taskIfSupported: 'dev.ferry/taskIfSupported',
} as const;

export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

export const MODERN_ERRORS = {
  headerMismatch: -32020,
  missingClientCapability: -32021,
  unsupportedProtocolVersion: -32022,
} as const;

/** Methods of the stateful revisions that 2026-07-28 removed: 404 / -32601 on the stateless wire. */
export const REMOVED_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
]);

/** Requests that may be answered with `input_required` (the calls that can reach a child's own requests). */
export const INPUT_CAPABLE_METHODS: ReadonlySet<string> = new Set([
  'tools/call',
  'prompts/get',
  'resources/read',
]);

/**
 * How long a list or read may be cached by the client. Ferry re-reads a child's lists whenever it says
 * they changed (and after every restart), so a short hint keeps Claude's cached tool list from going
 * stale for long while sparing the round trips of a client that re-lists before every call.
 */
export const CACHE_HINTS: Readonly<Record<string, { ttlMs: number; cacheScope: 'public' | 'private' }>> = {
  'server/discover': { ttlMs: 60_000, cacheScope: 'private' },
  'tools/list': { ttlMs: 60_000, cacheScope: 'private' },
  'prompts/list': { ttlMs: 60_000, cacheScope: 'private' },
  'resources/list': { ttlMs: 60_000, cacheScope: 'private' },
  'resources/templates/list': { ttlMs: 60_000, cacheScope: 'private' },
  // Contents come from the user's machine and may change at any time: fresh on every read.
  'resources/read': { ttlMs: 0, cacheScope: 'private' },
};

/** The `Mcp-Name` a request must carry, per SEP-2243: the tool or prompt name, or the resource URI. */
export function mcpNameOf(method: string, params: Record<string, unknown> | undefined): string | undefined {
  if (method === 'tools/call' || method === 'prompts/get') {
    return typeof params?.name === 'string' ? params.name : undefined;
  }
  if (method === 'resources/read') return typeof params?.uri === 'string' ? params.uri : undefined;
  // SEP-2663 extends the rule to the tasks extension's methods: the task id.
  if (method === 'tasks/get' || method === 'tasks/update' || method === 'tasks/cancel') {
    return typeof params?.taskId === 'string' ? params.taskId : undefined;
  }
  return undefined;
}
