import {
  APP_SCHEME,
  type InvokeChannel,
  type InvokeChannels,
  type PushChannel,
  type PushChannels,
} from '../../shared/ipc.js';
import type { ElectronHost, InvokeEventLike, WebContentsLike } from '../host.js';

/**
 * The only code that touches `ipcMain` (lint bans it elsewhere). Every handler is typed from the channel
 * map, its arguments are parsed before the handler sees them, and a call is answered only when it comes
 * from the top frame of a page Ferry loaded from its own origin into a window it owns.
 */
export class MainIpc {
  readonly #channels = new Set<InvokeChannel>();

  constructor(
    private readonly host: Pick<ElectronHost, 'ipcMain'>,
    private readonly ownsContents: (webContentsId: number) => boolean,
    private readonly onRefused: (channel: string, reason: string) => void,
  ) {}

  handle<C extends InvokeChannel>(
    channel: C,
    parseArgs: (args: unknown[]) => InvokeChannels[C]['args'],
    handler: (
      sender: { readonly id: number },
      ...args: InvokeChannels[C]['args']
    ) => InvokeChannels[C]['result'] | Promise<InvokeChannels[C]['result']>,
  ): void {
    this.#channels.add(channel);
    this.host.ipcMain.handle(channel, (event, ...args) => {
      const refusal = senderRefusal(event, this.ownsContents);
      if (refusal) {
        this.onRefused(channel, refusal);
        throw new Error(`${channel}: refused (${refusal})`);
      }
      return handler(event.sender, ...parseArgs(args));
    });
  }

  dispose(): void {
    for (const channel of this.#channels) this.host.ipcMain.removeHandler(channel);
    this.#channels.clear();
  }
}

/** Why a call must not be answered, or undefined when it may. */
export function senderRefusal(
  event: InvokeEventLike,
  ownsContents: (webContentsId: number) => boolean,
): string | undefined {
  const frame = event.senderFrame;
  // A frame that navigated away or was destroyed while the call was in flight has no trustworthy URL.
  if (!frame) return 'the sending frame is gone';
  if (frame.parent !== null) return 'sent from a subframe';
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return 'the sending frame has no URL';
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== 'app')
    return `sent from ${url.protocol}//${url.host}`;
  if (!ownsContents(event.sender.id)) return 'sent from a page outside Ferry’s window';
  return undefined;
}

/** Main -> page, typed from the push map; a page that went away is skipped, not an error. */
export function push<C extends PushChannel>(
  contents: WebContentsLike,
  channel: C,
  payload: PushChannels[C],
): void {
  if (!contents.isDestroyed()) contents.send(channel, payload);
}
