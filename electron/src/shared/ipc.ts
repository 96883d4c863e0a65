import type { Stamped } from '#core';

/**
 * The one IPC contract between the main process and the preload: every channel, its arguments and its
 * result, declared once. Handlers and callers are typed from these maps; nothing else crosses the boundary
 * (there is no generic `on(channel)` for the page).
 */

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface AdminRequest {
  method: AdminMethod;
  /** Relative to the admin API root, as the window addresses it over HTTP: `/status`, `/servers/x/restart`. */
  path: string;
  body?: unknown;
}

export interface AdminErrorBody {
  code: string;
  message: string;
  issues?: { path: string; message: string; fix?: string }[];
}

/** Errors are values: Electron reduces a thrown error to its message on the way to the page. */
export type AdminReply = { ok: true; value: unknown } | { ok: false; error: AdminErrorBody };

/** Page -> main calls that answer. */
export interface InvokeChannels {
  'admin:request': { args: [request: AdminRequest]; result: AdminReply };
  /** Starts pushing `events:event` to the calling page; answers with what happened after `since`. */
  'events:subscribe': { args: [since: number | null]; result: Stamped[] };
  'events:unsubscribe': { args: []; result: void };
}

/** Main -> page messages. */
export interface PushChannels {
  'events:event': Stamped;
  /** The tray asked for a screen ("Open logs", a consent notification). */
  'window:navigate': WindowRoute;
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
}
