import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Desktop } from '../src/main/desktop.js';
import { WindowController, type WindowOptions } from '../src/main/window/controller.js';
import { isExternalLink, register } from '../src/main/window/hardening.js';
import { FakeElectron, FakeEvent, FakeWebContents, type FakeWindow } from './fakeElectron.js';

let userData: string;
let fake: FakeElectron;

beforeEach(async () => {
  userData = await mkdtemp(path.join(os.tmpdir(), 'ferry-window-'));
  fake = new FakeElectron({ userData });
});
afterEach(() => rm(userData, { recursive: true, force: true }));

const PRELOAD = '/opt/Ferry/resources/preload/index.cjs';

function controller(options: Partial<WindowOptions> = {}): WindowController {
  return new WindowController(fake, { preloadPath: PRELOAD, devTools: false, platform: 'linux', ...options });
}

function onlyWindow(): FakeWindow {
  expect(fake.windows).toHaveLength(1);
  const [window] = fake.windows;
  if (!window) throw new Error('no window');
  return window;
}

describe('WindowController.show', () => {
  it('creates one hidden window with a locked-down renderer', () => {
    controller().show();
    const { webPreferences, show } = onlyWindow().options;
    expect(show).toBe(false);
    expect(webPreferences).toMatchObject({
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    });
  });

  it('passes devTools through as given', () => {
    controller({ devTools: true }).show();
    expect(onlyWindow().options.webPreferences?.devTools).toBe(true);
  });

  it('loads the status screen from the app origin', () => {
    controller().show();
    expect(onlyWindow().loadedUrl).toBe('ferry://app/index.html#/status');
  });

  it('loads the asked-for screen on first show', () => {
    controller().show('consents');
    expect(onlyWindow().loadedUrl).toBe('ferry://app/index.html#/consents');
  });

  it('shows the window once it is ready to show', async () => {
    controller().show();
    const window = onlyWindow();
    expect(window.visible).toBe(false);
    await Promise.resolve();
    expect(window.visible).toBe(true);
  });

  it('reuses the window on a second show and pushes window:navigate with the route', async () => {
    const windows = controller();
    windows.show();
    const window = onlyWindow();
    await new Promise<void>((resolve) => window.once('ready-to-show', () => resolve()));
    windows.show('logs');
    expect(window.loadedUrl).toBe('ferry://app/index.html#/status');
    expect(window.webContents.sent).toEqual([{ channel: 'window:navigate', args: ['logs'] }]);
    expect(window.visible).toBe(true);
  });

  it('keeps the screen the window shows when shown again without a route (Open Ferry, tray click)', async () => {
    const windows = controller();
    windows.show('servers');
    const window = onlyWindow();
    await new Promise<void>((resolve) => window.once('ready-to-show', () => resolve()));
    windows.show();
    expect(window.loadedUrl).toBe('ferry://app/index.html#/servers');
    expect(window.webContents.sent).toEqual([]);
    expect(fake.windows).toHaveLength(1);
  });

  it('holds a screen asked for while the page loads until it can hear it', async () => {
    const windows = controller();
    windows.show();
    windows.show('consents');
    const window = onlyWindow();
    // Before ready-to-show the preload may not be listening: nothing is pushed yet.
    expect(window.webContents.sent).toEqual([]);
    await new Promise<void>((resolve) => window.once('ready-to-show', () => resolve()));
    expect(window.webContents.sent).toEqual([{ channel: 'window:navigate', args: ['consents'] }]);
  });

  it('restores a minimised window on a second show', () => {
    const windows = controller();
    windows.show();
    const window = onlyWindow();
    window.minimized = true;
    windows.show('servers');
    expect(window.minimized).toBe(false);
  });

  it('creates a new window after the old one was closed', () => {
    const windows = controller();
    windows.show();
    fake.windows[0]?.close();
    windows.show('logs');
    expect(fake.windows).toHaveLength(2);
    expect(fake.windows[1]?.loadedUrl).toBe('ferry://app/index.html#/logs');
    expect(fake.windows[0]?.webContents.sent).toEqual([]);
  });
});

describe('WindowController.owns', () => {
  it('is false before there is a window', () => {
    expect(controller().owns(1)).toBe(false);
  });

  it('is true only for its window’s webContents', () => {
    const windows = controller();
    windows.show();
    const window = onlyWindow();
    const other = new FakeWebContents();
    expect(windows.owns(window.webContents.id)).toBe(true);
    expect(windows.owns(other.id)).toBe(false);
  });

  it('is false after the user closes the window', () => {
    const windows = controller();
    windows.show();
    const window = onlyWindow();
    window.close();
    expect(windows.owns(window.webContents.id)).toBe(false);
    expect(windows.current).toBeUndefined();
  });

  it('is false after close()', () => {
    const windows = controller();
    windows.show();
    const window = onlyWindow();
    windows.close();
    expect(window.destroyed).toBe(true);
    expect(windows.owns(window.webContents.id)).toBe(false);
  });

  it('is false for the old window once a new one replaced it', () => {
    const windows = controller();
    windows.show();
    const first = onlyWindow();
    first.close();
    windows.show();
    expect(windows.owns(first.webContents.id)).toBe(false);
    expect(windows.owns(fake.windows[1]?.webContents.id ?? -1)).toBe(true);
  });
});

describe('WindowController dock', () => {
  it('shows the dock on darwin while the window is open and hides it after it closes', () => {
    const windows = controller({ platform: 'darwin' });
    expect(fake.app.dockVisible).toBe(false);
    windows.show();
    expect(fake.app.dockVisible).toBe(true);
    onlyWindow().close();
    expect(fake.app.dockVisible).toBe(false);
  });

  it('hides the dock again after close()', () => {
    const windows = controller({ platform: 'darwin' });
    windows.show();
    windows.close();
    expect(fake.app.dockVisible).toBe(false);
  });

  it.each(['linux', 'win32'] as const)('leaves the dock alone on %s', (platform) => {
    const windows = controller({ platform });
    windows.show();
    expect(fake.app.dockVisible).toBe(false);
    // Were it to hide the dock on close, this would turn false.
    fake.app.dockVisible = true;
    onlyWindow().close();
    expect(fake.app.dockVisible).toBe(true);
  });
});

describe('hardening.register', () => {
  let contents: FakeWebContents;

  beforeEach(() => {
    // register() reads only `desktop.host`; the rest of Desktop (core, settings, …) is not needed.
    register({ host: fake } as unknown as Desktop);
    contents = new FakeWebContents();
    fake.app.emit('web-contents-created', {}, contents);
  });

  function navigate(url: string): FakeEvent {
    const event = new FakeEvent();
    contents.emit('will-navigate', event, url);
    return event;
  }

  function open(url: string) {
    if (!contents.openHandler) throw new Error('no window-open handler was set');
    return contents.openHandler({
      url,
      frameName: '',
      features: '',
      disposition: 'new-window',
      referrer: { url: '', policy: 'no-referrer' },
    });
  }

  it('prevents navigation away from the app origin', () => {
    expect(navigate('https://evil.example/').defaultPrevented).toBe(true);
    expect(navigate('file:///etc/passwd').defaultPrevented).toBe(true);
    expect(navigate('ferry://other/index.html').defaultPrevented).toBe(true);
    expect(navigate('ferry://app.evil.example/').defaultPrevented).toBe(true);
  });

  it('allows navigation within ferry://app/', () => {
    expect(navigate('ferry://app/index.html').defaultPrevented).toBe(false);
    expect(navigate('ferry://app/index.html#/logs').defaultPrevented).toBe(false);
  });

  it('denies every new window', () => {
    for (const url of [
      'https://example.com/',
      'ferry://app/index.html',
      'file:///etc/passwd',
      'about:blank',
    ]) {
      expect(open(url)).toEqual({ action: 'deny' });
    }
  });

  it('opens http and https links in the browser', async () => {
    open('https://docs.example.com/connectors');
    open('http://localhost:8787/');
    await Promise.resolve();
    expect(fake.openedExternal).toEqual(['https://docs.example.com/connectors', 'http://localhost:8787/']);
  });

  it('opens nothing else externally', async () => {
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'ferry://app/index.html',
      'https://user:pass@example.com/',
      'smb://server/share',
      'not a url',
    ]) {
      open(url);
    }
    await Promise.resolve();
    expect(fake.openedExternal).toEqual([]);
  });

  it('prevents webviews from attaching', () => {
    const event = new FakeEvent();
    contents.emit('will-attach-webview', event);
    expect(event.defaultPrevented).toBe(true);
  });

  it('hardens the window the controller creates as well', () => {
    controller().show();
    const window = onlyWindow();
    const event = new FakeEvent();
    window.webContents.emit('will-navigate', event, 'https://evil.example/');
    expect(event.defaultPrevented).toBe(true);
    expect(
      window.webContents.openHandler?.({
        url: 'https://a.example/',
        frameName: '',
        features: '',
        disposition: 'foreground-tab',
        referrer: { url: '', policy: 'no-referrer' },
      }),
    ).toEqual({ action: 'deny' });
  });

  it('grants only clipboard-sanitized-write on request', () => {
    const granted = (permission: string) => {
      let answer: boolean | undefined;
      fake.permissionRequest?.(contents, permission, (value) => (answer = value));
      return answer;
    };
    expect(fake.permissionRequest).not.toBeNull();
    expect(granted('clipboard-sanitized-write')).toBe(true);
    for (const permission of ['clipboard-read', 'media', 'geolocation', 'notifications', 'openExternal']) {
      expect(granted(permission)).toBe(false);
    }
  });

  it('answers permission checks for clipboard-sanitized-write only', () => {
    const check = fake.permissionCheck;
    if (!check) throw new Error('no permission check handler');
    expect(check(contents, 'clipboard-sanitized-write')).toBe(true);
    expect(check(contents, 'clipboard-read')).toBe(false);
    expect(check(contents, 'media')).toBe(false);
  });
});

describe('isExternalLink', () => {
  it.each(['https://example.com', 'http://localhost:8787/x', 'HTTPS://EXAMPLE.COM/'])('accepts %s', (url) => {
    expect(isExternalLink(url)).toBe(true);
  });

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'ferry://app/index.html',
    'https://user:pass@example.com/',
    'https://user@example.com/',
    'mailto:someone@example.com',
    'data:text/html,<script>alert(1)</script>',
    '//example.com/relative',
    'not a url',
    '',
  ])('refuses %s', (url) => {
    expect(isExternalLink(url)).toBe(false);
  });
});
