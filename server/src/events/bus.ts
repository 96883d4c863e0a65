import type { CoreEvent, CoreEventType, LogLevel, Stamped } from './types.js';
import { RingBuffer } from './ringBuffer.js';

type Listener<E extends CoreEvent = CoreEvent> = (event: Stamped<E>) => void;

export interface EventBusOptions {
  /** Log lines kept for late subscribers and `GET /api/logs`. Default 2000. */
  logCapacity?: number;
  /** Finished tool calls kept for `GET /api/calls`. Default 500. */
  callCapacity?: number;
  /** Any events kept for resuming a stream after a reconnect. Default 1000. */
  replayCapacity?: number;
  now?: () => number;
}

/**
 * The core's one channel to the outside: synchronous fan-out to listeners, plus bounded history.
 * A throwing listener is isolated so it can never break the code that emitted the event.
 */
export class EventBus {
  readonly #listeners = new Set<Listener>();
  readonly #typed = new Map<CoreEventType, Set<Listener>>();
  readonly logs: RingBuffer<Stamped<Extract<CoreEvent, { type: 'log' }>>>;
  readonly calls: RingBuffer<Stamped<Extract<CoreEvent, { type: 'call.end' }>>>;
  readonly recent: RingBuffer<Stamped>;
  readonly #now: () => number;
  #seq = 0;

  constructor(options: EventBusOptions = {}) {
    this.logs = new RingBuffer(options.logCapacity ?? 2000);
    this.calls = new RingBuffer(options.callCapacity ?? 500);
    this.recent = new RingBuffer(options.replayCapacity ?? 1000);
    this.#now = options.now ?? Date.now;
  }

  get lastSeq(): number {
    return this.#seq;
  }

  emit(event: CoreEvent): void {
    const stamped = { ...event, seq: ++this.#seq, at: this.#now() };
    if (stamped.type === 'log') this.logs.push(stamped);
    else if (stamped.type === 'call.end') this.calls.push(stamped);
    this.recent.push(stamped);
    for (const listener of this.#typed.get(stamped.type) ?? []) this.#deliver(listener, stamped);
    for (const listener of this.#listeners) this.#deliver(listener, stamped);
  }

  log(level: LogLevel, source: string, message: string): void {
    this.emit({ type: 'log', level, source, message });
  }

  /** Subscribe to every event; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  on<T extends CoreEventType>(type: T, listener: Listener<Extract<CoreEvent, { type: T }>>): () => void {
    let set = this.#typed.get(type);
    if (!set) this.#typed.set(type, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  /** Events after `seq` still in the replay buffer, for resuming a stream. */
  since(seq: number): Stamped[] {
    return this.recent.toArray().filter((e) => e.seq > seq);
  }

  #deliver(listener: Listener, event: Stamped): void {
    try {
      listener(event);
    } catch (error) {
      if (event.type !== 'log') {
        this.log('error', 'ferry', `event listener failed on ${event.type}: ${String(error)}`);
      }
    }
  }
}
