import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { createCore, type Core, type CoreOptions, type RuntimeInfo } from '../../src/core.js';
import type { TunnelTimings } from '../../src/tunnel/manager.js';
import { EventBus } from '../../src/events/bus.js';
import type { Stamped } from '../../src/events/types.js';
import { MemorySecretStore } from '../../src/secrets/memory.js';

export interface TestFerry {
  core: Core;
  runtime: RuntimeInfo;
  bus: EventBus;
  dataDir: string;
  configPath: string;
  mcpUrl: string;
  secrets: MemorySecretStore;
  /** Connects an SDK client to `/mcp` or `/mcp/<server>`. */
  connect(server?: string, capabilities?: ClientCapabilities): Promise<Client>;
  /** Resolves with the first event matching `predicate` (already emitted ones count). */
  waitFor(predicate: (event: Stamped) => boolean, timeoutMs?: number): Promise<Stamped>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Fast restarts so crash-loop tests finish in seconds. */
  restart?: Record<string, number>;
  ferry?: Record<string, unknown>;
  publicUrl?: string;
  /** Write no config file at all (demo mode). */
  noConfig?: boolean;
  /** OAuth in front of /mcp (off by default here: most tests are about MCP, not auth). */
  auth?: boolean;
  tunnel?: 'quick' | 'named' | 'off';
  tunnelTimings?: Partial<TunnelTimings>;
  /** Anything else for createCore (e.g. the tunnel's bundledBinDir). */
  coreOptions?: Partial<CoreOptions>;
  /** Use this data dir (a restart test); it is then the caller's to remove, `stop` leaves it. */
  dataDir?: string;
  /** Use this secret store (with `dataDir`, a restart keeps the OAuth signing key). */
  secrets?: MemorySecretStore;
}

/** A real core on 127.0.0.1:0 with its own temp data dir and config; everything is torn down by `stop`. */
export async function startFerry(
  servers: Record<string, Record<string, unknown>>,
  options: StartOptions = {},
): Promise<TestFerry> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'ferry-test-')));
  const configPath = path.join(dataDir, 'config.json');
  if (!options.noConfig) {
    const config = {
      mcpServers: servers,
      ferry: {
        restart: { initialBackoffMs: 50, maxBackoffMs: 400, killGraceMs: 500, ...options.restart },
        // Most fixtures' tools carry no annotations, so the real default ("ask") would park every call of
        // tests about something else; tests of per-tool control set `ferry.toolPolicy` themselves.
        toolPolicy: { default: 'allow' },
        ...options.ferry,
      },
    };
    await writeFile(configPath, JSON.stringify(config, null, 2));
  }
  const bus = new EventBus({ replayCapacity: 5000 });
  const secrets = options.secrets ?? new MemorySecretStore();
  const core = createCore(
    {
      dataDir,
      configPath,
      port: 0,
      adminPort: 0,
      host: '127.0.0.1',
      publicUrl: options.publicUrl,
      auth: options.auth ?? false,
      // Never a real tunnel from a test, even on a machine that has cloudflared; tunnel tests opt in.
      tunnel: options.tunnel ?? 'off',
      ...(options.tunnelTimings ? { tunnelTimings: options.tunnelTimings } : {}),
      ...(options.coreOptions ?? {}),
    },
    { bus, secrets },
  );
  const runtime = await core.start();
  const clients: Client[] = [];

  const waitFor = (predicate: (event: Stamped) => boolean, timeoutMs = 15_000): Promise<Stamped> =>
    new Promise((resolve, reject) => {
      const seen = bus.recent.toArray().find(predicate);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for an event`));
      }, timeoutMs);
      const unsubscribe = bus.subscribe((event) => {
        if (!predicate(event)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(event);
      });
    });

  return {
    core,
    runtime,
    bus,
    dataDir,
    configPath,
    mcpUrl: runtime.mcpUrl,
    secrets,
    async connect(server, capabilities = {}) {
      const client = new Client({ name: 'ferry-test', version: '1.0.0' }, { capabilities });
      const url = new URL(server ? `${runtime.localUrl}/mcp/${server}` : `${runtime.localUrl}/mcp`);
      await client.connect(new StreamableHTTPClientTransport(url));
      clients.push(client);
      return client;
    },
    waitFor,
    async stop() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await core.stop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until `server` reports `state` (already reported counts). */
export function serverState(ferry: TestFerry, server: string, state: string, timeoutMs?: number) {
  return ferry.waitFor(
    (e) => e.type === 'server.status' && e.server === server && e.state === state,
    timeoutMs,
  );
}
