import type { AdminErrorBody, AdminMethod, Stamped } from '#core';

/**
 * The one IPC contract between the main process and the preload: every channel, its arguments and its
 * result, declared once. Handlers and callers are typed from these maps; nothing else crosses the boundary
 * (there is no generic `on(channel)` for the page).
 */

export interface AdminRequest {
  method: AdminMethod;
  /** Relative to the admin API root, as the window addresses it over HTTP: `/status`, `/servers/x/restart`. */
  path: string;
  body?: unknown;
}

/** Errors are values: Electron reduces a thrown error to its message on the way to the page. */
export type AdminReply = { ok: true; value: unknown } | { ok: false; error: AdminErrorBody };

/** Page -> main calls that answer. */
export interface InvokeChannels {
  'admin:request': { args: [request: AdminRequest]; result: AdminReply };
  /** Starts pushing `events:event` to the calling page; answers with what happened after `since`. */
  'events:subscribe': { args: [since: number | null]; result: Stamped[] };
  'events:unsubscribe': { args: []; result: void };
  /** Whether the core runs (and why not): what the window shows instead of a live page when it does not. */
  'core:state': { args: []; result: CoreState };
  /** Starts the core again after a failed start; answers with the state afterwards. */
  'core:restart': { args: []; result: CoreState };
}

/**
 * The core's life inside the desktop app. IPC itself never drops, so without this a failed start (port in
 * use, broken config) would leave the window looking alive; structurally the renderer's `CoreState`.
 */
export interface CoreState {
  phase: 'starting' | 'running' | 'failed' | 'stopping';
  reason?: string;
}

/** Main -> page messages. */
export interface PushChannels {
  'events:event': Stamped;
  /** The tray asked for a screen ("Open logs", a consent notification, a held tool's server). */
  'window:navigate': WindowLocation;
  /** Every change of the core's phase, to the window. */
  'core:state': CoreState;
}

export type InvokeChannel = keyof InvokeChannels;
export type PushChannel = keyof PushChannels;

export const WINDOW_ROUTES = [
  'status',
  'servers',
  'consents',
  'approvals',
  'clients',
  'activity',
  'logs',
  'doctor',
] as const;
export type WindowRoute = (typeof WINDOW_ROUTES)[number];

export function isWindowRoute(value: unknown): value is WindowRoute {
  return typeof value === 'string' && (WINDOW_ROUTES as readonly string[]).includes(value);
}

/** A screen and, for some, what it should show (`servers?server=git&tools=1`): the hash after `#/`. */
export type WindowLocation = WindowRoute | `${WindowRoute}?${string}`;

/** A location's query is short and made only of what `URLSearchParams` writes: it cannot reshape the hash. */
const LOCATION_QUERY = /^[A-Za-z0-9%=&._~+*-]{0,512}$/;

export function isWindowLocation(value: unknown): value is WindowLocation {
  if (typeof value !== 'string') return false;
  const mark = value.indexOf('?');
  if (mark < 0) return isWindowRoute(value);
  return isWindowRoute(value.slice(0, mark)) && LOCATION_QUERY.test(value.slice(mark + 1));
}

export function windowLocation(route: WindowRoute, params: Record<string, string>): WindowLocation {
  const query = new URLSearchParams(params).toString();
  return query ? `${route}?${query}` : route;
}

/** The window's own origin: a privileged custom scheme rather than file://, which would grant every local file. */
export const APP_SCHEME = 'ferry';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

/**
 * What the preload exposes as `window.ferryAdmin`; structurally the renderer's `AdminIpcBridge`
 * (renderer/src/api/ipc.ts), which electron/test checks both ways.
 */
export interface AdminBridge {
  request(method: AdminMethod, path: string, body?: unknown): Promise<unknown>;
  subscribe(since: number | undefined, listener: (event: Stamped) => void): () => void;
  /** The current core state at once, then each change (optional in the contract: the renderer's is). */
  coreState?(listener: (state: CoreState) => void): () => void;
  restartCore?(): Promise<CoreState>;
}
