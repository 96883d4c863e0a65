import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createAdminBridge, followNavigation, type RendererIpc } from './bridge.js';

/**
 * The only code that touches `ipcRenderer` (lint bans it elsewhere). The page gets `window.ferryAdmin` and
 * nothing else: no channel names, no generic send or on.
 */
const ipc: RendererIpc = {
  invoke: (channel, ...args) => ipcRenderer.invoke(channel, ...args),
  on: (channel, listener) => {
    const handler = (_event: IpcRendererEvent, payload: Parameters<typeof listener>[0]) => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  },
};

contextBridge.exposeInMainWorld('ferryAdmin', createAdminBridge(ipc));
followNavigation(ipc, window.location);
