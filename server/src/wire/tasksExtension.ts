import type { Result, ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { RequestContext } from './requestContext.js';

/**
 * MCP 2026-07-28 moved tasks into an extension (SEP-2663): advertised under `capabilities.extensions`,
 * negotiated per request, with flat results and renamed fields. Children speak the 2025-11-25 `tasks`
 * capability; this file is the translation between the two shapes, nothing else.
 */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** The task methods of the extension; `tasks/result` and `tasks/list` are not part of it. */
export const EXTENSION_TASK_METHODS: ReadonlySet<string> = new Set([
  'tasks/get',
  'tasks/update',
  'tasks/cancel',
]);

/** Task methods of 2025-11-25 that the extension removed (answered like any removed method). */
export const REMOVED_TASK_METHODS: ReadonlySet<string> = new Set(['tasks/result', 'tasks/list']);

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether this request's client negotiated the tasks extension (2026 declares capabilities per request). */
export function declaresTasks(context: RequestContext): boolean {
  const extensions = (context.clientCapabilities as { extensions?: unknown }).extensions;
  return isObject(extensions) && extensions[TASKS_EXTENSION] !== undefined;
}

/** A `server/discover` capability set: the 2025 `tasks` slot becomes the extension, when it offers task-augmented calls. */
export function discoverCapabilities(capabilities: ServerCapabilities): ServerCapabilities {
  const { tasks, ...rest } = capabilities as ServerCapabilities & { tasks?: unknown };
  const callable = isObject(tasks) && isObject(tasks.requests) && isObject(tasks.requests.tools);
  if (!callable) return rest;
  const extensions = isObject((rest as { extensions?: unknown }).extensions)
    ? (rest as { extensions: Record<string, unknown> }).extensions
    : {};
  return { ...rest, extensions: { ...extensions, [TASKS_EXTENSION]: {} } };
}

/** The fields a 2025 `Task` and a 2026 task share, with the durations renamed (`ttl` → `ttlMs`). */
function taskFields(task: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    taskId: task.taskId,
    status: task.status,
    createdAt: task.createdAt,
    lastUpdatedAt: task.lastUpdatedAt ?? task.createdAt,
    ttlMs: typeof task.ttl === 'number' ? Math.round(task.ttl) : null,
  };
  if (typeof task.pollInterval === 'number' && task.pollInterval > 0)
    out.pollIntervalMs = Math.round(task.pollInterval);
  if (typeof task.statusMessage === 'string') out.statusMessage = task.statusMessage;
  return out;
}

/** A child's 2025 `CreateTaskResult` (`{ task }`) as the extension's flat one, or undefined if it is none. */
export function flatCreateResult(result: Result): Result | undefined {
  if (!isObject(result.task) || typeof result.task.taskId !== 'string') return undefined;
  return { ...taskFields(result.task), resultType: 'task' };
}

/**
 * The extension's `DetailedTask` from a child's `tasks/get` answer and, once terminal, its `tasks/result`
 * (a tool result, or the JSON-RPC error the task ended with): the result is inlined, no related-task `_meta`.
 */
export function detailedTask(
  task: Result,
  outcome?: {
    result?: Result;
    error?: { code: number; message: string; data?: unknown };
    inputRequests?: Record<string, unknown>;
  },
): Result {
  const out: Record<string, unknown> = { ...taskFields(task), resultType: 'complete' };
  if (outcome?.inputRequests) out.inputRequests = outcome.inputRequests;
  if (outcome?.result) {
    const { _meta, ...result } = outcome.result;
    const meta = isObject(_meta)
      ? Object.fromEntries(Object.entries(_meta).filter(([k]) => !k.endsWith('/related-task')))
      : {};
    out.result = Object.keys(meta).length > 0 ? { ...result, _meta: meta } : result;
  }
  if (outcome?.error) out.error = outcome.error;
  return out;
}

export const isTerminal = (status: unknown): boolean => typeof status === 'string' && TERMINAL.has(status);
