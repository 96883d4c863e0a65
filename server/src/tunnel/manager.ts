import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { SettingsView } from '../config/live.js';
import type { EventBus } from '../events/bus.js';
import type { TunnelMode, TunnelState } from '../events/types.js';
import { findCloudflared, installCloudflared, missingBinaryAdvice, type FoundBinary } from './binary.js';
import { TunnelLogParser } from './logParser.js';
import { writeIngressConfig, tunnelIdFrom } from './ingress.js';
import { freePort, probeReady } from './readiness.js';

export interface TunnelTimings {
  /** First restart delay after cloudflared exits; doubles up to `maxBackoffMs`. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** How often `/ready` is polled once connected. */
  pollMs: number;
  /** A tunnel not ready for this long (hung after sleep, network change) is restarted. */
  stuckAfterMs: number;
  /** How long cloudflared may take from start to its first ready connection. */
  connectTimeoutMs: number;
  killGraceMs: number;
}

export const DEFAULT_TUNNEL_TIMINGS: TunnelTimings = {
  initialBackoffMs: 1000,
  maxBackoffMs: 60_000,
  pollMs: 5000,
  stuckAfterMs: 30_000,
  connectTimeoutMs: 45_000,
  killGraceMs: 3000,
};

export interface TunnelManagerOptions {
  bus: EventBus;
  /** The public listener's local origin, e.g. `http://127.0.0.1:8790`. */
  target: () => string;
  dataDir: string;
  /**
   * `ferry.tunnel`, read at each start: the configured binary; for named tunnels the hostname configured in
   * Cloudflare's dashboard and, for a locally-managed tunnel, its credentials file (then Ferry runs it
   * without a token, from a config file it writes with the ingress rules: main hostname and per-server
   * hostnames to Ferry's listener); the per-server hostnames (server -> hostname), routed by Host.
   */
  settings: SettingsView<'tunnel'>;
  bundledDir?: string;
  /** Download cloudflared on first use when none is found. */
  allowInstall?: boolean;
  /** Named tunnels: the token (from the keychain). */
  namedToken: () => Promise<string | undefined>;
  timings?: Partial<TunnelTimings>;
}

interface Run {
  child: ChildProcess;
  metrics: string;
  url: string | undefined;
  registered: Set<number>;
  lastError: string | undefined;
  exited: Promise<void>;
}

/**
 * Supervises cloudflared: finds (or installs) the binary, starts a quick or named tunnel, reads the public
 * URL from its log, confirms readiness on `/ready`, and restarts it with backoff when it exits, fails its
 * first connection, or hangs (after sleep or a network change) — never busy-looping, never orphaning it.
 */
export class TunnelManager {
  #state: TunnelState = 'off';
  #mode: TunnelMode = 'off';
  #publicUrl: string | undefined;
  #reason: string | undefined;
  #run: Run | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake: AbortController | undefined;
  #lastQuickUrl: string | undefined;
  readonly #timings: TunnelTimings;

  constructor(private readonly options: TunnelManagerOptions) {
    this.#timings = { ...DEFAULT_TUNNEL_TIMINGS, ...options.timings };
  }

  get state(): TunnelState {
    return this.#state;
  }
  get mode(): TunnelMode {
    return this.#mode;
  }
  /** The public origin while a tunnel is up (kept while it reconnects), else undefined. */
  get publicUrl(): string | undefined {
    return this.#state === 'off' ? undefined : this.#publicUrl;
  }
  get reason(): string | undefined {
    return this.#reason;
  }
  get pid(): number | undefined {
    return this.#run?.child.pid;
  }
  /** Per-server hostnames as configured (server -> hostname). */
  get serverHostnames(): Readonly<Record<string, string>> {
    return this.options.settings.ferry.tunnel.serverHostnames;
  }

  async start(mode: 'quick' | 'named'): Promise<void> {
    if (this.#loop && this.#mode === mode) return;
    await this.stop();
    this.#mode = mode;
    this.#stopping = false;
    this.#loop = this.#supervise(mode).finally(() => {
      this.#loop = undefined;
    });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.abort();
    if (this.#run) await this.#kill(this.#run);
    await this.#loop;
    if (this.#state !== 'off' || this.#mode !== 'off') {
      this.#mode = 'off';
      this.#publicUrl = undefined;
      this.#set('off');
    }
  }

  /** Resolves when connected; rejects with the reason when it gives up or `timeoutMs` passes. */
  whenConnected(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.#state === 'connected' && this.#publicUrl) return resolve(this.#publicUrl);
      const timer = setTimeout(() => {
        off();
        reject(new Error(this.#reason ?? 'the tunnel did not connect in time'));
      }, timeoutMs);
      const off = this.options.bus.on('tunnel.state', (event) => {
        if (event.state === 'connected' && event.publicUrl) {
          clearTimeout(timer);
          off();
          resolve(event.publicUrl);
        } else if (event.state === 'off') {
          clearTimeout(timer);
          off();
          reject(new Error('the tunnel was stopped'));
        }
      });
    });
  }

  #set(state: TunnelState, reason?: string): void {
    this.#state = state;
    this.#reason = reason;
    this.options.bus.emit({
      type: 'tunnel.state',
      mode: this.#mode,
      state,
      ...(this.#publicUrl && state !== 'off' ? { publicUrl: this.#publicUrl } : {}),
      ...(reason ? { reason } : {}),
    });
  }

  async #binary(): Promise<FoundBinary | undefined> {
    const installDir = path.join(this.options.dataDir, 'bin');
    const configured = this.options.settings.ferry.tunnel.binary;
    const found = await findCloudflared({ configured, bundledDir: this.options.bundledDir, installDir });
    if (found || configured || !this.options.allowInstall) return found;
    this.#set('installing', 'downloading cloudflared (first use)');
    try {
      const installed = await installCloudflared(installDir, (bytes) =>
        this.options.bus.log('info', 'tunnel', `downloading cloudflared: ${(bytes / 1048576).toFixed(1)} MB`),
      );
      this.options.bus.log('info', 'tunnel', `cloudflared installed at ${installed}`);
      return { path: installed, source: 'installed' };
    } catch (error) {
      this.options.bus.log('warn', 'tunnel', `cloudflared download failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  async #supervise(mode: 'quick' | 'named'): Promise<void> {
    const binary = await this.#binary();
    if (!binary) {
      this.#set(
        'failed',
        missingBinaryAdvice(
          path.join(this.options.dataDir, 'bin'),
          this.options.settings.ferry.tunnel.binary,
        ),
      );
      return;
    }
    let failures = 0;
    let everConnected = false;
    while (!this.#stopping) {
      this.#set(everConnected ? 'reconnecting' : 'starting', everConnected ? this.#reason : undefined);
      let run: Run;
      try {
        run = await this.#launch(binary.path, mode);
      } catch (error) {
        this.#set('failed', (error as Error).message);
        return;
      }
      const connected = await this.#awaitConnection(run);
      if (connected) {
        failures = 0;
        everConnected = true;
        this.#onConnected(mode, run);
        await this.#monitor(run);
      }
      if (this.#stopping) break;
      await this.#kill(run);
      failures++;
      const delay = Math.min(
        this.#timings.initialBackoffMs * 2 ** (failures - 1),
        this.#timings.maxBackoffMs,
      );
      const why =
        run.lastError ?? (connected ? 'cloudflared lost its connection' : 'cloudflared did not connect');
      this.#set(
        everConnected ? 'reconnecting' : 'failed',
        `${why}; retrying in ${Math.round(delay / 1000)}s`,
      );
      await this.#sleep(delay);
    }
  }

  async #launch(binaryPath: string, mode: 'quick' | 'named'): Promise<Run> {
    const metrics = `127.0.0.1:${await freePort()}`;
    const target = this.options.target();
    let token: string | undefined;
    let configFile: string | undefined;
    if (mode === 'named') {
      const hostname = this.options.settings.ferry.tunnel.hostname;
      if (!hostname) throw new Error('no hostname set for the named tunnel (ferry.tunnel.hostname)');
      const credentialsFile = this.options.settings.ferry.tunnel.credentialsFile;
      if (credentialsFile) {
        // Locally managed: the ingress rules are Ferry's to write (a token-run tunnel takes the dashboard's).
        configFile = await writeIngressConfig(this.options.dataDir, {
          tunnelId: await tunnelIdFrom(credentialsFile),
          credentialsFile: path.resolve(credentialsFile),
          hostnames: [hostname, ...Object.values(this.serverHostnames)].map((h) => h.toLowerCase()),
          service: target,
        });
      } else {
        token = await this.options.namedToken();
        if (!token)
          throw new Error(
            'no tunnel token saved: paste the token from the Cloudflare dashboard in Ferry (docs/tunnel.md)',
          );
        this.#adviseDashboardHostnames(target);
      }
    }
    const args =
      mode === 'quick'
        ? ['tunnel', '--no-autoupdate', '--metrics', metrics, '--url', target]
        : [
            'tunnel',
            '--no-autoupdate',
            '--metrics',
            metrics,
            ...(configFile ? ['--config', configFile] : []),
            'run',
          ];
    const { Tunnel, use } = await import('cloudflared');
    use(binaryPath);
    // The package spawns with the current environment; the token goes there rather than into argv,
    // where any local user could read it with `ps`. Spawning is synchronous, so nothing else sees it.
    if (token) process.env.TUNNEL_TOKEN = token;
    let tunnel;
    try {
      tunnel = new Tunnel(args);
    } finally {
      delete process.env.TUNNEL_TOKEN;
    }
    const child = tunnel.process;
    const run: Run = {
      child,
      metrics,
      url: undefined,
      registered: new Set(),
      lastError: undefined,
      exited: new Promise((resolve) => child.once('exit', () => resolve())),
    };
    tunnel.on('error', (error) => {
      run.lastError = `could not run cloudflared: ${error.message}`;
    });
    const parser = new TunnelLogParser();
    const onOutput = (chunk: string) => {
      for (const fact of parser.push(chunk)) {
        if (fact.kind === 'url') run.url = fact.url;
        else if (fact.kind === 'registered') run.registered.add(fact.connIndex);
        else if (fact.kind === 'unregistered') run.registered.delete(fact.connIndex);
        else if (fact.kind === 'failed') run.lastError = fact.message;
        else if (fact.level !== 'debug') {
          if (fact.level === 'error') run.lastError = fact.message;
          this.options.bus.log(fact.level === 'info' ? 'debug' : fact.level, 'tunnel', fact.message);
        }
      }
    };
    tunnel.on('stderr', onOutput);
    tunnel.on('stdout', onOutput);
    this.#run = run;
    return run;
  }

  /** A token-run tunnel routes what the Cloudflare dashboard says: per-server hostnames must be added there. */
  #adviseDashboardHostnames(target: string): void {
    const hostnames = Object.values(this.serverHostnames);
    if (hostnames.length === 0) return;
    this.options.bus.log(
      'info',
      'tunnel',
      `per-server hostnames need a public hostname each in the tunnel's Cloudflare dashboard page, service ${target}: ${hostnames.join(', ')} (docs/tunnel.md)`,
    );
  }

  /** Connected means: cloudflared said so, gave a usable URL (quick), and `/ready` answers 200. */
  async #awaitConnection(run: Run): Promise<boolean> {
    const deadline = Date.now() + this.#timings.connectTimeoutMs;
    let exited = false;
    void run.exited.then(() => (exited = true));
    while (!exited && !this.#stopping && Date.now() < deadline) {
      const haveUrl = this.#mode === 'named' || run.url !== undefined;
      if (haveUrl && run.registered.size > 0 && (await probeReady(run.metrics, 2000))) return true;
      await Promise.race([run.exited, new Promise((resolve) => setTimeout(resolve, 200))]);
    }
    if (!exited && !this.#stopping)
      run.lastError ??= `cloudflared did not become ready within ${this.#timings.connectTimeoutMs / 1000}s`;
    return false;
  }

  #onConnected(mode: 'quick' | 'named', run: Run): void {
    const url =
      mode === 'named'
        ? `https://${this.options.settings.ferry.tunnel.hostname as string}`
        : (run.url as string);
    const previous = this.#lastQuickUrl;
    this.#publicUrl = url;
    this.#set('connected');
    if (mode === 'quick') {
      if (previous && previous !== url) {
        this.options.bus.emit({
          type: 'tunnel.url-changed',
          previous,
          current: url,
          message:
            `The public URL changed from ${previous} to ${url}: quick tunnels get a new address every time they start. ` +
            `Remove the old connector in Claude and add ${url}/mcp. A named tunnel keeps one address for good (docs/tunnel.md).`,
        });
      }
      this.#lastQuickUrl = url;
    }
  }

  /** Watches a connected tunnel until it exits or stays unready past `stuckAfterMs`. */
  async #monitor(run: Run): Promise<void> {
    let exited = false;
    void run.exited.then(() => (exited = true));
    let unreadySince: number | undefined;
    while (!exited && !this.#stopping) {
      await Promise.race([run.exited, this.#sleep(this.#timings.pollMs)]);
      if (exited || this.#stopping) return;
      const ready = await probeReady(run.metrics, Math.min(3000, this.#timings.pollMs));
      if (ready) {
        if (unreadySince !== undefined) this.#set('connected');
        unreadySince = undefined;
        continue;
      }
      unreadySince ??= Date.now();
      if (this.#state === 'connected')
        this.#set(
          'reconnecting',
          'cloudflared lost its connection to Cloudflare; waiting for it to reconnect',
        );
      if (Date.now() - unreadySince >= this.#timings.stuckAfterMs) {
        run.lastError = `cloudflared was not ready for ${Math.round(this.#timings.stuckAfterMs / 1000)}s (stuck after sleep or a network change?); restarting it`;
        this.options.bus.log('warn', 'tunnel', run.lastError);
        return;
      }
    }
  }

  async #kill(run: Run): Promise<void> {
    const { child } = run;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const gone = await Promise.race([
        run.exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), this.#timings.killGraceMs)),
      ]);
      if (!gone) child.kill('SIGKILL');
      await run.exited;
    }
    if (this.#run === run) this.#run = undefined;
  }

  #sleep(ms: number): Promise<void> {
    this.#wake = new AbortController();
    const signal = this.#wake.signal;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
