import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { MemorySecretStore, type CoreOptions } from '#core';
import { boot } from '../../src/main/boot.js';
import type { Desktop } from '../../src/main/desktop.js';
import { registrations } from '../../src/main/registrations.js';
import { FAST_TUNNEL } from '../../../server/test/helpers/tunnel.js';
import type { TrayView } from '../../src/main/tray/model.js';
import { trayView } from '../../src/main/tray/model.js';
import type { RendererIpc } from '../../src/preload/bridge.js';
import type { PushChannels } from '../../src/shared/ipc.js';
import { FakeElectron, type FakeNotification, type FakeWebContents } from '../fakeElectron.js';

export { fixture, repoRoot } from '../../../server/test/helpers/fixtures.js';
export { FAKE_CLOUDFLARED, FAST_TUNNEL } from '../../../server/test/helpers/tunnel.js';

export interface TestDirs {
  root: string;
  userData: string;
  dataDir: string;
  configPath: string;
}

export async function testDirs(): Promise<TestDirs> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ferry-desktop-'));
  const dirs = {
    root,
    userData: path.join(root, 'user-data'),
    dataDir: path.join(root, 'data'),
    configPath: path.join(root, 'data', 'config.json'),
  };
  await mkdir(dirs.dataDir, { recursive: true });
  return dirs;
}

export async function writeConfig(dirs: TestDirs, config: Record<string, unknown>): Promise<void> {
  await writeFile(dirs.configPath, JSON.stringify(config, null, 2));
}

export const removeDirs = (dirs: TestDirs) => rm(dirs.root, { recursive: true, force: true });

/**
 * Fresh directories for every test of the file, with `config` written as Ferry's config, removed after the
 * test. The returned dirs read the current test's, so read them inside tests only.
 */
export function useTestDirs(config: Record<string, unknown>): TestDirs {
  let current: TestDirs | undefined;
  beforeEach(async () => {
    current = await testDirs();
    await writeConfig(current, config);
  });
  afterEach(() => (current ? removeDirs(current) : undefined));
  const now = (): TestDirs => {
    if (!current) throw new Error('the test directories exist only inside a test');
    return current;
  };
  return {
    get root() {
      return now().root;
    },
    get userData() {
      return now().userData;
    },
    get dataDir() {
      return now().dataDir;
    },
    get configPath() {
      return now().configPath;
    },
  };
}

export interface Launched {
  fake: FakeElectron;
  desktop: Desktop;
  /** What the tray shows now, from the same model the tray draws. */
  view: () => TrayView;
  /** Quits like the user would (tray "Quit Ferry") and waits until Electron would exit. */
  quit: () => Promise<void>;
}

/** The real desktop boot (every registration index.ts uses) on the fake Electron and a real core. */
export async function launch(
  dirs: TestDirs,
  options: {
    platform?: NodeJS.Platform;
    argv?: string[];
    core?: CoreOptions;
    fake?: FakeElectron;
    secrets?: MemorySecretStore;
  } = {},
): Promise<Launched> {
  const fake = options.fake ?? new FakeElectron({ userData: dirs.userData });
  const desktop = await boot(fake, registrations(), {
    argv: options.argv ?? [],
    platform: options.platform ?? 'linux',
    env: { ...process.env, XDG_CONFIG_HOME: path.join(dirs.root, 'xdg') },
    resourcesPath: path.join(dirs.root, 'resources'),
    core: {
      dataDir: dirs.dataDir,
      configPath: dirs.configPath,
      port: 0,
      writeRuntimeFile: false,
      tunnelTimings: FAST_TUNNEL,
      ...options.core,
    },
    coreDeps: { secrets: options.secrets ?? new MemorySecretStore() },
  });
  if (!desktop) throw new Error('boot did not start a desktop (single-instance lock refused?)');
  return {
    fake,
    desktop,
    view: () => trayView(desktop.snapshot()),
    quit: async () => {
      if (!desktop.stopping) fake.app.quit();
      await fake.app.quitted;
    },
  };
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export async function eventually<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The first notification the desktop showed (a consent, a tool call waiting for the user). */
export const shownNotification = (fake: FakeElectron): Promise<FakeNotification> =>
  eventually(() => fake.notifications.find((n) => n.shown), 'a notification');

export function alive(pid: number): boolean {
  // kill(0 or a negative pid) addresses process groups, which would answer for unrelated processes.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What the preload's ipcRenderer does for the page in `contents`: invoke goes through the sender check. */
export function rendererIpc(fake: FakeElectron, contents: FakeWebContents): RendererIpc {
  return {
    invoke: (channel, ...args) => fake.ipcMain.invoke(contents.invokeEvent(), channel, ...args) as never,
    on: (channel, listener) => {
      const handler = (payload: PushChannels[typeof channel]) => listener(payload);
      contents.on(`ipc:${channel}`, handler);
      return () => void contents.off(`ipc:${channel}`, handler);
    },
  };
}
