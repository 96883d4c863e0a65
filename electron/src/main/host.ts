import type {
  BrowserWindowConstructorOptions,
  CustomScheme,
  HandlerDetails,
  MenuItemConstructorOptions,
  NotificationConstructorOptions,
  Settings,
  WindowOpenHandlerResponse,
} from 'electron';

/**
 * The part of Electron the shell uses, as interfaces. `index.ts` checks the real `electron` module against
 * this with `satisfies`, and electron/test/fakeElectron.ts implements it, so the fake cannot drift from the
 * real typings: a signature the fake gets wrong fails the typecheck, not a user.
 */

/** Handles the shell hands back to Electron without looking inside (a NativeImage, a Menu). */
export type ImageHandle = object;
export type MenuHandle = object;

export interface PreventableEvent {
  preventDefault(): void;
}

export interface WebFrameLike {
  readonly url: string;
  /** null for a page's top frame; IPC is accepted only from there. */
  readonly parent: unknown;
}

export interface InvokeEventLike {
  readonly sender: { readonly id: number };
  readonly senderFrame: WebFrameLike | null;
}

export interface WebContentsLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
  on(event: 'will-navigate', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
}

export interface WindowLike {
  readonly webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  show(): void;
  focus(): void;
  isVisible(): boolean;
  isMinimized(): boolean;
  restore(): void;
  isDestroyed(): boolean;
  destroy(): void;
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(event: 'close', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  /** Windows only: the small badge over the taskbar button. */
  setOverlayIcon(overlay: ImageHandle | null, description: string): void;
}

export interface TrayLike {
  /** A file path: Electron picks `name@2x.png` beside it on high-density screens. */
  setImage(image: string): void;
  setToolTip(toolTip: string): void;
  /** macOS: text beside the icon, used for the waiting-consent count. */
  setTitle(title: string): void;
  setContextMenu(menu: MenuHandle | null): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
  isDestroyed(): boolean;
}

export interface NotificationLike {
  show(): void;
  close(): void;
  on(event: 'click', listener: () => void): unknown;
  on(event: 'action', listener: (event: unknown, index: number) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

export interface AppLike {
  readonly isPackaged: boolean;
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<void>;
  quit(): void;
  exit(exitCode?: number): void;
  getPath(name: 'userData' | 'logs' | 'exe'): string;
  getVersion(): string;
  setBadgeCount(count?: number): boolean;
  getLoginItemSettings(options?: { args?: string[] }): { openAtLogin: boolean; wasOpenedAtLogin?: boolean };
  setLoginItemSettings(settings: Settings): void;
  setAppUserModelId(id: string): void;
  readonly dock: { show(): Promise<void>; hide(): void } | undefined;
  on(event: 'second-instance', listener: () => void): unknown;
  on(event: 'activate', listener: () => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'before-quit', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'web-contents-created', listener: (event: unknown, contents: WebContentsLike) => void): unknown;
}

export type PermissionRequestHandler = (
  webContents: unknown,
  permission: string,
  callback: (granted: boolean) => void,
) => void;

export interface ElectronHost {
  app: AppLike;
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => WindowLike;
  Tray: new (image: string) => TrayLike;
  Menu: { buildFromTemplate(template: MenuItemConstructorOptions[]): MenuHandle };
  Notification: { new (options: NotificationConstructorOptions): NotificationLike; isSupported(): boolean };
  nativeImage: { createFromPath(path: string): ImageHandle };
  clipboard: { writeText(text: string): void };
  shell: { openExternal(url: string): Promise<void>; openPath(path: string): Promise<string> };
  protocol: {
    registerSchemesAsPrivileged(customSchemes: CustomScheme[]): void;
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
  };
  session: {
    defaultSession: {
      setPermissionRequestHandler(handler: PermissionRequestHandler | null): void;
      setPermissionCheckHandler(
        handler: ((webContents: unknown, permission: string) => boolean) | null,
      ): void;
    };
  };
  ipcMain: {
    handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
    removeHandler(channel: string): void;
  };
}
