import type { AdminClient } from '../api/client.js';
import { AdminApiError } from '../api/errors.js';
import type { StreamState, Unsubscribe } from '../api/transport.js';
import type {
  CallEndEvent,
  CallOutcome,
  CallStartEvent,
  ClientSummary,
  CoreEvent,
  LogEvent,
  PendingApproval,
  PendingConsent,
  Stamped,
  StatusSnapshot,
  TunnelUrlChangedEvent,
} from '../api/types.js';

export type Loadable<T> =
  { state: 'loading' } | { state: 'ready'; value: T } | { state: 'error'; error: AdminApiError };

/** A tool call as the Activity screen shows it: the start and the end of one call merged. */
export interface CallRow {
  callId: string;
  sessionId: string;
  server: string;
  method: string;
  target: string;
  argsPreview: string | undefined;
  /** The arguments and result whole (redacted and bounded by the core), JSON as sent. */
  args: string | undefined;
  result: string | undefined;
  /** The MCP client's own name ("claude-ai", "Ferry window"); undefined if it gave none. */
  client: string | undefined;
  /** The MCP revision the client spoke; 2026-07-28 is the stateless wire. */
  protocol: string | undefined;
  /** When it started (epoch ms), or when it ended minus its duration if the start was not seen. */
  startedAt: number;
  durationMs: number | undefined;
  outcome: CallOutcome | 'running';
  error: string | undefined;
  resultPreview: string | undefined;
}

export interface Notice {
  id: number;
  text: string;
}

export interface FerryState {
  stream: StreamState;
  status: Loadable<StatusSnapshot>;
  consents: Loadable<PendingConsent[]>;
  /** Tool calls waiting for the user's yes or no (policy "ask"), oldest first. */
  approvals: Loadable<PendingApproval[]>;
  clients: Loadable<ClientSummary[]>;
  /** Oldest first. */
  calls: CallRow[];
  callsLoad: Loadable<true>;
  /** Oldest first. */
  logs: Stamped<LogEvent>[];
  logsLoad: Loadable<true>;
  /** Quick-tunnel hostname changes not dismissed yet, newest last. */
  urlChanges: Stamped<TunnelUrlChangedEvent>[];
  /** The latest thing to announce to screen readers (and show as a toast). */
  notice: Notice | undefined;
  /**
   * Bumped when what a server's tools list shows may have changed without its child changing (a tool held,
   * a policy edited, a definition accepted): the tools lists reload on it.
   */
  toolsRevision: number;
}

const MAX_CALLS = 1000;
const MAX_LOGS = 2000;

export type LoadKey = 'status' | 'consents' | 'approvals' | 'clients' | 'calls' | 'logs';
type Key = LoadKey;

/** Where each reload keeps its load state: the snapshot itself, or the stream's marker for calls and logs. */
const LOAD_FIELD = {
  status: 'status',
  consents: 'consents',
  approvals: 'approvals',
  clients: 'clients',
  calls: 'callsLoad',
  logs: 'logsLoad',
} as const satisfies Record<Key, keyof FerryState>;

/** The lists of waiting requests, oldest first, that an event or an answer adds to and takes from. */
interface WaitingLists {
  consents: PendingConsent;
  approvals: PendingApproval;
}

/**
 * The window's one source of truth: snapshots from the admin API kept current by the event stream.
 * Snapshots are reloaded whenever the stream (re)opens, and events are merged by sequence number or call id,
 * so a reconnect neither loses nor doubles anything. Screens read it through `useFerry`.
 */
export class FerryStore {
  #state: FerryState = {
    stream: { state: 'connecting' },
    status: { state: 'loading' },
    consents: { state: 'loading' },
    approvals: { state: 'loading' },
    clients: { state: 'loading' },
    calls: [],
    callsLoad: { state: 'loading' },
    logs: [],
    logsLoad: { state: 'loading' },
    urlChanges: [],
    notice: undefined,
    toolsRevision: 0,
  };
  readonly #listeners = new Set<() => void>();
  readonly #calls = new Map<string, CallRow>();
  #logs: Stamped<LogEvent>[] = [];
  readonly #logSeqs = new Set<number>();
  #dirtyCalls = false;
  #dirtyLogs = false;
  #flushQueued = false;
  #noticeId = 0;
  #stopStream: Unsubscribe | undefined;
  readonly #timers = new Map<Key, ReturnType<typeof setTimeout>>();
  #wasDown = false;

  constructor(readonly client: AdminClient) {}

  getState = (): FerryState => this.#state;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  start(): void {
    if (this.#stopStream) return;
    void this.reloadAll();
    // since=0: the core replays what it still holds (recent calls, logs, a tunnel URL change), deduplicated here.
    this.#stopStream = this.client.events(
      0,
      (event) => this.#onEvent(event),
      (state) => this.#onStream(state),
    );
  }

  stop(): void {
    this.#stopStream?.();
    this.#stopStream = undefined;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  async reloadAll(): Promise<void> {
    await Promise.all([
      this.reload('status'),
      this.reload('consents'),
      this.reload('approvals'),
      this.reload('clients'),
      this.reload('calls'),
      this.reload('logs'),
    ]);
  }

  async reload(key: Key): Promise<void> {
    try {
      switch (key) {
        case 'status': {
          const value = await this.client.status();
          this.#set({ status: { state: 'ready', value } });
          break;
        }
        case 'consents':
          this.#set({ consents: oldestFirst(await this.client.consents()) });
          break;
        case 'approvals':
          this.#set({ approvals: oldestFirst(await this.client.approvals()) });
          break;
        case 'clients': {
          const value = await this.client.clients();
          this.#set({ clients: { state: 'ready', value } });
          break;
        }
        case 'calls': {
          const ended = await this.client.calls(500);
          for (const event of ended) this.#callEnd(event);
          this.#set({ callsLoad: { state: 'ready', value: true } });
          break;
        }
        case 'logs': {
          const lines = await this.client.logs(1000);
          for (const line of lines) this.#log(line);
          this.#set({ logsLoad: { state: 'ready', value: true } });
          break;
        }
      }
    } catch (error) {
      const field = LOAD_FIELD[key];
      // A failed refresh keeps what was shown; only a first load shows the error in place.
      if (this.#state[field].state !== 'ready')
        this.#set({ [field]: { state: 'error', error: AdminApiError.from(error) } });
    }
    this.#flush();
  }

  /** Coalesces bursts of events into one reload. */
  schedule(key: Key, delayMs = 150): void {
    if (this.#timers.has(key)) return;
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        void this.reload(key);
      }, delayMs),
    );
  }

  announce(text: string): void {
    this.#set({ notice: { id: ++this.#noticeId, text } });
    this.#flush();
  }

  dismissUrlChange(seq: number): void {
    this.#set({ urlChanges: this.#state.urlChanges.filter((e) => e.seq !== seq) });
    this.#flush();
  }

  /** Applies what an action returned without waiting for the event that will confirm it. */
  removeConsent(id: string): void {
    this.#removeWaiting('consents', id);
  }

  removeApproval(id: string): void {
    this.#removeWaiting('approvals', id);
  }

  #removeWaiting(list: keyof WaitingLists, id: string): void {
    const waiting: Loadable<{ id: string }[]> = this.#state[list];
    if (waiting.state === 'ready')
      this.#set({ [list]: { state: 'ready', value: waiting.value.filter((w) => w.id !== id) } });
    this.#flush();
  }

  /** A new waiting request from the event stream, once, at the end (it is the newest). */
  #addWaiting<K extends keyof WaitingLists>(list: K, request: WaitingLists[K]): void {
    // TypeScript does not follow K from the key to the element type, so the pair is tied by the signature.
    const waiting = this.#state[list] as Loadable<WaitingLists[K][]>;
    if (waiting.state === 'ready' && !waiting.value.some((w) => w.id === request.id))
      this.#set({ [list]: { state: 'ready', value: [...waiting.value, request] } });
  }

  #onStream(stream: StreamState): void {
    this.#set({ stream });
    if (stream.state === 'retrying' || stream.state === 'closed' || stream.state === 'stopped')
      this.#wasDown = true;
    if (stream.state === 'open' && this.#wasDown) {
      this.#wasDown = false;
      void this.reloadAll();
    }
    this.#flush();
  }

  #onEvent(event: Stamped): void {
    this.#apply(event);
    this.#queueFlush();
  }

  #apply(event: Stamped<CoreEvent>): void {
    switch (event.type) {
      case 'log':
        this.#log(event);
        break;
      case 'call.start':
        this.#callStart(event);
        break;
      case 'call.end':
        this.#callEnd(event);
        break;
      case 'server.status': {
        const status = this.#state.status;
        if (status.state === 'ready') {
          const servers = status.value.servers.map((s) =>
            s.name === event.server ? { ...s, state: event.state, reason: event.reason, pid: event.pid } : s,
          );
          this.#set({ status: { state: 'ready', value: { ...status.value, servers } } });
        }
        this.schedule('status');
        break;
      }
      case 'tunnel.state': {
        const status = this.#state.status;
        if (status.state === 'ready') {
          const tunnel = {
            ...status.value.tunnel,
            mode: event.mode,
            state: event.state,
            reason: event.reason,
          };
          if (event.publicUrl !== undefined) tunnel.publicUrl = event.publicUrl;
          this.#set({ status: { state: 'ready', value: { ...status.value, tunnel } } });
        }
        this.schedule('status', 300);
        break;
      }
      case 'tunnel.url-changed':
        if (!this.#state.urlChanges.some((e) => e.seq === event.seq))
          this.#set({ urlChanges: [...this.#state.urlChanges, event].slice(-3) });
        this.schedule('status');
        break;
      case 'session.opened':
      case 'session.closed':
      case 'listener.ready':
        this.schedule('status');
        break;
      case 'consent.requested':
        this.#addWaiting('consents', event.consent);
        break;
      case 'consent.resolved':
        this.removeConsent(event.id);
        this.schedule('clients', 300);
        break;
      case 'approval.requested':
        this.#addWaiting('approvals', event.approval);
        // The snapshot is the truth: a reload also catches a request missed while the list was loading.
        this.schedule('approvals');
        break;
      case 'approval.resolved':
        this.removeApproval(event.id);
        this.schedule('approvals');
        break;
      case 'auth':
        if (event.kind !== 'token.rejected' && event.kind !== 'request.rejected')
          this.schedule('clients', 300);
        break;
      case 'exposure.state': {
        const status = this.#state.status;
        if (status.state === 'ready')
          this.#set({ status: { state: 'ready', value: { ...status.value, paused: event.paused } } });
        this.schedule('status');
        break;
      }
      case 'tool.held':
      case 'tools.changed':
        this.#set({ toolsRevision: this.#state.toolsRevision + 1 });
        break;
      case 'http.request':
        break;
    }
  }

  #callStart(event: Stamped<CallStartEvent>): void {
    if (this.#calls.has(event.callId)) return;
    this.#putCall(event, {
      args: event.args,
      argsPreview: event.argsPreview,
      client: event.client,
      protocol: event.protocol,
      startedAt: event.at,
    });
  }

  #callEnd(event: Stamped<CallEndEvent>): void {
    const row = this.#calls.get(event.callId);
    if (row && row.outcome !== 'running') return;
    // What only the start carries (the whole arguments, the client) is kept from it when it was seen.
    this.#putCall(event, {
      args: row?.args ?? event.args,
      argsPreview: row?.argsPreview ?? event.argsPreview,
      client: row?.client ?? event.client,
      protocol: row?.protocol ?? event.protocol,
      startedAt: row?.startedAt ?? event.at - event.durationMs,
      result: event.result,
      resultPreview: event.resultPreview,
      durationMs: event.durationMs,
      outcome: event.outcome,
      error: event.error,
    });
  }

  /** One call's row from its start or end event (ids and target) and what is known of it so far. */
  #putCall(
    event: CallStartEvent | CallEndEvent,
    known: Pick<CallRow, 'args' | 'argsPreview' | 'client' | 'protocol' | 'startedAt'> & Partial<CallRow>,
  ): void {
    this.#calls.set(event.callId, {
      callId: event.callId,
      sessionId: event.sessionId,
      server: event.server,
      method: event.method,
      target: event.target,
      result: undefined,
      resultPreview: undefined,
      durationMs: undefined,
      outcome: 'running',
      error: undefined,
      ...known,
    });
    this.#trimCalls();
    this.#dirtyCalls = true;
  }

  #trimCalls(): void {
    while (this.#calls.size > MAX_CALLS) {
      const oldest = this.#calls.keys().next().value;
      if (oldest === undefined) break;
      this.#calls.delete(oldest);
    }
  }

  #log(event: Stamped<LogEvent>): void {
    if (this.#logSeqs.has(event.seq)) return;
    this.#logSeqs.add(event.seq);
    const last = this.#logs.at(-1);
    this.#logs.push(event);
    if (last && last.seq > event.seq) this.#logs.sort((a, b) => a.seq - b.seq);
    if (this.#logs.length > MAX_LOGS) {
      for (const dropped of this.#logs.splice(0, this.#logs.length - MAX_LOGS))
        this.#logSeqs.delete(dropped.seq);
    }
    this.#dirtyLogs = true;
  }

  #set(patch: Partial<FerryState>): void {
    this.#state = { ...this.#state, ...patch };
    this.#dirty = true;
  }

  #dirty = false;

  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setTimeout(() => {
      this.#flushQueued = false;
      this.#flush();
    }, 16);
  }

  #flush(): void {
    if (this.#dirtyCalls) {
      this.#dirtyCalls = false;
      const calls = [...this.#calls.values()].sort((a, b) => a.startedAt - b.startedAt);
      this.#set({ calls });
    }
    if (this.#dirtyLogs) {
      this.#dirtyLogs = false;
      this.#set({ logs: [...this.#logs] });
    }
    if (!this.#dirty) return;
    this.#dirty = false;
    for (const listener of this.#listeners) listener();
  }
}

function oldestFirst<T extends { createdAt: number }>(value: T[]): Loadable<T[]> {
  return { state: 'ready', value: value.sort((a, b) => a.createdAt - b.createdAt) };
}
