import { randomUUID } from 'node:crypto';
import type { Result } from '@modelcontextprotocol/sdk/types.js';
import type { Upstream } from '../upstream/upstream.js';
import { TaskInput } from './taskInput.js';

/**
 * Bounds of the tasks Ferry forwards (MCP 2025-11-25 `tasks`), in one place. Ferry keeps one small record
 * per task a client created (its own id, the child's id, the child, the client), nothing of its payload.
 */
export const TASK_LIMITS = Object.freeze({
  /**
   * Tasks one client may have Ferry remember; beyond this the client's oldest is forgotten (it can no
   * longer be reached through Ferry; the child still expires it by its own ttl). A person's client runs
   * a handful of long calls at a time; a thousand bounds memory against a client that never polls.
   */
  perClient: 1000,
  /**
   * The longest Ferry remembers a task, whatever ttl the child gave (or none, which means unlimited):
   * a day outlasts any call Claude waits for (300 s) by far, and keeps a forgotten task from living on.
   */
  maxAgeMs: 24 * 60 * 60_000,
  /** Pages of `tasks/list` read from one child per request: a child that pages forever is cut off. */
  listPages: 10,
  /**
   * How long a child's request tied to a task Ferry does not know yet waits for the task's registration
   * (the result creating it is still on its way through the session): well above that hop, and short
   * enough that a request about a task Ferry never hears of is not held up for long.
   */
  registrationWaitMs: 2000,
});

/** The `_meta` key that ties a message to a task (2025-11-25). */
export const RELATED_TASK = 'io.modelcontextprotocol/related-task';

export interface TaskRecord {
  /** The id the client sees: Ferry's own, random, so ids of different children or clients never collide. */
  id: string;
  childId: string;
  upstream: Upstream;
  /** The client (OAuth client id, or the one local client) that created it: the only one that may touch it. */
  client: string;
  /** The session that created it: its status notifications go there. */
  sessionId: string;
  expiresAt: number;
  /**
   * Set for a task of a stateless (2026) client: no session outlives its request, so the child's
   * requests tied to the task wait here for `tasks/update` instead of going to a session.
   */
  input?: TaskInput;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Maps the task ids of children to ids of Ferry's own, per client. A shared child numbers the tasks of
 * every client in one space (and may number them predictably): handing those ids out as they are would
 * let one client read or cancel another's task by guessing. Every id a client sees is Ferry's, and every
 * task method looks the id up for the asking client only.
 */
export class TaskMap {
  readonly #byId = new Map<string, TaskRecord>();
  readonly #byChild = new Map<Upstream, Map<string, TaskRecord>>();
  /** Callers waiting for a child's task id to be registered (see `whenRegistered`). */
  readonly #waiters = new Set<{ upstream: Upstream; childId: string; done: (r: TaskRecord) => void }>();

  /** Records a task a child created for `owner`; returns Ferry's id for it. */
  register(
    upstream: Upstream,
    childId: string,
    owner: { client: string; sessionId: string; stateless?: boolean },
    ttl: unknown,
  ): string {
    const existing = this.#byChild.get(upstream)?.get(childId);
    if (existing && existing.client === owner.client) return existing.id;
    const now = Date.now();
    const life =
      typeof ttl === 'number' && ttl > 0 ? Math.min(ttl, TASK_LIMITS.maxAgeMs) : TASK_LIMITS.maxAgeMs;
    const record: TaskRecord = {
      id: randomUUID(),
      childId,
      upstream,
      client: owner.client,
      sessionId: owner.sessionId,
      expiresAt: now + life,
      ...(owner.stateless ? { input: new TaskInput() } : {}),
    };
    if (existing) this.#delete(existing);
    this.#byId.set(record.id, record);
    let children = this.#byChild.get(upstream);
    if (!children) this.#byChild.set(upstream, (children = new Map<string, TaskRecord>()));
    children.set(childId, record);
    this.#trim(owner.client);
    for (const waiter of [...this.#waiters]) {
      if (waiter.upstream === upstream && waiter.childId === childId) waiter.done(record);
    }
    return record.id;
  }

  /**
   * The record of a child's task, waiting up to `ms` for it: a child may send a request tied to a task
   * right after the result that creates it, and Ferry registers the task only once that result has
   * made its way through the session.
   */
  whenRegistered(upstream: Upstream, childId: unknown, ms: number): Promise<TaskRecord | undefined> {
    if (typeof childId !== 'string') return Promise.resolve(undefined);
    const known = this.byChild(upstream, childId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const waiter = {
        upstream,
        childId,
        done: (record: TaskRecord | undefined) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(record);
        },
      };
      const timer = setTimeout(() => waiter.done(undefined), ms);
      this.#waiters.add(waiter);
    });
  }

  /** The task `id` if it exists, has not expired, and belongs to `client`; otherwise undefined (not found). */
  find(id: unknown, client: string): TaskRecord | undefined {
    if (typeof id !== 'string') return undefined;
    const record = this.#byId.get(id);
    if (!record) return undefined;
    if (record.expiresAt <= Date.now()) {
      this.#delete(record);
      return undefined;
    }
    return record.client === client ? record : undefined;
  }

  byChild(upstream: Upstream, childId: unknown): TaskRecord | undefined {
    return typeof childId === 'string' ? this.#byChild.get(upstream)?.get(childId) : undefined;
  }

  /** A child restarted or stopped: its tasks are gone with its process. */
  forget(upstream: Upstream): void {
    for (const record of this.#byChild.get(upstream)?.values() ?? []) this.#byId.delete(record.id);
    this.#byChild.delete(upstream);
  }

  #delete(record: TaskRecord): void {
    this.#byId.delete(record.id);
    const children = this.#byChild.get(record.upstream);
    if (children?.get(record.childId) === record) children.delete(record.childId);
    if (children?.size === 0) this.#byChild.delete(record.upstream);
  }

  /** Over `perClient`, the client's oldest tasks are forgotten (Map order is insertion order). */
  #trim(client: string): void {
    let count = 0;
    for (const record of this.#byId.values()) if (record.client === client) count++;
    for (const record of this.#byId.values()) {
      if (count <= TASK_LIMITS.perClient) break;
      if (record.client !== client) continue;
      this.#delete(record);
      count--;
    }
  }
}

/**
 * A child's task-shaped result or notification with the child's task id replaced by the client's: the
 * task itself (`taskId`), a created task (`task.taskId`) and the related-task `_meta`.
 */
export function withTaskId<T extends Record<string, unknown>>(value: T, childId: string, id: string): T {
  const out: Record<string, unknown> = { ...value };
  if (out.taskId === childId) out.taskId = id;
  if (isObject(out.task) && out.task.taskId === childId) out.task = { ...out.task, taskId: id };
  if (isObject(out._meta) && isObject(out._meta[RELATED_TASK])) {
    const related = out._meta[RELATED_TASK];
    if (related.taskId === childId) out._meta = { ...out._meta, [RELATED_TASK]: { ...related, taskId: id } };
  }
  return out as T;
}

/** The child's id of the task a `CreateTaskResult` announces, if the result is one. */
export function createdTaskId(result: Result): { childId: string; ttl: unknown } | undefined {
  const task = result.task;
  if (!isObject(task) || typeof task.taskId !== 'string') return undefined;
  return { childId: task.taskId, ttl: task.ttl };
}
