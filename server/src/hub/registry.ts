import type {
  ClientCapabilities,
  JSONRPCRequest,
  Notification,
  Result,
  Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { isDeepStrictEqual } from 'node:util';
import type { FerryConfig, ServerOptions, ServerSpec } from '../config/schema.js';
import { childOptions, serverOptions } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import type { UpstreamState } from '../events/types.js';
import { secretRefs } from '../secrets/resolve.js';
import { Upstream, type UpstreamHooks, type UpstreamRequestExtra } from '../upstream/upstream.js';
import { freshProbeMemory, type ProbeMemory } from '../upstream/modernChild.js';
import { Conflict, NotFound } from '../util/errors.js';
import { ChildPool } from './childPool.js';
import type { HubOptions } from './options.js';
import { childCapabilities, type HubSession } from './session.js';

/** Capabilities Ferry claims toward a shared child: requests are routed to the session whose call caused them. */
const SHARED_CLIENT_CAPABILITIES: ClientCapabilities = { sampling: {}, elicitation: { form: {}, url: {} } };

/** How many of a shared child's last stderr lines a status carries. */
const STATUS_STDERR_LINES = 20;

interface ServerEntry {
  name: string;
  spec: ServerSpec;
  options: ServerOptions;
  /** The one child every session uses; absent for disabled and per-session servers. */
  shared: Upstream | undefined;
  /** What starts of this definition taught about probing it, shared by all its children. */
  probeMemory: ProbeMemory;
}

export interface ServerStatus {
  name: string;
  state: UpstreamState;
  reason: string | undefined;
  /** When the shared child entered its state (epoch ms); undefined without a shared child. */
  since: number | undefined;
  pid: number | undefined;
  sessionMode: ServerOptions['sessionMode'];
  command: string;
  args: string[];
  /** Names only: values can be secrets (or `${secret:…}` references) and stay out of every status. */
  envNames: string[];
  /** The env names whose values live in the secret store (`${secret:…}`), so the window can say so. */
  secretEnvNames: string[];
  cwd: string | undefined;
  tools: number;
  resources: number;
  prompts: number;
  serverInfo: { name: string; version: string } | undefined;
  /** The MCP revision the shared child speaks ("2026-07-28" for a modern, stateless child). */
  protocolVersion: string | undefined;
  stderrTail: string[];
  children: number;
}

/**
 * Where a child's traffic and state changes go (the routing part, `Router`), and what the registry
 * reads of the sessions: the registry starts and stops children, the router decides who hears them.
 */
export interface ChildRouting {
  /** Every open session. */
  sessions(): Iterable<HubSession>;
  onRequest(
    upstream: Upstream,
    request: JSONRPCRequest,
    extra: UpstreamRequestExtra,
    owner: HubSession | undefined,
  ): Promise<Result>;
  onNotification(upstream: Upstream, notification: Notification): void;
  /** A child's state changed (after the registry has published a shared child's status). */
  onState(upstream: Upstream, owner: HubSession | undefined): void;
  /** Why one more per-session child of `client` would break a cap; undefined when it fits. */
  overChildCap(client: string): string | undefined;
  /** Servers came, went or changed: every session's lists are rebuilt and announced. */
  changed(): void;
  /** The stateless wire's pool changed (a child came or went): lists are rebuilt, nothing announced. */
  pooled(): void;
}

/**
 * The configured servers: their entries, the shared child of each, the stateless wire's per-client
 * pool, and starting, stopping and restarting them as the config changes; plus what the window's status
 * shows of each.
 */
export class ServerRegistry {
  readonly #bus: EventBus;
  readonly #options: HubOptions;
  readonly #routing: ChildRouting;
  readonly #entries = new Map<string, ServerEntry>();
  /** Set by stop(): the entries stay for status views, and the next config starts every server afresh. */
  #stopped = false;
  /** Children of per-session servers kept per client for the stateless wire (which has no sessions). */
  readonly pool: ChildPool;

  constructor(options: HubOptions, routing: ChildRouting, idleMs: () => number) {
    this.#options = options;
    this.#bus = options.bus;
    this.#routing = routing;
    this.pool = new ChildPool({
      spawn: (server, client) => {
        const upstream = this.createUpstream(server, SHARED_CLIENT_CAPABILITIES, undefined, client);
        upstream?.start();
        return upstream;
      },
      overCap: (client) => routing.overChildCap(client),
      idleMs,
      changed: () => routing.pooled(),
      log: (server, message) => this.#bus.log('info', `server:${server}`, message),
    });
  }

  serverNames(): string[] {
    return [...this.#entries.values()].filter((e) => !e.spec.disabled).map((e) => e.name);
  }

  sharedUpstream(name: string): Upstream | undefined {
    return this.#entries.get(name)?.shared;
  }

  hasServer(name: string): boolean {
    return this.#entries.has(name);
  }

  isPerSession(name: string): boolean {
    const entry = this.#entries.get(name);
    return entry !== undefined && !entry.spec.disabled && entry.options.sessionMode === 'per-session';
  }

  /** Brings the running servers in line with a config: starts, stops and restarts only what changed. */
  async applyConfig(config: FerryConfig): Promise<void> {
    if (this.#stopped) {
      this.#stopped = false;
      this.#entries.clear();
    }
    const wanted = new Map(Object.entries(config.mcpServers));
    const work: Promise<void>[] = [];
    for (const name of this.#entries.keys()) {
      if (!wanted.has(name)) work.push(this.removeServer(name));
    }
    for (const [name, spec] of wanted) {
      const options = serverOptions(config, name);
      const entry = this.#entries.get(name);
      if (!entry) this.#addEntry(name, spec, options);
      else if (
        !isDeepStrictEqual(entry.spec, spec) ||
        !isDeepStrictEqual(childOptions(entry.options), childOptions(options))
      ) {
        work.push(this.#replaceEntry(entry, spec, options));
      } else {
        // Tool policy is read from the config on every call: it never needs the child restarted.
        entry.options = options;
      }
    }
    await Promise.all(work);
  }

  async removeServer(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (!entry) return;
    this.#entries.delete(name);
    await this.#stopEntry(entry, 'stopped');
    this.#routing.changed();
  }

  async restartServer(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (!entry) throw new NotFound(`no server named "${name}"`);
    if (entry.spec.disabled) throw new Conflict(`server "${name}" is disabled; enable it first`);
    if (entry.shared) await entry.shared.restart();
    for (const session of this.#routing.sessions()) {
      const own = session.own.get(name);
      if (own && !session.borrowed.has(own)) await own.restart();
    }
    await this.pool.restartServer(name);
  }

  #addEntry(name: string, spec: ServerSpec, options: ServerOptions): void {
    const entry: ServerEntry = { name, spec, options, shared: undefined, probeMemory: freshProbeMemory() };
    this.#entries.set(name, entry);
    this.#startEntry(entry);
  }

  async #replaceEntry(entry: ServerEntry, spec: ServerSpec, options: ServerOptions): Promise<void> {
    await this.#stopEntry(entry, spec.disabled ? 'disabled' : 'stopped');
    entry.spec = spec;
    entry.options = options;
    entry.probeMemory = freshProbeMemory();
    this.#startEntry(entry);
    this.#routing.changed();
  }

  #startEntry(entry: ServerEntry): void {
    if (entry.spec.disabled) {
      this.#bus.emit({ type: 'server.status', server: entry.name, state: 'disabled' });
      return;
    }
    if (entry.options.sessionMode === 'per-session') {
      this.#bus.emit({
        type: 'server.status',
        server: entry.name,
        state: 'ready',
        reason: 'one child per session',
      });
      for (const session of this.#routing.sessions()) session.startOwnUpstreams();
      return;
    }
    entry.shared = this.createUpstream(entry.name, SHARED_CLIENT_CAPABILITIES, undefined);
    entry.shared?.start();
  }

  async #stopEntry(entry: ServerEntry, finalState: 'stopped' | 'disabled'): Promise<void> {
    const work: Promise<void>[] = [];
    if (entry.shared) work.push(entry.shared.stop(finalState));
    entry.shared = undefined;
    work.push(this.pool.stopServer(entry.name));
    for (const session of this.#routing.sessions()) {
      const own = session.own.get(entry.name);
      if (own && session.borrowed.has(own)) {
        // The pool stops it; the session only lets go.
        session.own.delete(entry.name);
        session.borrowed.delete(own);
      } else if (own) {
        session.own.delete(entry.name);
        // The slot stays counted (as detached) until the process has exited.
        session.childSlots = Math.max(0, session.childSlots - 1);
        work.push(own.stop());
      }
    }
    await Promise.all(work);
    this.#bus.emit({ type: 'server.status', server: entry.name, state: finalState });
  }

  /**
   * A child of `name`: the shared one (no owner), one session's own (`owner`, started with its client's
   * capabilities), or one the stateless wire keeps for a client (`pooledFor`, the client id).
   */
  createUpstream(
    name: string,
    capabilities: ClientCapabilities,
    owner: HubSession | undefined,
    pooledFor?: string,
  ): Upstream | undefined {
    const entry = this.#entries.get(name);
    if (!entry) return undefined;
    const routing = this.#routing;
    const hooks: UpstreamHooks = {
      onRequest: (upstream, request, extra) => routing.onRequest(upstream, request, extra, owner),
      onNotification: (upstream, notification) => routing.onNotification(upstream, notification),
      onState: (upstream) => {
        this.#publishState(upstream, owner, pooledFor);
        routing.onState(upstream, owner);
      },
      onStderr: (upstream, line) => this.#bus.log('info', `server:${upstream.name}`, line),
      onProtocolError: (upstream, message) => this.#bus.log('warn', `server:${upstream.name}`, message),
    };
    return new Upstream({
      name,
      spec: entry.spec,
      options: entry.options,
      policy: this.#options.settings.ferry.restart,
      clientCapabilities: owner ? childCapabilities(capabilities) : capabilities,
      clientInfo: { name: 'ferry', version: this.#options.version },
      hooks,
      resolveEnv: this.#options.resolveEnv,
      initTimeoutMs: this.#options.initTimeoutMs,
      ...(this.#options.discoverTimeoutMs ? { discoverTimeoutMs: this.#options.discoverTimeoutMs } : {}),
      probeMemory: entry.probeMemory,
      maxMessageBytes: this.#options.settings.ferry.maxMessageBytes,
    });
  }

  /** A shared child's state is the server's status; a session's or client's child only logs its crash. */
  #publishState(upstream: Upstream, owner: HubSession | undefined, pooledFor: string | undefined): void {
    if (!owner && pooledFor === undefined) {
      this.#bus.emit({
        type: 'server.status',
        server: upstream.name,
        state: upstream.state,
        ...(upstream.reason ? { reason: upstream.reason } : {}),
        ...(upstream.pid ? { pid: upstream.pid } : {}),
      });
    } else if (upstream.state === 'crashed') {
      this.#bus.log(
        'error',
        `server:${upstream.name}`,
        `child of ${owner ? `session ${owner.id}` : `client ${pooledFor}`} crashed: ${upstream.reason}`,
      );
    }
  }

  /**
   * The tools of every configured server as Ferry knows them now: the shared child's catalog, or for a
   * per-session server the catalog of one of its running children.
   */
  toolCatalogs(): { server: string; tools: readonly Tool[] }[] {
    const out: { server: string; tools: readonly Tool[] }[] = [];
    for (const entry of this.#entries.values()) {
      let catalog = entry.shared?.catalog ?? this.pool.children(entry.name).find((u) => u.catalog)?.catalog;
      if (!catalog) {
        for (const session of this.#routing.sessions()) {
          catalog = session.own.get(entry.name)?.catalog;
          if (catalog) break;
        }
      }
      if (catalog) out.push({ server: entry.name, tools: catalog.tools });
    }
    return out;
  }

  statuses(): ServerStatus[] {
    const sessions = [...this.#routing.sessions()];
    return [...this.#entries.values()].map((entry) => {
      const upstream = entry.shared;
      const children =
        sessions.filter((s) => {
          const own = s.own.get(entry.name);
          return own !== undefined && !s.borrowed.has(own);
        }).length + this.pool.count(entry.name);
      const catalog = upstream?.catalog;
      return {
        name: entry.name,
        state: entry.spec.disabled
          ? 'disabled'
          : (upstream?.state ?? (entry.options.sessionMode === 'per-session' ? 'ready' : 'stopped')),
        reason: upstream?.reason,
        since: upstream?.stateSince,
        pid: upstream?.pid,
        sessionMode: entry.options.sessionMode,
        command: entry.spec.command,
        args: entry.spec.args ?? [],
        envNames: Object.keys(entry.spec.env ?? {}),
        secretEnvNames: secretRefs(entry.spec.env).map((ref) => ref.envVar),
        cwd: entry.spec.cwd,
        tools: catalog?.tools.length ?? 0,
        resources: catalog?.resources.length ?? 0,
        prompts: catalog?.prompts.length ?? 0,
        serverInfo: catalog
          ? { name: catalog.serverInfo.name, version: catalog.serverInfo.version }
          : undefined,
        protocolVersion: catalog?.protocolVersion,
        stderrTail: upstream?.stderr.tail.toArray(STATUS_STDERR_LINES) ?? [],
        children,
      };
    });
  }

  /** Resolves when every shared server has left starting/restarting (ready, crashed or stopped). */
  async whenSettled(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((e) => e.shared?.whenSettled() ?? Promise.resolve()));
  }

  /** Stops every child the registry runs, once `closeSessions` has closed the sessions (and their own children). */
  async stop(closeSessions: () => Promise<unknown>): Promise<void> {
    this.#stopped = true;
    await closeSessions();
    await this.pool.stopAll();
    await Promise.allSettled(
      [...this.#entries.values()].map((entry) => entry.shared?.stop() ?? Promise.resolve()),
    );
  }
}
