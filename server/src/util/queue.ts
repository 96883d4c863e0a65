/** Tail of each key's queue; entries are removed once a queue drains so the map does not grow. */
const queues = new Map<string, Promise<void>>();

/**
 * Runs `task` after every earlier task with the same key has settled, success or not. In-process only: it
 * stops two quick edits from reading the same old file and losing one another, not other processes.
 */
export function serializeByKey<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.then(task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return run;
}
