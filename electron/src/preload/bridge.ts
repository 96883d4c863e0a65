import type { Stamped } from '#core';
import {
  isWindowLocation,
  type AdminBridge,
  type CoreState,
  type InvokeChannel,
  type InvokeChannels,
  type PushChannel,
  type PushChannels,
  type WindowLocation,
} from '../shared/ipc.js';

/** The typed face of `ipcRenderer`, limited to the contract's channels. */
export interface RendererIpc {
  invoke<C extends InvokeChannel>(
    channel: C,
    ...args: InvokeChannels[C]['args']
  ): Promise<InvokeChannels[C]['result']>;
  on<C extends PushChannel>(channel: C, listener: (payload: PushChannels[C]) => void): () => void;
}

/**
 * `window.ferryAdmin`: the admin API and the event stream over IPC. Each subscriber gets the events after its
 * `since` exactly once and in order, even though the backlog (an answer) and live events (pushes) travel
 * separately: pushes that overtake the backlog wait, and anything already delivered is dropped.
 */
export function createAdminBridge(ipc: RendererIpc): AdminBridge {
  let subscribers = 0;
  return {
    async request(method, path, body) {
      const reply = await ipc.invoke('admin:request', {
        method,
        path,
        ...(body === undefined ? {} : { body }),
      });
      return reply.ok ? reply.value : { error: reply.error };
    },
    subscribe(since, listener) {
      let last = since ?? -1;
      let live = false;
      let closed = false;
      const early: Stamped[] = [];
      const deliver = (event: Stamped) => {
        if (closed || event.seq <= last) return;
        last = event.seq;
        listener(event);
      };
      const off = ipc.on('events:event', (event) => {
        if (live) deliver(event);
        else early.push(event);
      });
      subscribers += 1;
      ipc.invoke('events:subscribe', since ?? null).then(
        (backlog) => {
          for (const event of backlog) deliver(event);
          live = true;
          for (const event of early.splice(0)) deliver(event);
        },
        () => {
          // The main process refused or went away; the window shows the stream as closed on its next request.
          live = true;
        },
      );
      return () => {
        if (closed) return;
        closed = true;
        off();
        subscribers -= 1;
        if (subscribers === 0) void ipc.invoke('events:unsubscribe').catch(() => undefined);
      };
    },
    coreState(listener) {
      let closed = false;
      // A push that overtakes the first answer is newer than it: the answer is then dropped.
      let pushed = false;
      const off = ipc.on('core:state', (state) => {
        pushed = true;
        if (!closed) listener(state);
      });
      ipc.invoke('core:state').then(
        (state) => {
          if (!closed && !pushed) listener(state);
        },
        () => {
          const lost: CoreState = { phase: 'failed', reason: 'the Ferry app does not answer the window' };
          if (!closed && !pushed) listener(lost);
        },
      );
      return () => {
        closed = true;
        off();
      };
    },
    restartCore: () => ipc.invoke('core:restart'),
  };
}

/** Screen changes the tray asks for ("Open logs"), applied to the page's hash route. */
export function followNavigation(ipc: RendererIpc, location: { hash: string }): () => void {
  return ipc.on('window:navigate', (route: WindowLocation) => {
    if (isWindowLocation(route)) location.hash = `#/${route}`;
  });
}
