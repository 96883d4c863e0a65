import type { Core } from '#core';
import type { CoreState, WindowRoute } from '../shared/ipc.js';
import type { ElectronHost } from './host.js';
import type { LoginItem } from './loginItem/loginItem.js';
import type { SettingsStore } from './settings/store.js';
import type { TrayAction, TrayInput } from './tray/model.js';
import type { WindowController } from './window/controller.js';

export type Phase = TrayInput['phase'];

/** Core events that change what the tray and notifications show; tool calls and logs do not. */
const STATE_EVENTS: ReadonlySet<string> = new Set([
  'server.status',
  'tunnel.state',
  'tunnel.url-changed',
  'consent.requested',
  'consent.resolved',
  'listener.ready',
  'approval.requested',
  'approval.resolved',
  'tool.held',
  'exposure.state',
  // The "last call 20 s ago" line.
  'call.end',
]);

/** Bursts (a restart emits several server.status events) become one redraw. */
const SETTLE_MS = 40;

export interface DesktopParts {
  host: ElectronHost;
  core: Core;
  settings: SettingsStore;
  window: WindowController;
  loginItem: LoginItem;
  platform: NodeJS.Platform;
  paths: DesktopPaths;
}

export interface DesktopPaths {
  /** The built window (renderer/dist). */
  uiDir: string;
  preloadPath: string;
  /** electron/assets/tray */
  trayIconsDir: string;
}

/**
 * The running desktop app: the core plus the shell's own state, and the one place tray clicks,
 * notification buttons and the lifecycle act on it. Domains register against this object.
 */
export class Desktop {
  readonly host: ElectronHost;
  readonly core: Core;
  readonly settings: SettingsStore;
  readonly window: WindowController;
  readonly loginItem: LoginItem;
  readonly platform: NodeJS.Platform;
  readonly paths: DesktopPaths;
  #phase: Phase = 'starting';
  #startError: string | undefined;
  #openAtLogin = false;
  readonly #listeners = new Set<() => void>();
  readonly #disposers: (() => void | Promise<void>)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;

  constructor(parts: DesktopParts) {
    this.host = parts.host;
    this.core = parts.core;
    this.settings = parts.settings;
    this.window = parts.window;
    this.loginItem = parts.loginItem;
    this.platform = parts.platform;
    this.paths = parts.paths;
    this.onDispose(
      this.core.events.subscribe((event) => {
        if (STATE_EVENTS.has(event.type)) this.changed();
      }),
    );
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** Starts the core; a failure is shown in the tray (and the window), not thrown. */
  async start(): Promise<void> {
    this.#phase = 'starting';
    this.#startError = undefined;
    this.changed(true);
    this.#openAtLogin = await this.loginItem.isEnabled().catch(() => false);
    try {
      await this.core.start();
      this.#phase = 'running';
    } catch (error) {
      this.#phase = 'failed';
      this.#startError = startFailure(error);
      this.core.events.log('error', 'ferry', `Ferry could not start: ${describe(error)}`);
      // Whatever did start (children, a tunnel) must not run on unseen behind a failed app.
      await this.core.stop().catch(() => undefined);
    }
    this.changed(true);
  }

  /** Stops everything once: registered domains in reverse order, then the core (children, tunnel). */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#phase = 'stopping';
      clearTimeout(this.#timer);
      for (const dispose of this.#disposers.reverse()) {
        try {
          await dispose();
        } catch (error) {
          this.core.events.log('warn', 'ferry', `while quitting: ${describe(error)}`);
        }
      }
      this.#listeners.clear();
      await this.core.stop();
    })();
    return this.#stopping;
  }

  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  onDispose(dispose: () => void | Promise<void>): void {
    this.#disposers.push(dispose);
  }

  /** Called (debounced) whenever what the tray shows may have changed. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  changed(now = false): void {
    clearTimeout(this.#timer);
    const fire = () => {
      for (const listener of this.#listeners) listener();
    };
    if (now) fire();
    else this.#timer = setTimeout(fire, SETTLE_MS);
  }

  snapshot(): TrayInput {
    const status = this.core.admin.status();
    return {
      platform: this.platform,
      phase: this.#phase,
      ...(this.#startError ? { startError: this.#startError } : {}),
      tunnel: status.tunnel,
      servers: status.servers,
      consents: this.#consents(),
      approvals: this.core.admin.approvals(),
      held: this.#held(),
      ...(status.paused ? { paused: { resumeTunnel: this.core.admin.exposure().resumeTunnel } } : {}),
      openAtLogin: this.#openAtLogin,
      loginItemSupported: this.loginItem.supported,
      activity: this.#activity(),
    };
  }

  /** The most recently used authorized client and the last call's time, for the tray's activity line. */
  #activity(): TrayInput['activity'] {
    let client: string | undefined;
    try {
      const seconds = (t: number) => (t < 1e11 ? t * 1000 : t);
      const latest = this.core.admin
        .clients()
        .filter((c) => c.grants.length > 0)
        .sort((a, b) => seconds(b.lastUsedAt ?? b.createdAt) - seconds(a.lastUsedAt ?? a.createdAt))[0];
      client = latest ? (latest.clientName ?? latest.clientId) : undefined;
    } catch {
      // OAuth off or not started: nobody to name
    }
    const last = this.core.admin.calls(1).at(-1);
    return { client, lastCallAt: last ? last.at - last.durationMs : undefined, now: Date.now() };
  }

  /** The core's phase for the window: a failed start carries its reason, as the tray shows it. */
  coreState(): CoreState {
    return {
      phase: this.#phase,
      ...(this.#phase === 'failed'
        ? { reason: `Ferry could not start: ${this.#startError ?? 'see the logs'}` }
        : {}),
    };
  }

  /** Tools held until the user accepts their definition (the tray's attention dot, like a consent). */
  #held(): NonNullable<TrayInput['held']> {
    if (this.#phase !== 'running') return [];
    return this.core.admin
      .tools()
      .filter((tool) => tool.held && tool.pin !== 'pinned')
      .map((tool) => ({ server: tool.server, tool: tool.name, pin: tool.pin === 'new' ? 'new' : 'changed' }));
  }

  #consents(): TrayInput['consents'] {
    // Before the core has started (and with OAuth off) there is no consent queue to ask.
    try {
      return this.core.admin.consents();
    } catch {
      return [];
    }
  }

  /** Carries out a tray or notification action; a failure becomes a notification and a log line. */
  async perform(action: TrayAction): Promise<void> {
    const { admin } = this.core;
    try {
      switch (action.type) {
        case 'expose':
          await admin.startTunnel(this.settings.current.tunnelMode);
          break;
        case 'stop':
          await admin.stopTunnel();
          break;
        case 'pause':
          await admin.pauseExposure();
          break;
        case 'resume':
          await admin.resumeExposure();
          break;
        case 'copy-url':
          this.host.clipboard.writeText(action.url);
          break;
        case 'approve':
          await admin.approveConsent(action.id);
          break;
        case 'deny':
          admin.denyConsent(action.id);
          break;
        case 'allow-call':
          await admin.approveToolCall(action.id, action.remember);
          break;
        case 'deny-call':
          admin.denyToolCall(action.id);
          break;
        case 'restart':
          await admin.restartServer(action.server);
          break;
        case 'open':
          this.window.show(action.route);
          break;
        case 'set-open-at-login':
          await this.loginItem.setEnabled(action.enabled);
          this.#openAtLogin = await this.loginItem.isEnabled();
          this.changed(true);
          break;
        case 'retry':
          if (this.#phase === 'failed') await this.start();
          break;
        case 'quit':
          this.host.app.quit();
          break;
      }
    } catch (error) {
      this.report(`Ferry could not ${verb(action)}`, error);
    }
  }

  /** Tells the user about a failure they caused by clicking (a log line alone would go unseen). */
  report(title: string, error: unknown, route: WindowRoute = 'logs'): void {
    const message = describe(error);
    this.core.events.log('error', 'ferry', `${title}: ${message}`);
    if (!this.host.Notification.isSupported()) return;
    const notification = new this.host.Notification({ title, body: message });
    notification.on('click', () => this.window.show(route));
    notification.show();
  }
}

function verb(action: TrayAction): string {
  switch (action.type) {
    case 'expose':
      return 'expose your servers';
    case 'stop':
      return 'stop the tunnel';
    case 'pause':
      return 'pause exposure';
    case 'resume':
      return 'resume exposure';
    case 'copy-url':
      return 'copy the connector URL';
    case 'approve':
      return 'approve the request';
    case 'deny':
      return 'deny the request';
    case 'allow-call':
      return 'allow the tool call';
    case 'deny-call':
      return 'deny the tool call';
    case 'restart':
      return `restart ${action.server}`;
    case 'open':
      return 'open the window';
    case 'set-open-at-login':
      return action.enabled ? 'start at login' : 'stop starting at login';
    case 'retry':
      return 'start';
    case 'quit':
      return 'quit';
  }
}

/** A start failure in words a user can act on; the full message goes to the log. */
function startFailure(error: unknown): string {
  const { code, port } = error as NodeJS.ErrnoException & { port?: number };
  const which = port === undefined ? 'its port' : `port ${port}`;
  if (code === 'EADDRINUSE')
    return `${which} is already in use (is \`ferry serve\` running?); free it or change ferry.port, then reopen Ferry`;
  if (code === 'EACCES') return `not allowed to listen on ${which}; choose a port above 1024 (ferry.port)`;
  return describe(error);
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
