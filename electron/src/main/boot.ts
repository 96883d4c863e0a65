import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore, defaultDataDir, EventBus, type CoreDeps, type CoreOptions } from '#core';
import { Desktop, type DesktopPaths } from './desktop.js';
import type { ElectronHost } from './host.js';
import { HIDDEN_ARG, systemLoginItem, xdgAutostart, type LoginItem } from './loginItem/loginItem.js';
import { loginShellPath, mergePaths } from './loginShellPath.js';
import { findOnPath } from './nodeRuntime.js';
import { registerScheme } from './protocol/register.js';
import { SettingsStore } from './settings/store.js';
import { WindowController } from './window/controller.js';

/** A domain's wiring: event listeners, IPC handlers, the tray. Runs once, after the app is ready. */
export type Registration = (desktop: Desktop) => void;

export interface BootOptions {
  argv: string[];
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  /** Electron's resources directory (process.resourcesPath): the packaged app ships cloudflared in `bin/`. */
  resourcesPath: string;
  /** Built files, resolved next to the compiled main by default. */
  paths?: Partial<DesktopPaths>;
  /** Core options the desktop does not decide (tests pass a data dir, port 0, short tunnel timings). */
  core?: CoreOptions;
  coreDeps?: CoreDeps;
}

/** electron/dist/main/boot.js -> the repo (or app.asar) root. */
export function defaultPaths(): DesktopPaths {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return {
    uiDir: path.join(root, 'renderer', 'dist'),
    preloadPath: path.join(root, 'electron', 'dist', 'preload', 'index.cjs'),
    trayIconsDir: path.join(root, 'electron', 'assets', 'tray'),
  };
}

/**
 * Starts the desktop app: one instance only, the privileged scheme before ready, then the core with the
 * shell's choices (no admin listener; the tunnel as the user left it) and every domain's registration.
 * Resolves undefined when another Ferry is already running (it is asked to show its window instead).
 */
export async function boot(
  host: ElectronHost,
  registrations: readonly Registration[],
  options: BootOptions,
): Promise<Desktop | undefined> {
  registerScheme(host);
  if (!host.app.requestSingleInstanceLock()) {
    host.app.quit();
    return undefined;
  }
  await host.app.whenReady();
  if (options.platform === 'win32') host.app.setAppUserModelId('dev.ferry.app');
  const paths = { ...defaultPaths(), ...options.paths };
  const bus = options.coreDeps?.bus ?? new EventBus();
  if (host.app.isPackaged && options.platform !== 'win32') {
    const shellPath = await loginShellPath(options.env);
    if (shellPath) options.env.PATH = mergePaths(shellPath, options.env.PATH);
    else bus.log('warn', 'ferry', 'could not read the login shell’s PATH; servers see the app’s own PATH');
  }
  const settings = await SettingsStore.open(host.app.getPath('userData'), (message) =>
    bus.log('warn', 'ferry', message),
  );
  const core = createCore(
    {
      dataDir: defaultDataDir(),
      adminPort: false,
      tunnel: settings.current.exposed ? settings.current.tunnelMode : 'off',
      ...(host.app.isPackaged ? { bundledBinDir: path.join(options.resourcesPath, 'bin') } : {}),
      demoRuntime: demoRuntime(host.app.isPackaged, options),
      ...options.core,
    },
    { ...options.coreDeps, bus },
  );
  const window = new WindowController(host, {
    preloadPath: paths.preloadPath,
    devTools: !host.app.isPackaged,
    platform: options.platform,
  });
  const desktop = new Desktop({
    host,
    core,
    settings,
    window,
    loginItem: loginItem(host, options),
    platform: options.platform,
    paths,
  });
  for (const register of registrations) register(desktop);
  await desktop.start();
  const launchedHidden =
    options.argv.includes(HIDDEN_ARG) ||
    (options.platform === 'darwin' && host.app.getLoginItemSettings().wasOpenedAtLogin === true);
  if (!launchedHidden) window.show(desktop.phase === 'failed' ? 'logs' : 'status');
  // A login launch lives in the menu bar only; the dock icon comes with the window.
  else if (options.platform === 'darwin') host.app.dock?.hide();
  return desktop;
}

/**
 * How the built-in demo server (a Node script) runs. In development Electron's own binary runs it as Node;
 * a packaged Ferry has that switched off (the RunAsNode fuse), so it needs a `node` on the PATH, and without
 * one Ferry starts with no servers rather than a server that cannot start.
 */
function demoRuntime(packaged: boolean, options: BootOptions): CoreOptions['demoRuntime'] {
  if (!packaged) return { command: process.execPath, env: { ELECTRON_RUN_AS_NODE: '1' } };
  const node = findOnPath(options.platform === 'win32' ? 'node.exe' : 'node', options.env.PATH ?? '');
  return node ? { command: node, script: unpacked(standaloneDemoPath()) } : false;
}

/** The demo bundle that needs no node_modules (server/vite.demo.config.js). */
export function standaloneDemoPath(): string {
  return fileURLToPath(new URL('../../../server/dist/demo-standalone/server.mjs', import.meta.url));
}

/** A file electron-builder unpacked (asarUnpack) lives beside the archive: only Electron can read inside it. */
export function unpacked(file: string): string {
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

function loginItem(host: ElectronHost, options: BootOptions): LoginItem {
  if (options.platform === 'linux')
    return xdgAutostart({ env: options.env, home: os.homedir(), executable: host.app.getPath('exe') });
  return systemLoginItem(host.app);
}
