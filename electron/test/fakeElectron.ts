import { EventEmitter } from 'node:events';
import type {
  BrowserWindowConstructorOptions,
  CustomScheme,
  HandlerDetails,
  MenuItemConstructorOptions,
  NotificationConstructorOptions,
  Settings,
  WindowOpenHandlerResponse,
} from 'electron';
import type {
  AppLike,
  ElectronHost,
  ImageHandle,
  InvokeEventLike,
  MenuHandle,
  NotificationLike,
  PermissionRequestHandler,
  PreventableEvent,
  TrayLike,
  WebContentsLike,
  WindowLike,
} from '../src/main/host.js';

/**
 * Electron, faked at the `ElectronHost` boundary that the real module is also checked against
 * (electron/src/main/index.ts). It records what the shell asked for (menus, notifications, windows, IPC
 * handlers) and lets a test act as the user or the OS: click a menu item, press a notification button,
 * quit, send IPC from a page.
 */

export class FakeEvent implements PreventableEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

let nextContentsId = 1;

export class FakeWebContents extends EventEmitter implements WebContentsLike {
  readonly id = nextContentsId++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  destroyed = false;
  openHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | undefined;
  /** What the page's top frame shows; tests change it to impersonate other pages. */
  url = '';

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('send on destroyed webContents');
    this.sent.push({ channel, args: structuredClone(args) });
    // What the preload's ipcRenderer.on(channel) would receive.
    this.emit(`ipc:${channel}`, ...structuredClone(args));
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void {
    this.openHandler = handler;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
  /** An IPC event as Electron builds it for a call from this page's top frame. */
  invokeEvent(frame: Partial<{ url: string; parent: unknown }> = {}): InvokeEventLike {
    return { sender: { id: this.id }, senderFrame: { url: this.url, parent: null, ...frame } };
  }
}

export class FakeWindow extends EventEmitter implements WindowLike {
  readonly webContents = new FakeWebContents();
  visible = false;
  destroyed = false;
  minimized = false;
  loadedUrl: string | undefined;
  overlay: { image: ImageHandle | null; description: string } | undefined;

  constructor(
    readonly options: BrowserWindowConstructorOptions,
    private readonly fake: FakeElectron,
  ) {
    super();
    fake.windows.push(this);
    fake.app.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    this.webContents.url = url;
    queueMicrotask(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }
  show(): void {
    this.visible = true;
  }
  focus(): void {}
  isVisible(): boolean {
    return this.visible;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroy();
    this.emit('closed');
  }
  /** The user closes the window. */
  close(): void {
    const event = new FakeEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
  }
  setOverlayIcon(overlay: ImageHandle | null, description: string): void {
    this.overlay = { image: overlay, description };
  }
}

export class FakeMenu {
  constructor(readonly template: MenuItemConstructorOptions[]) {}

  /** The item at `path` of labels (submenus by their label), as the user would find it. */
  find(...path: string[]): MenuItemConstructorOptions {
    let items = this.template;
    let found: MenuItemConstructorOptions | undefined;
    for (const label of path) {
      found = items.find((item) => item.label === label || item.label?.startsWith(label));
      if (!found)
        throw new Error(`no menu item "${label}" in ${items.map((i) => i.label ?? '—').join(' | ')}`);
      items = Array.isArray(found.submenu) ? found.submenu : [];
    }
    if (!found) throw new Error('empty path');
    return found;
  }

  click(...path: string[]): void {
    const item = this.find(...path);
    if (item.enabled === false) throw new Error(`menu item "${path.join(' > ')}" is disabled`);
    if (!item.click) throw new Error(`menu item "${path.join(' > ')}" has no action`);
    // Electron passes (menuItem, window, event); the shell's handlers take none.
    (item.click as () => void)();
  }

  labels(): string[] {
    return this.template.map((item) => (item.type === 'separator' ? '---' : (item.label ?? '')));
  }
}

export class FakeTray extends EventEmitter implements TrayLike {
  image: string;
  toolTip = '';
  title = '';
  menu: FakeMenu | null = null;
  destroyed = false;
  menuBuilds = 0;

  constructor(image: string, fake: FakeElectron) {
    super();
    this.image = image;
    fake.trays.push(this);
  }
  setImage(image: string): void {
    this.image = image;
  }
  setToolTip(toolTip: string): void {
    this.toolTip = toolTip;
  }
  setTitle(title: string): void {
    this.title = title;
  }
  setContextMenu(menu: MenuHandle | null): void {
    this.menu = menu as FakeMenu | null;
    this.menuBuilds += 1;
  }
  destroy(): void {
    this.destroyed = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

export class FakeNotification extends EventEmitter implements NotificationLike {
  shown = false;
  closed = false;

  constructor(
    readonly options: NotificationConstructorOptions,
    fake: FakeElectron,
  ) {
    super();
    fake.notifications.push(this);
  }
  show(): void {
    this.shown = true;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', {});
  }
  /** The user presses button `index` (macOS notification actions). */
  press(index: number): void {
    this.emit('action', {}, index);
  }
  click(): void {
    this.emit('click', {});
  }
}

export class FakeApp extends EventEmitter implements AppLike {
  isPackaged = false;
  lockAvailable = true;
  quitCalls = 0;
  exitCode: number | undefined;
  badge = 0;
  loginItem: Settings = { openAtLogin: false };
  dockVisible = false;
  readonly dock = {
    show: () => {
      this.dockVisible = true;
      return Promise.resolve();
    },
    hide: () => {
      this.dockVisible = false;
    },
  };
  /** Resolves when Electron would have quit: `before-quit` was not prevented. */
  readonly quitted: Promise<void>;
  #markQuitted!: () => void;

  constructor(private readonly paths: { userData: string; exe?: string }) {
    super();
    this.quitted = new Promise((resolve) => (this.#markQuitted = resolve));
  }
  requestSingleInstanceLock(): boolean {
    return this.lockAvailable;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  quit(): void {
    this.quitCalls += 1;
    const event = new FakeEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.#markQuitted();
  }
  exit(exitCode = 0): void {
    this.exitCode = exitCode;
    this.#markQuitted();
  }
  getPath(name: 'userData' | 'logs' | 'exe'): string {
    if (name === 'exe') return this.paths.exe ?? '/opt/Ferry/ferry';
    return this.paths.userData;
  }
  getVersion(): string {
    return '0.0.0-test';
  }
  setBadgeCount(count = 0): boolean {
    this.badge = count;
    return true;
  }
  /** Like Windows: an entry counts only when asked for with the arguments it was registered with. */
  getLoginItemSettings(options: { args?: string[] } = {}): {
    openAtLogin: boolean;
    wasOpenedAtLogin?: boolean;
  } {
    const registered = (this.loginItem.args ?? []).join('\0');
    const asked = (options.args ?? []).join('\0');
    return { openAtLogin: (this.loginItem.openAtLogin ?? false) && registered === asked };
  }
  setLoginItemSettings(settings: Settings): void {
    this.loginItem = settings;
  }
  setAppUserModelId(_id: string): void {}
}

export class FakeIpcMain {
  readonly handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();

  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What `ipcRenderer.invoke` does: runs the handler; an unknown channel or a throw rejects. */
  async invoke(event: InvokeEventLike, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    // Electron structured-clones both ways: nothing but data crosses.
    return structuredClone(await handler(event, ...structuredClone(args)));
  }
}

export class FakeElectron implements ElectronHost {
  readonly windows: FakeWindow[] = [];
  readonly trays: FakeTray[] = [];
  readonly notifications: FakeNotification[] = [];
  readonly clipboardText: string[] = [];
  readonly openedExternal: string[] = [];
  readonly schemes: CustomScheme[] = [];
  readonly protocolHandlers = new Map<string, (request: Request) => Response | Promise<Response>>();
  notificationsSupported = true;
  permissionRequest: PermissionRequestHandler | null = null;
  permissionCheck: ((webContents: unknown, permission: string) => boolean) | null = null;

  readonly app: FakeApp;
  readonly ipcMain = new FakeIpcMain();
  readonly BrowserWindow: new (options: BrowserWindowConstructorOptions) => FakeWindow;
  readonly Tray: new (image: string) => FakeTray;
  readonly Notification: {
    new (options: NotificationConstructorOptions): FakeNotification;
    isSupported(): boolean;
  };
  readonly Menu = { buildFromTemplate: (template: MenuItemConstructorOptions[]) => new FakeMenu(template) };
  readonly nativeImage = { createFromPath: (path: string): ImageHandle => ({ path }) };
  readonly clipboard = { writeText: (text: string) => void this.clipboardText.push(text) };
  readonly shell = {
    openExternal: (url: string) => {
      this.openedExternal.push(url);
      return Promise.resolve();
    },
    openPath: (_path: string) => Promise.resolve(''),
  };
  readonly protocol = {
    registerSchemesAsPrivileged: (schemes: CustomScheme[]) => void this.schemes.push(...schemes),
    handle: (scheme: string, handler: (request: Request) => Response | Promise<Response>) =>
      void this.protocolHandlers.set(scheme, handler),
  };
  readonly session = {
    defaultSession: {
      setPermissionRequestHandler: (handler: PermissionRequestHandler | null) => {
        this.permissionRequest = handler;
      },
      setPermissionCheckHandler: (
        handler: ((webContents: unknown, permission: string) => boolean) | null,
      ) => {
        this.permissionCheck = handler;
      },
    },
  };

  constructor(paths: { userData: string; exe?: string }) {
    this.app = new FakeApp(paths);
    this.BrowserWindow = windowClass(this);
    this.Tray = trayClass(this);
    this.Notification = notificationClass(this);
  }

  get tray(): FakeTray {
    const tray = this.trays.at(-1);
    if (!tray) throw new Error('no tray was created');
    return tray;
  }

  get menu(): FakeMenu {
    const menu = this.tray.menu;
    if (!menu) throw new Error('the tray has no menu');
    return menu;
  }

  get window(): FakeWindow | undefined {
    return this.windows.filter((window) => !window.destroyed).at(-1);
  }
}

// Electron's constructors take no host argument; these bind the fake's instances to the FakeElectron.
function windowClass(fake: FakeElectron) {
  return class extends FakeWindow {
    constructor(options: BrowserWindowConstructorOptions) {
      super(options, fake);
    }
  };
}

function trayClass(fake: FakeElectron) {
  return class extends FakeTray {
    constructor(image: string) {
      super(image, fake);
    }
  };
}

function notificationClass(fake: FakeElectron) {
  return class extends FakeNotification {
    constructor(options: NotificationConstructorOptions) {
      super(options, fake);
    }
    static isSupported(): boolean {
      return fake.notificationsSupported;
    }
  };
}
