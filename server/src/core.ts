import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminApi } from './admin/api.js';
import { loadAdminIdentity, newAdminToken, saveAdminIdentity } from './admin/identity.js';
import { startAdminListener, type AdminListener } from './admin/listener.js';
import { secureDataDir } from './config/dataDirMode.js';
import { ConfigFile } from './config/save.js';
import { defaultConfigPath, defaultDataDir } from './config/paths.js';
import { configSchema, type FerryConfig } from './config/schema.js';
import { removeStaleTempFiles, removeStaleTempFilesOf, writeFileAtomic } from './util/atomicWrite.js';
import { EventBus } from './events/bus.js';
import { mirrorEventsToLog } from './events/eventLog.js';
import type { Auth } from './auth/index.js';
import { ConnectionTimeline } from './doctor/timeline.js';
import { findCloudflared } from './tunnel/binary.js';
import { TunnelManager, type TunnelTimings } from './tunnel/manager.js';
import { listenerBounds, type ListenerBounds } from './http/bounds.js';
import { startPublicListener, type PublicListener } from './http/publicListener.js';
import type { ClientLimits } from './hub/clientLimits.js';
import { ServerHosts } from './http/serverHosts.js';
import { Hub } from './hub/hub.js';
import { openSecretStore } from './secrets/open.js';
import { resolveEnv } from './secrets/resolve.js';
import { MemorySecretStore } from './secrets/memory.js';
import { SecretStoreError, type SecretStore } from './secrets/types.js';
import { FERRY_VERSION } from './version.js';
import { AuditLog } from './policy/auditLog.js';
import { policySignature } from './policy/engine.js';
import { ToolGate } from './policy/gate.js';
import { PinStore } from './policy/pinStore.js';
import { PauseStore } from './exposure/pause.js';
import { Conflict } from './util/errors.js';

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
  demoRuntime?: { command: string; env?: Record<string, string>; script?: string } | false;
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

export interface RuntimeInfo {
  pid: number;
  localUrl: string;
  publicUrl: string;
  mcpUrl: string;
  adminUrl: string | undefined;
  adminToken: string | undefined;
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

/** The demo server ships next to this file (server/dist/demo/server.js). */
export function demoServerPath(): string {
  return fileURLToPath(new URL('./demo/server.js', import.meta.url));
}

function demoConfig(runtime: CoreOptions['demoRuntime']): FerryConfig {
  if (runtime === false) return configSchema.parse({});
  const { command, env, script } = runtime ?? { command: process.execPath };
  return configSchema.parse({
    mcpServers: { demo: { command, args: [script ?? demoServerPath()], ...(env ? { env } : {}) } },
  });
}

/**
 * Ferry's one entry point. Everything host-specific (secret store, event consumers) comes in through
 * `deps`, so the same core runs under Electron, under `ferry serve` and inside tests.
 */
export function createCore(options: CoreOptions = {}, deps: CoreDeps = {}): Core {
  const dataDir = path.resolve(options.dataDir ?? defaultDataDir());
  const configFile = new ConfigFile(options.configPath ?? defaultConfigPath(dataDir));
  const bus = deps.bus ?? new EventBus();
  mirrorEventsToLog(bus);
  const runtimePath = path.join(dataDir, 'runtime.json');
  const startedAt = Date.now();
  let config: FerryConfig = configSchema.parse({});
  let demo = false;
  let secrets: Promise<SecretStore> | undefined = deps.secrets ? Promise.resolve(deps.secrets) : undefined;
  let listener: PublicListener | undefined;
  let auth: Auth | undefined;
  let timeline: ConnectionTimeline | undefined;
  const warnings: string[] = [];
  let localOrigin = '';
  let adminListener: AdminListener | undefined;
  let runtime: RuntimeInfo | undefined;
  const TUNNEL_TOKEN_KEY = 'tunnel/token';

  /** The store actually in use once opened (the status must not claim a keychain Ferry fell back from). */
  let secretKind: string | undefined = deps.secrets?.kind;
  const secretStore = (): Promise<SecretStore> => {
    // Opened on first use: a machine without a keychain still serves every server that needs no secret.
    secrets ??= openSecretStore({ kind: options.secretStore ?? config.ferry.secretStore, dataDir }).then(
      (store) => {
        secretKind = store.kind;
        return store;
      },
      (error: unknown) => {
        secrets = undefined;
        throw error;
      },
    );
    return secrets;
  };

  /**
   * OAuth's signing key needs a home. Without an OS keychain (a headless box with no Secret Service)
   * it is kept in memory only: nothing secret touches the disk, and connections are approved again
   * after a restart. The file store is used only when the user chose it.
   */
  const authSecrets = async (): Promise<SecretStore> => {
    try {
      return await secretStore();
    } catch (error) {
      if (!(error instanceof SecretStoreError) || error.code !== 'keychain_unavailable') throw error;
      const warning =
        'The OS keychain is not available, so the OAuth signing key is kept in memory only: Claude must be reconnected after Ferry restarts. ' +
        'Start a Secret Service (e.g. gnome-keyring) or choose --secret-store file to keep it.';
      warnings.push(warning);
      bus.log('warn', 'ferry', `${warning} (${error.message})`);
      secretKind = 'memory (OS keychain unavailable)';
      return new MemorySecretStore();
    }
  };

  const warnPolicy = (message: string) => bus.log('warn', 'policy', message);
  const pause = new PauseStore(dataDir, (message) => bus.log('warn', 'ferry', message));
  const pins = new PinStore(path.join(dataDir, 'tool-pins.json'), warnPolicy);
  const audit = new AuditLog(path.join(dataDir, 'audit'), warnPolicy);
  const gate = new ToolGate({
    bus,
    settings: () => config.ferry,
    pins,
    audit,
    // Called only after construction, once `hub` below exists.
    listsChanged: () => hub.listsChanged(),
    registeredName: (clientId) => auth?.clientName(clientId),
  });

  const hub = new Hub({
    bus,
    gate,
    version: FERRY_VERSION,
    policy: () => config.ferry.restart,
    maxMessageBytes: () => config.ferry.maxMessageBytes,
    ...(options.clientLimits ? { limits: options.clientLimits } : {}),
    ...(options.discoverTimeoutMs ? { discoverTimeoutMs: options.discoverTimeoutMs } : {}),
    resolveEnv: async (env, server) => {
      if (!Object.values(env).some((value) => value.startsWith('${secret:'))) return env;
      return resolveEnv(env, await secretStore(), server);
    },
  });

  const tunnel = new TunnelManager({
    bus,
    target: () => localOrigin,
    dataDir,
    configuredBinary: () => config.ferry.tunnel.binary,
    bundledDir: options.bundledBinDir,
    allowInstall: true,
    namedToken: async () => (await secretStore()).get(TUNNEL_TOKEN_KEY),
    namedHostname: () => config.ferry.tunnel.hostname,
    namedCredentialsFile: () => config.ferry.tunnel.credentialsFile,
    serverHostnames: () => config.ferry.tunnel.serverHostnames,
    timings: options.tunnelTimings,
  });

  /** The origin the world uses: an explicit --public-url, else the tunnel's, else the configured one. */
  const publicUrl = (): URL | undefined => {
    const configured = options.publicUrl ?? tunnel.publicUrl ?? config.ferry.publicUrl;
    return configured ? new URL(configured) : undefined;
  };

  const serverHosts = new ServerHosts(
    () => config.ferry.tunnel.serverHostnames,
    () => (publicUrl() ?? new URL(localOrigin)).origin,
  );

  const writeRuntime = async (): Promise<void> => {
    if (!runtime || options.writeRuntimeFile === false) return;
    const origin = (publicUrl() ?? new URL(localOrigin)).origin;
    runtime = { ...runtime, publicUrl: origin, mcpUrl: `${origin}/mcp` };
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(runtimePath, `${JSON.stringify(runtime, null, 2)}\n`, { mode: 0o600 });
  };
  bus.on('tunnel.state', (event) => {
    if (event.state === 'connected' || event.state === 'off') {
      writeRuntime().catch((error: unknown) =>
        bus.log('warn', 'ferry', `could not update runtime.json: ${String(error)}`),
      );
    }
  });

  const apply = async (next: FerryConfig): Promise<void> => {
    if (demo && Object.keys(next.mcpServers).length > 0) {
      demo = false;
      bus.log('info', 'ferry', 'first server added: the demo server is replaced');
    }
    const policyBefore = policySignature(config.ferry);
    config = next;
    await hub.applyConfig(demo ? demoConfig(options.demoRuntime) : next);
    // A policy edit changes what every open session lists: rebuild and announce now, on both wires.
    if (policySignature(next.ferry) !== policyBefore) {
      hub.listsChanged();
      bus.emit({ type: 'tools.changed', reason: 'policy' });
    }
  };

  const admin = new AdminApi({
    hub,
    bus,
    gate,
    configFile,
    apply,
    settings: () => config.ferry,
    secrets: secretStore,
    auth: () => auth,
    timeline: () => timeline,
    tunnel: {
      manager: tunnel,
      start: async (mode) => {
        if (!auth) throw new Conflict('a tunnel needs OAuth: restart without --no-auth');
        if (pause.current.paused) throw new Conflict('exposure is paused: resume it to start the tunnel');
        await tunnel.start(mode);
      },
      stop: () => tunnel.stop(),
      saveNamed: async (token, hostname) => {
        await (await secretStore()).set(TUNNEL_TOKEN_KEY, token);
        config = await configFile.update((document) => {
          const ferry = (document.ferry ??= {}) as Record<string, unknown>;
          const block = (ferry.tunnel ??= {}) as Record<string, unknown>;
          block.hostname = hostname;
          block.mode = 'named';
        });
      },
    },
    exposure: {
      state: () => pause.current,
      pause: async () => {
        if (pause.current.paused) return;
        // The tunnel the resume brings back: the one running (or trying to) now.
        const resumeTunnel = tunnel.state === 'off' ? 'off' : tunnel.mode;
        // Saved first: the tunnel's "off" below must already read as a pause, not as the user's "stop".
        await pause.save({ paused: true, since: Date.now(), resumeTunnel });
        bus.emit({ type: 'exposure.state', paused: true, resumeTunnel });
        await tunnel.stop();
        await listener?.closeStreams('Ferry was paused by its user');
      },
      resume: async () => {
        const { paused, resumeTunnel = 'off' } = pause.current;
        if (!paused) return;
        await pause.save({ paused: false });
        bus.emit({ type: 'exposure.state', paused: false, resumeTunnel });
        if (resumeTunnel !== 'off' && auth && listener) await tunnel.start(resumeTunnel);
      },
    },
    status: () => ({
      version: FERRY_VERSION,
      paused: pause.current.paused,
      ...(pause.current.since !== undefined ? { pausedSince: pause.current.since } : {}),
      pid: process.pid,
      startedAt,
      localUrl: runtime?.localUrl ?? '',
      publicUrl: runtime?.publicUrl ?? '',
      mcpUrl: runtime?.mcpUrl ?? '',
      configPath: configFile.path,
      demo,
      sessions: hub.sessions.size,
      auth: auth !== undefined,
      warnings: [...warnings],
      secretStore: secretKind ?? options.secretStore ?? config.ferry.secretStore,
    }),
  });

  async function defaultTunnelMode(): Promise<'quick' | 'off'> {
    const found = await findCloudflared({
      configured: config.ferry.tunnel.binary,
      bundledDir: options.bundledBinDir,
      installDir: path.join(dataDir, 'bin'),
    });
    if (!found)
      bus.log(
        'info',
        'tunnel',
        'no cloudflared on this machine: serving locally only (ferry serve --tunnel quick installs it)',
      );
    return found ? 'quick' : 'off';
  }

  return {
    events: bus,
    hub,
    admin,
    tunnel,
    configPath: configFile.path,
    async start() {
      const dirCheck = await secureDataDir(dataDir);
      if (dirCheck.warning) {
        bus.log('warn', 'ferry', dirCheck.warning);
        // A directory Ferry fixed needs nothing more; one it could not stays on the status until fixed.
        if (dirCheck.outcome === 'open' && !warnings.includes(dirCheck.warning))
          warnings.push(dirCheck.warning);
      }
      // A Ferry killed mid-write leaves a temp file beside the (intact) target; nothing else ever removes it.
      const leftovers = [
        ...(await removeStaleTempFiles(dataDir)),
        ...(await removeStaleTempFilesOf(configFile.path)),
      ];
      if (leftovers.length > 0)
        bus.log('info', 'ferry', `removed ${leftovers.length} temp file(s) left by an interrupted write`);
      const loaded = await configFile.load();
      config = loaded.config;
      // Pins before any child starts: a definition that changed while Ferry was stopped is held from the start.
      await Promise.all([pins.load(), audit.load(), pause.load()]);
      demo = !loaded.exists;
      if (demo)
        bus.log(
          'info',
          'ferry',
          options.demoRuntime === false
            ? `no config at ${configFile.path}: add a server or import Claude Desktop's`
            : `no config at ${configFile.path}: running the built-in demo server`,
        );
      await apply(config);
      const wantAuth = options.auth ?? true;
      const tunnelMode =
        options.tunnel ?? config.ferry.tunnel.mode ?? (wantAuth ? await defaultTunnelMode() : 'off');
      if (!wantAuth && (publicUrl() || tunnelMode !== 'off')) {
        throw new Error(
          'OAuth can only be switched off for loopback use: remove --public-url (or ferry.publicUrl), use --tunnel off, or keep OAuth on',
        );
      }
      if (wantAuth) {
        timeline = new ConnectionTimeline(bus);
        const { createAuth } = await import('./auth/index.js');
        auth = await createAuth({
          bus,
          dataDir,
          secrets: authSecrets,
          publicOrigin: () => (publicUrl() ?? new URL(localOrigin)).origin,
          serverExists: (name) => hub.hasServer(name),
          serverHosts,
          extraRedirectUris: () => config.ferry.redirectUris,
          bodyBounds: listenerBounds(options.listenerBounds),
        });
      }
      listener = await startPublicListener({
        auth,
        secrets: authSecrets,
        hub,
        bus,
        host: options.host ?? config.ferry.host,
        port: options.port ?? config.ferry.port,
        publicUrl,
        // A server's own hostname reaches Ferry like the main one (Host routing picks the server).
        allowedHosts: () => [...config.ferry.allowedHosts, ...serverHosts.list()],
        allowedOrigins: () => config.ferry.allowedOrigins,
        ...(options.listenerBounds ? { bounds: options.listenerBounds } : {}),
        paused: () => pause.current.paused,
        maxBodyBytes: () => config.ferry.maxBodyBytes,
        keepAliveMs: () => config.ferry.keepAliveSeconds * 1000,
        sessionIdleMs: () => config.ferry.sessionIdleMinutes * 60_000,
      });
      localOrigin = listener.url.origin;
      if (pause.current.paused) {
        // Paused before this start: the tunnel stays down until the user resumes, then comes back as asked
        // now (an explicit mode, the config's), else as it was when the pause began.
        const resumeTunnel =
          tunnelMode !== 'off' || options.tunnel !== undefined
            ? tunnelMode
            : (pause.current.resumeTunnel ?? 'off');
        await pause.save({ ...pause.current, resumeTunnel });
        bus.log(
          'warn',
          'ferry',
          'exposure is paused: the tunnel stays stopped and MCP and OAuth requests get 503 until you resume',
        );
      } else if (tunnelMode !== 'off') await tunnel.start(tunnelMode);
      const origin = (publicUrl() ?? listener.url).origin;
      bus.emit({ type: 'listener.ready', surface: 'public', url: listener.url.origin });
      let adminToken: string | undefined;
      if (options.adminPort !== false) {
        const saved = options.stableAdmin ? await loadAdminIdentity(dataDir) : undefined;
        const token = (adminToken = options.stableAdmin?.rotate
          ? newAdminToken()
          : (saved?.token ?? newAdminToken()));
        const asked = options.adminPort ?? 0;
        const start = (port: number) =>
          startAdminListener({
            api: admin,
            bus,
            host: '127.0.0.1',
            port,
            token,
            ...(options.listenerBounds ? { bounds: options.listenerBounds } : {}),
            ...(options.adminUiDir ? { uiDir: options.adminUiDir } : {}),
          });
        // An explicit --admin-port wins; otherwise the last run's port, or any free one if it is taken now.
        const preferred = asked === 0 && saved ? saved.port : asked;
        try {
          adminListener = await start(preferred);
        } catch (error) {
          if (preferred === asked || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
          bus.log('warn', 'ferry', `admin port ${preferred} is taken now; the window moved to a new port`);
          adminListener = await start(0);
        }
        if (options.stableAdmin)
          await saveAdminIdentity(dataDir, { port: Number(adminListener.url.port), token });
        bus.emit({ type: 'listener.ready', surface: 'admin', url: adminListener.url.origin });
      }
      runtime = {
        pid: process.pid,
        localUrl: listener.url.origin,
        publicUrl: origin,
        mcpUrl: `${origin}/mcp`,
        adminUrl: adminListener?.url.origin,
        adminToken,
      };
      if (options.writeRuntimeFile !== false) {
        await mkdir(dataDir, { recursive: true, mode: 0o700 });
        await writeFileAtomic(runtimePath, `${JSON.stringify(runtime, null, 2)}\n`, { mode: 0o600 });
      }
      return runtime;
    },
    async stop() {
      if (options.writeRuntimeFile !== false && runtime) await rm(runtimePath, { force: true });
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
