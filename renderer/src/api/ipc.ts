import { AdminApiError, isErrorBody } from './errors.js';
import type { AdminTransport, DownloadedFile, StreamState, Unsubscribe } from './transport.js';
import type { AdminErrorBody, AdminMethod, Stamped } from './types.js';

/**
 * What Electron's preload will expose to the window (as `window.ferryAdmin`): the same admin operations
 * and event stream as HTTP, carried over IPC. Only the shape is fixed here; the Electron shell implements
 * it (its handlers call the same `AdminApi` the HTTP listener calls).
 */
export interface AdminIpcBridge {
  /** Resolves with the operation's result, or rejects with (or resolves to) `{ error: AdminErrorBody }`. */
  request(method: AdminMethod, path: string, body?: unknown): Promise<unknown>;
  /** Events after `since`; in-process IPC does not drop, so no resume logic is needed. */
  subscribe(since: number | undefined, listener: (event: Stamped) => void): Unsubscribe;
  /**
   * The core's life in the desktop app (IPC never drops, so a stopped core is only seen this way): the
   * current state at once, then every change. Optional: a host without it is taken as always running.
   */
  coreState?(listener: (state: CoreState) => void): Unsubscribe;
  /** Starts the core again after a failed start (the user freed the port, fixed the config). */
  restartCore?(): Promise<CoreState>;
}

/** The core as the desktop app runs it; `reason` says why it is not running, in words. */
export interface CoreState {
  phase: 'starting' | 'running' | 'failed' | 'stopping';
  reason?: string;
}

declare global {
  interface Window {
    ferryAdmin?: AdminIpcBridge;
  }
}

export function createIpcTransport(bridge: AdminIpcBridge): AdminTransport {
  const toError = (error: unknown): AdminApiError => {
    const body =
      (error as { error?: AdminErrorBody } | undefined)?.error ?? (error as AdminErrorBody | undefined);
    if (body && typeof body.code === 'string' && typeof body.message === 'string')
      return new AdminApiError(body.code, body.message, body.issues ?? []);
    return AdminApiError.from(error);
  };
  const request = async (method: AdminMethod, path: string, body?: unknown): Promise<unknown> => {
    let result: unknown;
    try {
      result = await bridge.request(method, path, body);
    } catch (error) {
      throw toError(error);
    }
    if (isErrorBody(result)) throw toError(result);
    return result;
  };
  return {
    description: 'the Ferry app',
    request,
    // The main process gathers the download and answers it whole (IPC replies are not streamed).
    async download(path: string): Promise<DownloadedFile> {
      const file = (await request('GET', path)) as Partial<DownloadedFile> | undefined;
      if (typeof file?.text !== 'string' || typeof file.filename !== 'string')
        throw new AdminApiError('bad_response', `The Ferry app sent no file for ${path}`);
      return { filename: file.filename, contentType: file.contentType ?? 'text/plain', text: file.text };
    },
    events(since, onEvent, onState?: (state: StreamState) => void): Unsubscribe {
      const restart = bridge.restartCore
        ? async () => {
            await bridge.restartCore?.();
          }
        : undefined;
      const stopCore = bridge.coreState
        ? bridge.coreState((core) => onState?.(streamStateOf(core, restart)))
        : (onState?.({ state: 'open' }), undefined);
      const stopEvents = bridge.subscribe(since, onEvent);
      return () => {
        stopCore?.();
        stopEvents();
      };
    },
  };
}

/** The core's phase as the window's connection state: anything but running greys the window out. */
export function streamStateOf(core: CoreState, restart: (() => Promise<void>) | undefined): StreamState {
  switch (core.phase) {
    case 'running':
      return { state: 'open' };
    case 'starting':
      return { state: 'connecting' };
    case 'failed':
      return {
        state: 'stopped',
        reason: core.reason ?? 'Ferry could not start; see the logs',
        ...(restart ? { restart } : {}),
      };
    case 'stopping':
      return { state: 'stopped', reason: core.reason ?? 'Ferry is quitting' };
  }
}
