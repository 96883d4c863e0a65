interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the state file. `schedule()` marks the state dirty and returns a promise that settles when
 * a write which started after the call has finished, so a caller can wait for durability; every change made
 * within `delayMs` of the first one shares a single write. Writes never overlap, and each one serializes the
 * state as it is when it starts, so nothing scheduled is ever lost to coalescing.
 */
export class WriteBehind {
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #waiters: Waiter[] = [];
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: () => Promise<void>,
    private readonly delayMs: number,
    private readonly onBackgroundError: (error: unknown) => void,
  ) {}

  schedule(): Promise<void> {
    this.#dirty = true;
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    // The timer's own report covers callers that do not wait; an awaiting caller sees the rejection itself.
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#run().catch(this.onBackgroundError);
    }, this.delayMs);
    return done;
  }

  /** Writes now if anything is pending, after any write in progress; rejects if that write fails. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    return this.#run();
  }

  #run(): Promise<void> {
    const run = this.#chain.then(async () => {
      if (!this.#dirty) return;
      this.#dirty = false;
      const waiters = this.#waiters.splice(0);
      try {
        await this.write();
      } catch (error) {
        // The changes are still in memory: the next write carries them.
        this.#dirty = true;
        for (const waiter of waiters) waiter.reject(error);
        throw error;
      }
      for (const waiter of waiters) waiter.resolve();
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }
}
