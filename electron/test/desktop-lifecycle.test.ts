import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeElectron } from './fakeElectron.js';
import {
  alive,
  eventually,
  FAKE_CLOUDFLARED,
  fixture,
  launch,
  removeDirs,
  testDirs,
  writeConfig,
  type TestDirs,
} from './helpers/desktop.js';

let dirs: TestDirs;
const savedEnv = { ...process.env };

beforeEach(async () => {
  dirs = await testDirs();
  process.env.FAKE_CLOUDFLARED_STATE = path.join(dirs.root, 'cloudflared-state.json');
  process.env.FAKE_CLOUDFLARED_SPEED = '20';
});

afterEach(async () => {
  for (const key of Object.keys(process.env)) if (key.startsWith('FAKE_CLOUDFLARED')) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await removeDirs(dirs);
});

const echoConfig = (extra: Record<string, unknown> = {}) => ({
  mcpServers: { echo: { command: process.execPath, args: [fixture('echo-server.ts')] } },
  ferry: { tunnel: { binary: FAKE_CLOUDFLARED }, ...extra },
});

async function cloudflaredPid(): Promise<number> {
  const state = JSON.parse(await readFile(process.env.FAKE_CLOUDFLARED_STATE as string, 'utf8')) as {
    pid: number;
  };
  return state.pid;
}

describe('desktop lifecycle (real core, fake Electron)', () => {
  it('exposes from the tray, copies the connector URL, and quitting stops the child and cloudflared', async () => {
    await writeConfig(dirs, echoConfig());
    const { fake, desktop, quit } = await launch(dirs, { argv: ['--hidden'] });
    expect(fake.windows).toHaveLength(0);
    // The admin surface is IPC only: the public listener (OAuth + MCP) is the one socket Ferry opens.
    const listeners = desktop.core.events.since(0).filter((event) => event.type === 'listener.ready');
    expect(listeners.map((event) => event.type === 'listener.ready' && event.surface)).toEqual(['public']);
    await desktop.core.whenSettled();
    await eventually(() => fake.tray.toolTip.includes('1 server ready'), 'the server to show as ready');
    expect(fake.tray.toolTip).toContain('not exposed');
    expect(path.basename(fake.tray.image)).toBe('off.png');

    fake.menu.click('Expose to Claude');
    await eventually(() => path.basename(fake.tray.image) === 'online.png', 'the tray to go online');
    expect(fake.tray.toolTip).toMatch(/online at [a-z0-9-]+\.trycloudflare\.com/);
    expect(fake.menu.find('Stop exposing').enabled).toBe(true);
    fake.menu.click('Copy connector URL (/mcp, recommended)');
    expect(fake.clipboardText.at(-1)).toMatch(/^https:\/\/[a-z0-9-]+\.trycloudflare\.com\/mcp$/);
    const settings = JSON.parse(await readFile(path.join(dirs.userData, 'desktop.json'), 'utf8')) as unknown;
    expect(settings).toEqual({ exposed: true, tunnelMode: 'quick' });

    const child = desktop.core.admin.servers()[0]?.pid as number;
    const cloudflared = await cloudflaredPid();
    expect(alive(child) && alive(cloudflared)).toBe(true);

    await quit();
    expect(fake.app.quitCalls).toBe(2);
    expect(fake.app.exitCode).toBeUndefined();
    expect(alive(child)).toBe(false);
    expect(alive(cloudflared)).toBe(false);
    expect(fake.tray.destroyed).toBe(true);
    expect(fake.ipcMain.handlers.size).toBe(0);
    // Quitting is not the user switching exposure off: the next launch restores it.
    const after = JSON.parse(await readFile(path.join(dirs.userData, 'desktop.json'), 'utf8')) as unknown;
    expect(after).toEqual({ exposed: true, tunnelMode: 'quick' });
  });

  it('restores the exposed state on the next launch, and remembers a Stop', async () => {
    await writeConfig(dirs, echoConfig());
    const first = await launch(dirs, { argv: ['--hidden'] });
    first.fake.menu.click('Expose to Claude');
    await eventually(() => first.view().state === 'online', 'the first launch to go online');
    await first.quit();

    const second = await launch(dirs, { argv: ['--hidden'] });
    await eventually(() => second.view().state === 'online', 'the second launch to come back online');
    second.fake.menu.click('Stop exposing');
    await eventually(() => second.view().state === 'off', 'the tunnel to stop');
    await second.quit();

    const third = await launch(dirs, { argv: ['--hidden'] });
    expect(third.desktop.core.admin.tunnelStatus().state).toBe('off');
    expect(
      third.view().menu.some((entry) => entry.kind === 'action' && entry.label === 'Expose to Claude'),
    ).toBe(true);
    await third.quit();
  });

  it('shows the window at a normal launch, not at a login launch, and a second launch brings it back', async () => {
    await writeConfig(dirs, echoConfig());
    const { fake, quit } = await launch(dirs);
    const window = fake.window;
    expect(window?.loadedUrl).toBe('ferry://app/index.html#/status');
    await eventually(() => window?.visible, 'the window to be shown once ready');
    window?.close();
    expect(fake.window).toBeUndefined();
    // Closing the window keeps Ferry in the tray.
    expect(fake.app.quitCalls).toBe(0);
    fake.app.emit('second-instance');
    expect(fake.window?.loadedUrl).toBe('ferry://app/index.html#/status');
    await eventually(() => fake.window?.visible, 'the window to be shown again');
    fake.menu.click('Open logs');
    expect(fake.window?.webContents.sent.at(-1)).toEqual({ channel: 'window:navigate', args: ['logs'] });
    await quit();
    expect(fake.window).toBeUndefined();
  });

  it('refuses to run twice: a second instance quits before starting anything', async () => {
    const fake = new FakeElectron({ userData: dirs.userData });
    fake.app.lockAvailable = false;
    const { boot } = await import('../src/main/boot.js');
    const { registrations } = await import('../src/main/registrations.js');
    const desktop = await boot(fake, registrations(), {
      argv: [],
      platform: 'linux',
      env: {},
      resourcesPath: dirs.root,
      core: { dataDir: dirs.dataDir, port: 0 },
    });
    expect(desktop).toBeUndefined();
    expect(fake.app.quitCalls).toBe(1);
    expect(fake.trays).toHaveLength(0);
    // The privileged scheme is registered before anything else, as Electron requires.
    expect(fake.schemes.map((scheme) => scheme.scheme)).toEqual(['ferry']);
  });

  it('shows a start failure in the tray, opens the logs, and starts when tried again', async () => {
    await writeConfig(dirs, echoConfig());
    const blocker = await launch(dirs, { argv: ['--hidden'] });
    let blocking = true;
    const port = Number(new URL(blocker.desktop.core.admin.status().localUrl).port);
    const other = await testDirs();
    try {
      await writeConfig(other, echoConfig());
      const { fake, desktop, quit } = await launch(other, { core: { port } });
      expect(desktop.phase).toBe('failed');
      expect(path.basename(fake.tray.image)).toBe('error.png');
      expect(fake.tray.toolTip).toMatch(/could not start: port \d+ is already in use/);
      // What had started before the listener failed (the server's child) is stopped, not left running.
      await desktop.core.whenSettled();
      const running = desktop.core.admin
        .servers()
        .filter((server) => server.state === 'ready' || (server.pid !== undefined && alive(server.pid)));
      expect(running).toEqual([]);
      expect(fake.menu.find('Expose to Claude').enabled).toBe(false);
      expect(fake.window?.loadedUrl).toBe('ferry://app/index.html#/logs');

      // The user frees the port and tries again from the tray.
      await blocker.quit();
      blocking = false;
      fake.menu.click('Try again');
      await eventually(() => desktop.phase === 'running', 'the second start');
      await desktop.core.whenSettled();
      expect(desktop.core.admin.servers()).toEqual([
        expect.objectContaining({ name: 'echo', state: 'ready' }),
      ]);
      await eventually(
        () => path.basename(fake.tray.image) === 'off.png',
        'the tray to leave the error state',
      );
      expect(fake.menu.find('Expose to Claude').enabled).toBe(true);
      expect(fake.menu.labels()).not.toContain('Try again');
      await quit();
    } finally {
      if (blocking) await blocker.quit();
      await removeDirs(other);
    }
  });

  it('starts at login on Linux through an XDG autostart entry toggled from the tray', async () => {
    await writeConfig(dirs, echoConfig());
    const { fake, quit } = await launch(dirs, { argv: ['--hidden'] });
    const entry = path.join(dirs.root, 'xdg', 'autostart', 'dev.ferry.app.desktop');
    expect(fake.menu.find('Start Ferry at login').checked).toBe(false);
    fake.menu.click('Start Ferry at login');
    await eventually(() => fake.menu.find('Start Ferry at login').checked, 'the checkbox to tick');
    expect(await readFile(entry, 'utf8')).toMatch(/^Exec=.* --hidden$/m);
    fake.menu.click('Start Ferry at login');
    await eventually(() => fake.menu.find('Start Ferry at login').checked === false, 'the checkbox to clear');
    await expect(readFile(entry, 'utf8')).rejects.toThrow(/ENOENT/);
    await quit();
  });
});
