import type { BrowserWindowConstructorOptions } from 'electron';
import { APP_ORIGIN, type WindowLocation } from '../../shared/ipc.js';
import { push } from '../ipc/typedIpc.js';
import type { ElectronHost, WindowLike } from '../host.js';

export interface WindowOptions {
  preloadPath: string;
  /** Developer tools only in development builds. */
  devTools: boolean;
  platform: NodeJS.Platform;
}

/**
 * Ferry's one window. It is created on demand and destroyed when closed, so a tray app that is mostly in the
 * background does not keep a renderer process alive; the tray, not the window, keeps the app running.
 */
export class WindowController {
  #window: WindowLike | undefined;
  /** A screen asked for while the page is still loading, when it could not hear the push yet. */
  #pendingRoute: WindowLocation | undefined;
  #ready = false;

  constructor(
    private readonly host: Pick<ElectronHost, 'BrowserWindow' | 'app'>,
    private readonly options: WindowOptions,
  ) {}

  static webPreferences(options: WindowOptions): BrowserWindowConstructorOptions['webPreferences'] {
    return {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: options.devTools,
    };
  }

  /** Shows the window (creating it on Status if needed), on `route` when one is given. */
  show(route?: WindowLocation): void {
    const existing = this.#window;
    if (existing && !existing.isDestroyed()) {
      if (route && this.#ready) push(existing.webContents, 'window:navigate', route);
      else if (route) this.#pendingRoute = route;
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      return;
    }
    const window = new this.host.BrowserWindow({
      title: 'Ferry',
      width: 1080,
      height: 760,
      minWidth: 720,
      minHeight: 520,
      show: false,
      autoHideMenuBar: true,
      webPreferences: WindowController.webPreferences(this.options),
    });
    this.#window = window;
    this.#ready = false;
    this.#pendingRoute = undefined;
    window.once('ready-to-show', () => {
      if (this.#window === window) {
        this.#ready = true;
        if (this.#pendingRoute) push(window.webContents, 'window:navigate', this.#pendingRoute);
        this.#pendingRoute = undefined;
      }
      window.show();
      window.focus();
    });
    window.on('closed', () => {
      if (this.#window === window) this.#window = undefined;
      // A tray app has no dock icon of its own; it appears only while its window is open.
      if (this.options.platform === 'darwin') this.host.app.dock?.hide();
    });
    if (this.options.platform === 'darwin') void this.host.app.dock?.show();
    void window.loadURL(`${APP_ORIGIN}/index.html#/${route ?? 'status'}`);
  }

  /** Whether IPC from this page may be answered: only Ferry's own window qualifies. */
  owns(webContentsId: number): boolean {
    const window = this.#window;
    return window !== undefined && !window.isDestroyed() && window.webContents.id === webContentsId;
  }

  get current(): WindowLike | undefined {
    return this.#window && !this.#window.isDestroyed() ? this.#window : undefined;
  }

  close(): void {
    if (this.#window && !this.#window.isDestroyed()) this.#window.destroy();
    this.#window = undefined;
  }
}
