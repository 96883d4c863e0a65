import { afterEach, describe, expect, it } from 'vitest';
import { AdminClient } from '../../renderer/src/api/client.js';
import { createIpcTransport, type AdminIpcBridge } from '../../renderer/src/api/ipc.js';
import { FerryStore } from '../../renderer/src/state/store.js';
import { createAdminBridge } from '../src/preload/bridge.js';
import {
  eventually,
  fixture,
  launch,
  removeDirs,
  rendererIpc,
  testDirs,
  useTestDirs,
  writeConfig,
  type Launched,
} from './helpers/desktop.js';

/**
 * The desktop window over IPC, as the renderer's own store sees it: IPC never drops, so a core that failed
 * to start (or is quitting) must be said through the core-state channel, or the window would look alive.
 */

const echoConfig = () => ({
  mcpServers: { echo: { command: process.execPath, args: [fixture('echo-server.ts')] } },
});

const dirs = useTestDirs(echoConfig());
const apps: Launched[] = [];

// Registered after useTestDirs's, so it runs first: the apps quit before their directories go.
afterEach(async () => {
  for (const app of apps.splice(0).reverse()) if (!app.desktop.stopping) await app.quit();
});

/** The renderer's store, wired exactly as main.tsx wires it in Electron (preload bridge -> IPC transport). */
function windowStore(app: Launched): FerryStore {
  const contents = app.fake.window?.webContents;
  if (!contents) throw new Error('no window');
  const bridge: AdminIpcBridge = createAdminBridge(rendererIpc(app.fake, contents));
  const store = new FerryStore(new AdminClient(createIpcTransport(bridge)));
  store.start();
  return store;
}

describe('the desktop window when the core is not running', () => {
  it('shows the stopped state with the reason and a Restart that brings the core (and the window) back', async () => {
    const blocker = await launch(dirs, { argv: ['--hidden'] });
    apps.push(blocker);
    const port = Number(new URL(blocker.desktop.core.admin.status().localUrl).port);
    const other = await testDirs();
    try {
      await writeConfig(other, echoConfig());
      const app = await launch(other, { core: { port } });
      apps.push(app);
      expect(app.desktop.phase).toBe('failed');

      const store = windowStore(app);
      const stopped = await eventually(() => {
        const { stream } = store.getState();
        return stream.state === 'stopped' ? stream : undefined;
      }, 'the window to show Ferry stopped');
      expect(stopped.reason).toMatch(/^Ferry could not start: port \d+ is already in use/);
      expect(stopped.restart).toBeTypeOf('function');

      // Restart while the port is still taken: still stopped, with the reason.
      await stopped.restart?.();
      expect(app.desktop.phase).toBe('failed');
      expect(store.getState().stream.state).toBe('stopped');

      // The user frees the port and presses Restart in the window.
      await blocker.quit();
      await stopped.restart?.();
      expect(app.desktop.phase).toBe('running');
      await eventually(() => store.getState().stream.state === 'open', 'the window to come back');
      await app.desktop.core.whenSettled();
      await eventually(() => {
        const { status } = store.getState();
        return status.state === 'ready' && status.value.servers.some((s) => s.state === 'ready');
      }, 'the window to reload the status after the restart');
      store.stop();
    } finally {
      await removeDirs(other);
    }
  }, 60_000);
});
