import type { HiddenInstructionFlag, PendingApproval } from '../policy/types.js';

/** Every event the core emits. Consumers (CLI, tray, window, admin stream) switch on `type`. */
export type UpstreamState = 'starting' | 'ready' | 'restarting' | 'crashed' | 'stopped' | 'disabled';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** `refused`: Ferry answered the call itself, before any child saw it (unknown tool, later policy). */
export type CallOutcome = 'ok' | 'tool-error' | 'error' | 'cancelled' | 'refused';

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
  /** The MCP revision the client spoke (2026-07-28: the stateless wire). */
  protocol?: string;
  /** The arguments whole (redacted, cut at `FULL_PAYLOAD_CHARS`), for Activity's detail and replay. */
  args?: string;
  /** Who made the call: the MCP client's own name (clientInfo), or "Ferry window" for the window's test calls. */
  client?: string;
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
  /** The result whole (redacted, cut at `FULL_PAYLOAD_CHARS`). */
  result?: string;
  args?: string;
  argsPreview?: string;
  client?: string;
  /** The MCP revision the client spoke (2026-07-28: the stateless wire). */
  protocol?: string;
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

/** A consent waiting for the user, as the tray, window and CLI show it. */
export interface PendingConsent {
  id: string;
  clientId: string;
  clientName: string;
  clientUri?: string;
  redirectUri: string;
  /** The host the browser will be sent back to: what the user should recognise (claude.ai). */
  redirectHost: string;
  scopes: string[];
  resource: string;
  /** Also shown on the waiting page, so the user can tell their own request from someone else's. */
  matchCode: string;
  createdAt: number;
  expiresAt: number;
}

export interface ConsentRequestedEvent {
  type: 'consent.requested';
  consent: PendingConsent;
}

export interface ConsentResolvedEvent {
  type: 'consent.resolved';
  id: string;
  clientId: string;
  clientName: string;
  outcome: 'approved' | 'denied' | 'expired' | 'remembered' | 'replaced';
}

/** OAuth happenings worth a line in the log and the connection timeline. */
export interface AuthEvent {
  type: 'auth';
  kind:
    | 'client.registered'
    | 'client.revoked'
    | 'token.issued'
    | 'token.refreshed'
    | 'token.rejected'
    | 'grant.revoked'
    | 'request.rejected';
  clientId?: string;
  /** The rich reason; wire responses stay generic. */
  detail: string;
}

/** One request on the public listener, as the connection timeline and the doctor read it. */
export interface PublicRequestEvent {
  type: 'http.request';
  method: string;
  /** Path only: query strings can carry codes and state. */
  path: string;
  status: number;
  userAgent: string;
  /** Whether an Authorization header came with it (never its value). */
  authorized: boolean;
  durationMs: number;
  /** The MCP revision the request was answered in (2026-07-28 is the stateless wire), for MCP requests. */
  protocol?: string;
}

export type TunnelMode = 'quick' | 'named' | 'off';
export type TunnelState = 'off' | 'installing' | 'starting' | 'connected' | 'reconnecting' | 'failed';

export interface TunnelStateEvent {
  type: 'tunnel.state';
  mode: TunnelMode;
  state: TunnelState;
  publicUrl?: string;
  /** What went wrong or what the user should do, in words. */
  reason?: string;
}

/** A quick tunnel came back with a new hostname: the connector in Claude must be re-added. */
export interface TunnelUrlChangedEvent {
  type: 'tunnel.url-changed';
  previous: string;
  current: string;
  message: string;
}

/** A tool call waits for the user's yes or no (policy "ask"). */
export interface ApprovalRequestedEvent {
  type: 'approval.requested';
  approval: PendingApproval;
}

export interface ApprovalResolvedEvent {
  type: 'approval.resolved';
  id: string;
  server: string;
  tool: string;
  outcome: 'approved' | 'denied' | 'timeout' | 'cancelled';
}

/** A tool is hidden and refused until the user reviews and accepts its definition. */
export interface ToolHeldEvent {
  type: 'tool.held';
  server: string;
  tool: string;
  /** `changed`: differs from the pinned definition; `new`: first seen with hidden-instruction markers. */
  pin: 'changed' | 'new';
  flags: HiddenInstructionFlag[];
}

/** The user paused or resumed exposure: while paused the tunnel is stopped and the public listener refuses. */
export interface ExposureStateEvent {
  type: 'exposure.state';
  paused: boolean;
  /** The tunnel a resume brings back (a quick tunnel comes back with a new address). */
  resumeTunnel?: TunnelMode;
}

/**
 * What clients may call changed without a child changing: a policy edit (a tool's own, a server's default,
 * the config file edited by hand) or an accepted definition. The window reloads its tools lists.
 */
export interface ToolsChangedEvent {
  type: 'tools.changed';
  reason: 'policy' | 'accepted';
  /** The server concerned, when the change is about one. */
  server?: string;
}

export type CoreEvent =
  | ServerStatusEvent
  | CallStartEvent
  | CallEndEvent
  | LogEvent
  | SessionEvent
  | ListenerEvent
  | ConsentRequestedEvent
  | ConsentResolvedEvent
  | AuthEvent
  | TunnelStateEvent
  | TunnelUrlChangedEvent
  | PublicRequestEvent
  | ApprovalRequestedEvent
  | ApprovalResolvedEvent
  | ToolHeldEvent
  | ExposureStateEvent
  | ToolsChangedEvent;

export type CoreEventType = CoreEvent['type'];

/** An event as delivered: stamped with a sequence number (for resumable streams) and a time. */
export type Stamped<E extends CoreEvent = CoreEvent> = E & { seq: number; at: number };
