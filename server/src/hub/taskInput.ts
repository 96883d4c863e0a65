import type { Result } from '@modelcontextprotocol/sdk/types.js';

/**
 * Bounds of the input a task waits for on the 2026 wire (tasks extension), in one place. A child's
 * request tied to a task (`related-task` `_meta`) is held here until the client answers it with
 * `tasks/update`; the child's own request timeout ends a wait the client never answers.
 */
export const TASK_INPUT_LIMITS = Object.freeze({
  /** Requests one task may have waiting at once: a tool asks one or a few things per step. */
  perTask: 16,
});

/** A child-chosen input key: short, and safe to show and to echo (as on the call's own input rounds). */
const INPUT_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

interface Waiting {
  request: { method: string; params: Record<string, unknown> };
  resolve: (result: Result) => void;
}

/** The child's requests a task of a stateless client waits on, by the key the client answers them under. */
export class TaskInput {
  readonly #waiting = new Map<string, Waiting>();
  #count = 0;

  get size(): number {
    return this.#waiting.size;
  }

  /** Holds a child's request until `answer` gets its key, or `signal` (the child gave up) ends it. */
  hold(
    request: { method: string; params: Record<string, unknown> },
    hint: unknown,
    signal: AbortSignal,
  ): Promise<Result> {
    if (this.#waiting.size >= TASK_INPUT_LIMITS.perTask) {
      return Promise.reject(
        new Error(`the task already waits for ${TASK_INPUT_LIMITS.perTask} answers (the most Ferry holds)`),
      );
    }
    const base = typeof hint === 'string' && INPUT_KEY.test(hint) ? hint : `input-${++this.#count}`;
    let key = base;
    for (let n = 2; this.#waiting.has(key); n++) key = `${base}-${n}`;
    return new Promise<Result>((resolve, reject) => {
      this.#waiting.set(key, { request, resolve });
      signal.addEventListener('abort', () => {
        if (this.#waiting.delete(key)) reject(new Error('cancelled by the server'));
      });
    });
  }

  /** The requests still waiting, as the extension's `inputRequests` map. */
  requests(): Record<string, { method: string; params: Record<string, unknown> }> {
    return Object.fromEntries([...this.#waiting].map(([key, w]) => [key, w.request]));
  }

  /** The client's answers: each waiting request whose key has an object answer gets it; others are ignored. */
  answer(responses: unknown): void {
    if (!responses || typeof responses !== 'object' || Array.isArray(responses)) return;
    for (const [key, response] of Object.entries(responses as Record<string, unknown>)) {
      const waiting = this.#waiting.get(key);
      if (!waiting || !response || typeof response !== 'object' || Array.isArray(response)) continue;
      this.#waiting.delete(key);
      waiting.resolve(response as Result);
    }
  }
}
