import { AdminClient } from './client.js';
import { createHttpTransport } from './http.js';
import { createIpcTransport } from './ipc.js';

export type Connection =
  { kind: 'ready'; client: AdminClient; via: 'http' | 'ipc' } | { kind: 'no-token'; reason: string };

const STORAGE_KEY = 'ferry.admin';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

interface Saved {
  token: string;
  admin?: string;
}

/**
 * Where the admin API is and how to authenticate, from the page's URL fragment (`#token=…`, optionally
 * `&admin=<loopback origin>` when the page is served from elsewhere). The fragment never reaches a server or
 * a Referer; it is removed from the address bar at once and kept in sessionStorage so a reload works.
 * In Electron the preload's IPC bridge wins and no token is needed.
 */
export function connect(win: Window = window): Connection {
  if (win.ferryAdmin)
    return { kind: 'ready', client: new AdminClient(createIpcTransport(win.ferryAdmin)), via: 'ipc' };
  const fragment = new URLSearchParams(win.location.hash.replace(/^#\/?/, ''));
  let saved: Saved | undefined;
  const token = fragment.get('token');
  if (token) {
    saved = { token };
    const admin = fragment.get('admin');
    if (admin) {
      const origin = loopbackOrigin(admin);
      if (!origin)
        return { kind: 'no-token', reason: `The admin address "${admin}" is not a loopback http origin.` };
      saved.admin = origin;
    }
    try {
      win.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(saved));
    } catch {
      // Storage may be off (private mode); the token then lasts until the page is reloaded.
    }
    win.history.replaceState(null, '', `${win.location.pathname}${win.location.search}#/status`);
  } else {
    try {
      const text = win.sessionStorage.getItem(STORAGE_KEY);
      saved = text ? (JSON.parse(text) as Saved) : undefined;
    } catch {
      saved = undefined;
    }
  }
  if (!saved?.token) return { kind: 'no-token', reason: 'This page was opened without the admin token.' };
  const baseUrl = saved.admin ?? '';
  const transport = createHttpTransport({
    baseUrl,
    token: saved.token,
    description: baseUrl || win.location.origin,
  });
  return { kind: 'ready', client: new AdminClient(transport), via: 'http' };
}

/** Forgets the saved token (after the API said it is wrong), so the next load asks for a fresh link. */
export function forgetToken(win: Window = window): void {
  try {
    win.sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing saved
  }
}

function loopbackOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname)) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}
