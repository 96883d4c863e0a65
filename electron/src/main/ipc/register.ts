import {
  ADMIN_METHODS,
  AdminDownload,
  AdminError,
  adminErrorOf,
  createAdminRouter,
  type AdminErrorBody,
  type DownloadedFile,
  type Stamped,
} from '#core';
import { z } from 'zod';
import type { AdminReply } from '../../shared/ipc.js';
import { describe, type Desktop } from '../desktop.js';
import { MainIpc, push } from './typedIpc.js';

const adminRequest = z.object({
  method: z.enum(ADMIN_METHODS),
  path: z.string().startsWith('/').max(4096),
  body: z.unknown().optional(),
});
const since = z.number().int().nonnegative().nullable();

/** What a page that sends malformed arguments gets: the call fails, nothing runs. */
function parseWith<T>(schema: z.ZodType<T>, channel: string) {
  return (value: unknown): T => {
    const result = schema.safeParse(value);
    if (!result.success) throw new Error(`${channel}: malformed arguments`);
    return result.data;
  };
}

/**
 * The admin contract over IPC: the same router the headless HTTP listener uses, and the core's event
 * stream pushed to the window. No admin listener is opened in the desktop app.
 */
export function register(desktop: Desktop): void {
  const { core } = desktop;
  const dispatch = createAdminRouter(core.admin);
  const ipc = new MainIpc(
    desktop.host,
    (id) => desktop.window.owns(id),
    (channel, reason) => core.events.log('warn', 'ferry', `IPC ${channel} refused: ${reason}`),
  );
  const subscriptions = new Map<number, () => void>();

  const parseRequest = parseWith(adminRequest, 'admin:request');
  ipc.handle(
    'admin:request',
    (args) => [parseRequest(args[0])],
    async (_sender, request): Promise<AdminReply> => {
      try {
        const value = await dispatch(request.method, request.path, request.body);
        // Accepting a held tool, a policy edit: no state event says so, and the tray must follow.
        if (request.method !== 'GET') desktop.changed();
        // IPC cannot stream a reply: a download (the audit export) is sent whole, as the window saves it.
        if (value instanceof AdminDownload) {
          const file: DownloadedFile = {
            filename: value.filename,
            contentType: value.contentType,
            text: await value.text(),
          };
          return { ok: true, value: file };
        }
        return { ok: true, value };
      } catch (error) {
        return {
          ok: false,
          error: errorBody(error, (message) => core.events.log('error', 'admin', message)),
        };
      }
    },
  );

  const parseSince = parseWith(since, 'events:subscribe');
  ipc.handle(
    'events:subscribe',
    (args) => [parseSince(args[0] ?? null)],
    (sender, after): Stamped[] => {
      const contents = desktop.window.current?.webContents;
      if (!contents || contents.id !== sender.id) return [];
      if (!subscriptions.has(sender.id)) {
        const stop = core.events.subscribe((event) => push(contents, 'events:event', event));
        subscriptions.set(sender.id, stop);
        contents.once('destroyed', () => {
          stop();
          subscriptions.delete(sender.id);
        });
      }
      return core.events.since(after ?? core.events.lastSeq);
    },
  );

  ipc.handle(
    'events:unsubscribe',
    () => [],
    (sender) => {
      subscriptions.get(sender.id)?.();
      subscriptions.delete(sender.id);
    },
  );

  ipc.handle(
    'core:state',
    () => [],
    () => desktop.coreState(),
  );
  ipc.handle(
    'core:restart',
    () => [],
    async () => {
      await desktop.perform({ type: 'retry' });
      return desktop.coreState();
    },
  );
  // The window learns every phase change at once: a failed start greys it out with the reason.
  let shown = JSON.stringify(desktop.coreState());
  const stopPhase = desktop.onChange(() => {
    const state = desktop.coreState();
    const text = JSON.stringify(state);
    if (text === shown) return;
    shown = text;
    // A window opened later asks for the state itself (core:state) when it subscribes.
    const contents = desktop.window.current?.webContents;
    if (contents) push(contents, 'core:state', state);
  });

  desktop.onDispose(() => {
    stopPhase();
    for (const stop of subscriptions.values()) stop();
    subscriptions.clear();
    ipc.dispose();
  });
}

/** Failures as the HTTP listener answers them: classified by code (adminErrorOf), anything else `internal` (logged). */
export function errorBody(error: unknown, logInternal: (message: string) => void): AdminErrorBody {
  const admin = adminErrorOf(error);
  if (admin.code !== 'internal' || error instanceof AdminError) return admin.toJSON();
  logInternal(error instanceof Error ? (error.stack ?? error.message) : describe(error));
  return new AdminError('internal', describe(error)).toJSON();
}
