/** Every event the core emits. Consumers (CLI, tray, window, admin stream) switch on `type`. */
export type UpstreamState = 'starting' | 'ready' | 'restarting' | 'crashed' | 'stopped' | 'disabled';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type CallOutcome = 'ok' | 'tool-error' | 'error' | 'cancelled';

export interface ServerStatusEvent {
  type: 'server.status';
  server: string;
  state: UpstreamState;
  /** Why the server is in this state, in words a user can act on (crash reason, spawn error). */
  reason?: string;
  pid?: number;
}

export interface CallStartEvent {
  type: 'call.start';
  callId: string;
  sessionId: string;
  server: string;
  method: string;
  /** Tool, prompt or resource the call targets, with the server's original name. */
  target: string;
  argsPreview: string;
}

export interface CallEndEvent {
  type: 'call.end';
  callId: string;
  sessionId: string;
  server: string;
  method: string;
  target: string;
  durationMs: number;
  outcome: CallOutcome;
  error?: string;
  resultPreview?: string;
}

export interface LogEvent {
  type: 'log';
  level: LogLevel;
  /** `ferry`, `http`, `hub`, or `server:<name>` for a child's stderr. */
  source: string;
  message: string;
}

export interface SessionEvent {
  type: 'session.opened' | 'session.closed';
  sessionId: string;
  endpoint: string;
  clientName?: string;
  reason?: string;
}

export interface ListenerEvent {
  type: 'listener.ready';
  surface: 'public' | 'admin';
  url: string;
}

export type CoreEvent =
  ServerStatusEvent | CallStartEvent | CallEndEvent | LogEvent | SessionEvent | ListenerEvent;

export type CoreEventType = CoreEvent['type'];

/** An event as delivered: stamped with a sequence number (for resumable streams) and a time. */
export type Stamped<E extends CoreEvent = CoreEvent> = E & { seq: number; at: number };
