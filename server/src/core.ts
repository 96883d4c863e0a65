import path from 'node:path';
import { AdminApi, type StatusSnapshot } from './admin/api.js';
import type { AdminListener } from './admin/listener.js';
import { startStableAdminListener } from './admin/stableListener.js';
import type { Auth } from './auth/index.js';
import { LiveConfig } from './config/live.js';
import { defaultConfigPath, defaultDataDir } from './config/paths.js';
import { ConfigFile } from './config/save.js';
import { DEMO_REPLACED_NOTICE, demoNotice, servedConfig, type DemoRuntime } from './demo/standIn.js';
import { ConnectionTimeline } from './doctor/timeline.js';
import { EventBus } from './events/bus.js';
import { mirrorEventsToLog } from './events/eventLog.js';
import { ExposureControl } from './exposure/control.js';
import { PauseStore } from './exposure/pause.js';
import { listenerBounds, type ListenerBounds } from './http/bounds.js';
import { startPublicListener, type PublicListener } from './http/publicListener.js';
import { ServerHosts } from './http/serverHosts.js';
import type { ClientLimits } from './hub/clientLimits.js';
import { Hub } from './hub/hub.js';
import { AuditLog } from './policy/auditLog.js';
import { policySignature } from './policy/engine.js';
import { ToolGate } from './policy/gate.js';
import { PinStore } from './policy/pinStore.js';
import { prepareDataDir } from './runtime/dataDir.js';
import { RuntimeFile, type RuntimeInfo } from './runtime/runtimeFile.js';
import { HostSecrets } from './secrets/hostStore.js';
import type { SecretStore } from './secrets/types.js';
import { TunnelManager, type TunnelTimings } from './tunnel/manager.js';
import { namedTunnelToken, saveNamedTunnel, startupTunnelMode } from './tunnel/settings.js';
import { FERRY_VERSION } from './version.js';

export type { RuntimeInfo } from './runtime/runtimeFile.js';
export { demoServerPath } from './demo/standIn.js';

export interface CoreOptions {
  /** Where runtime.json, secrets (file store) and state live. Default: the per-OS config dir. */
  dataDir?: string;
  /** Default `<dataDir>/config.json`. A missing file is fine: Ferry then runs its demo server. */
  configPath?: string;
  /** Overrides `ferry.host` (default 127.0.0.1). */
  host?: string;
  /** Overrides `ferry.port` (default 8790); 0 picks a free port. */
  port?: number;
  /** Headless admin listener port (0 = ephemeral); `false` for none (Electron uses IPC). */
  adminPort?: number | false;
  /** The built window the admin listener serves at `/` (default: renderer/dist). */
  adminUiDir?: string;
  /**
   * Keep the admin port and token across restarts (`<dataDir>/admin.json`): `ferry serve` does, so an open
   * window reconnects after a restart. `rotate` mints a new token (`--new-admin-token`). Default off.
   */
  stableAdmin?: { rotate?: boolean };
  /** The externally visible origin, e.g. a reverse proxy's; default the local origin. */
  publicUrl?: string;
  /** Write `<dataDir>/runtime.json` while running. Default true. */
  writeRuntimeFile?: boolean;
  /** Overrides `ferry.secretStore`. */
  secretStore?: 'keychain' | 'file';
  /**
   * Cloudflare tunnel: `quick`, `named` or `off`. Default: `ferry.tunnel.mode`, else a quick tunnel when a
   * cloudflared binary is already on this machine, else off.
   */
  tunnel?: 'quick' | 'named' | 'off';
  /** Where the packaged app ships cloudflared (Electron's resources dir). */
  bundledBinDir?: string;
  /** Tunnel timings (tests shorten them). */
  tunnelTimings?: Partial<TunnelTimings>;
  /** Body, socket and anonymous-request bounds of both listeners (tests shorten them; see http/bounds.ts). */
  listenerBounds?: Partial<ListenerBounds>;
  /**
   * OAuth in front of every MCP route (default true). `false` is for local tools and tests only: Ferry then
   * refuses any Host but loopback, and refuses to start with a public URL.
   */
  auth?: boolean;
  /**
   * How to run the built-in demo server (a Node script) when there is no config. Default: this process's
   * Node. Electron passes its own binary with ELECTRON_RUN_AS_NODE while that fuse is on, a system `node`
   * with the self-contained `script` (server/dist/demo-standalone/server.mjs) otherwise, or `false` when
   * there is no `node`: Ferry then starts with no servers.
   */
  demoRuntime?: DemoRuntime;
  /** Overrides of the per-client and overall session caps (`CLIENT_LIMITS`); tests use small ones. */
  clientLimits?: Partial<ClientLimits>;
  /** How long a child gets to answer `server/discover` (default `MODERN_CHILD_LIMITS`; tests change it). */
  discoverTimeoutMs?: number;
}

export interface CoreDeps {
  /** The secret store to use; by default the one the config names, opened on first use. */
  secrets?: SecretStore;
  bus?: EventBus;
}

export interface Core {
  readonly events: EventBus;
  readonly hub: Hub;
  readonly admin: AdminApi;
  readonly tunnel: TunnelManager;
  readonly configPath: string;
  start(): Promise<RuntimeInfo>;
  stop(): Promise<void>;
  /** Resolves once every server has left starting/restarting. */
  whenSettled(): Promise<void>;
}

/**
 * Ferry's one entry point: it only wires the parts. The running config lives in `LiveConfig` (every part reads
 * it there, every edit goes through its `ConfigFile`); everything host-specific (secret store, event
 * consumers) comes in through `deps`, so the same core runs under Electron, under `ferry serve` and in tests.
 */
export function createCore(options: CoreOptions = {}, deps: CoreDeps = {}): Core {
  const dataDir = path.resolve(options.dataDir ?? defaultDataDir());
  const live = new LiveConfig(new ConfigFile(options.configPath ?? defaultConfigPath(dataDir)));
  const bus = deps.bus ?? new EventBus();
  mirrorEventsToLog(bus);
  const startedAt = Date.now();
  /** Conditions the user should fix, kept on the status until then. */
  const warnings = new Set<string>();
  const secrets = new HostSecrets({
    kind: () => options.secretStore ?? live.ferry.secretStore,
    dataDir,
    given: deps.secrets,
    warn: (warning, detail) => {
      warnings.add(warning);
      bus.log('warn', 'ferry', `${warning} (${detail})`);
    },
  });
  const openSecrets = () => secrets.open();
  const warnPolicy = (message: string) => bus.log('warn', 'policy', message);
  const pins = new PinStore(path.join(dataDir, 'tool-pins.json'), warnPolicy);
  const audit = new AuditLog(path.join(dataDir, 'audit'), warnPolicy);
  const pause = new PauseStore(dataDir, (message) => bus.log('warn', 'ferry', message));
  // `listsChanged` is called only after construction, once `hub` below exists.
  const gate = new ToolGate({
    bus,
    settings: () => live.ferry,
    pins,
    audit,
    listsChanged: () => hub.listsChanged(),
    registeredName: (clientId) => auth?.clientName(clientId),
  });
  const hub = new Hub({
    bus,
    gate,
    version: FERRY_VERSION,
    settings: live,
    ...(options.clientLimits ? { limits: options.clientLimits } : {}),
    ...(options.discoverTimeoutMs ? { discoverTimeoutMs: options.discoverTimeoutMs } : {}),
    resolveEnv: (env, server) => secrets.resolveEnv(env, server),
  });
  live.onChange(async (change) => {
    if (change.demoEnded) bus.log('info', 'ferry', DEMO_REPLACED_NOTICE);
    await hub.applyConfig(servedConfig(change, options.demoRuntime));
    // A policy edit changes what every open session lists: rebuild and announce now, on both wires.
    if (policySignature(change.config.ferry) !== policySignature(change.before.ferry)) {
      hub.listsChanged();
      bus.emit({ type: 'tools.changed', reason: 'policy' });
    }
  });

  let localOrigin = '';
  let listener: PublicListener | undefined;
  let adminListener: AdminListener | undefined;
  let auth: Auth | undefined;
  let timeline: ConnectionTimeline | undefined;
  const tunnel = new TunnelManager({
    bus,
    target: () => localOrigin,
    dataDir,
    settings: live,
    bundledDir: options.bundledBinDir,
    allowInstall: true,
    namedToken: () => namedTunnelToken(openSecrets),
    timings: options.tunnelTimings,
  });
  /** The origin the world uses: an explicit --public-url, else the tunnel's, else the configured one. */
  const publicUrl = (): URL | undefined => {
    const configured = options.publicUrl ?? tunnel.publicUrl ?? live.ferry.publicUrl;
    return configured ? new URL(configured) : undefined;
  };
  const publicOrigin = () => (publicUrl() ?? new URL(localOrigin)).origin;
  const serverHosts = new ServerHosts(live, publicOrigin);
  const runtime = new RuntimeFile({ dataDir, write: options.writeRuntimeFile !== false, publicOrigin, bus });
  const exposure = new ExposureControl({
    store: pause,
    tunnel,
    bus,
    oauth: () => auth !== undefined,
    listener: () => listener,
  });
  const bounds = options.listenerBounds ? { bounds: options.listenerBounds } : {};

  const admin = new AdminApi({
    hub,
    bus,
    gate,
    configFile: live.file,
    apply: (next) => live.replace(next),
    settings: () => live.ferry,
    secrets: openSecrets,
    auth: () => auth,
    timeline: () => timeline,
    tunnel: {
      manager: tunnel,
      start: (mode) => exposure.startTunnel(mode),
      stop: () => tunnel.stop(),
      saveNamed: (token, hostname) =>
        saveNamedTunnel({ secrets: openSecrets, config: live }, token, hostname),
    },
    exposure,
    status: () =>
      statusOf({ startedAt, live, hub, exposure, runtime, secrets, auth: auth !== undefined, warnings }),
  });

  return {
    events: bus,
    hub,
    admin,
    tunnel,
    configPath: live.file.path,
    async start() {
      const dirWarning = await prepareDataDir(dataDir, live.file.path, bus);
      if (dirWarning) warnings.add(dirWarning);
      // Pins before any child starts: a definition that changed while Ferry was stopped is held from the start.
      await Promise.all([pins.load(), audit.load(), pause.load()]);
      await live.load();
      const notice = demoNotice(live, options.demoRuntime);
      if (notice) bus.log('info', 'ferry', notice);
      const wantAuth = options.auth ?? true;
      const tunnelMode = await startupTunnelMode({
        explicit: options.tunnel,
        oauth: wantAuth,
        publicUrl: publicUrl() !== undefined,
        settings: live,
        dataDir,
        bundledDir: options.bundledBinDir,
        bus,
      });
      if (wantAuth) {
        timeline = new ConnectionTimeline(bus);
        const { createAuth } = await import('./auth/index.js');
        auth = await createAuth({
          bus,
          dataDir,
          secrets: () => secrets.forAuth(),
          publicOrigin,
          serverExists: (name) => hub.hasServer(name),
          serverHosts,
          extraRedirectUris: () => live.ferry.redirectUris,
          bodyBounds: listenerBounds(options.listenerBounds),
        });
      }
      listener = await startPublicListener({
        auth,
        secrets: () => secrets.forAuth(),
        hub,
        bus,
        host: options.host ?? live.ferry.host,
        port: options.port ?? live.ferry.port,
        publicUrl,
        settings: live,
        serverHosts,
        ...bounds,
        paused: () => exposure.state().paused,
      });
      localOrigin = listener.url.origin;
      await exposure.atStart(tunnelMode, options.tunnel !== undefined);
      bus.emit({ type: 'listener.ready', surface: 'public', url: listener.url.origin });
      let adminToken: string | undefined;
      if (options.adminPort !== false) {
        ({ listener: adminListener, token: adminToken } = await startStableAdminListener({
          api: admin,
          bus,
          port: options.adminPort ?? 0,
          dataDir,
          stable: options.stableAdmin,
          ...bounds,
          ...(options.adminUiDir ? { uiDir: options.adminUiDir } : {}),
        }));
        bus.emit({ type: 'listener.ready', surface: 'admin', url: adminListener.url.origin });
      }
      return runtime.publish({
        pid: process.pid,
        localUrl: listener.url.origin,
        adminUrl: adminListener?.url.origin,
        adminToken,
      });
    },
    async stop() {
      await runtime.remove();
      await tunnel.stop();
      await Promise.allSettled([listener?.close(), adminListener?.close()]);
      gate.close();
      await hub.stop();
      await Promise.allSettled([pins.flush(), audit.flush()]);
      await auth?.close();
      auth = undefined;
      timeline?.close();
      timeline = undefined;
      listener = undefined;
      adminListener = undefined;
    },
    whenSettled: () => hub.whenSettled(),
  };
}

/** What the status shows besides servers and tunnel (the admin API adds those). */
function statusOf(parts: {
  startedAt: number;
  live: LiveConfig;
  hub: Hub;
  exposure: ExposureControl;
  runtime: RuntimeFile;
  secrets: HostSecrets;
  auth: boolean;
  warnings: Set<string>;
}): Omit<StatusSnapshot, 'servers' | 'tunnel'> {
  const { paused, since } = parts.exposure.state();
  const info = parts.runtime.current;
  return {
    version: FERRY_VERSION,
    paused,
    ...(since !== undefined ? { pausedSince: since } : {}),
    pid: process.pid,
    startedAt: parts.startedAt,
    localUrl: info?.localUrl ?? '',
    publicUrl: info?.publicUrl ?? '',
    mcpUrl: info?.mcpUrl ?? '',
    configPath: parts.live.file.path,
    demo: parts.live.demo,
    sessions: parts.hub.sessions.size,
    auth: parts.auth,
    warnings: [...parts.warnings],
    secretStore: parts.secrets.kind,
  };
}
