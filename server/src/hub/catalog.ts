import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type {
  Implementation,
  Notification,
  Prompt,
  Resource,
  ResourceTemplate,
  ServerCapabilities,
  Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { ToolGate } from '../policy/gate.js';
import type { Upstream } from '../upstream/upstream.js';
import { NameIndex } from './naming.js';
import { serverGone, type Scope } from './scope.js';
import { invalidParams, WireError } from './wireError.js';

/**
 * How long a name lookup waits for servers in scope that are still starting before it says "unknown"
 * (Ferry just restarted and Claude calls a cached tool at once): a child's own start-up bound.
 */
export const RESOLVE_SETTLE_MS = 30_000;

/** What a session's name catalog is built from: its scope, the children in it, and a bounded wait for them. */
export interface CatalogSource {
  readonly scope: Scope;
  upstreamsInScope(): Upstream[];
  /** Waits (bounded by `ms`) for children in scope that are starting or restarting; true if there were any. */
  settleStarting(ms: number): Promise<boolean>;
}

/** The lists and name indexes of one session, as of one catalog generation. */
export interface Catalogs {
  generation: number;
  tools: NameIndex<Tool>;
  prompts: NameIndex<Prompt>;
  toolList: Tool[];
  promptList: Prompt[];
  resources: Map<string, Upstream>;
  resourceList: Resource[];
  templates: { template: UriTemplate; upstream: Upstream; item: ResourceTemplate }[];
}

/** What a session says of the servers in scope (`initialize`, `server/discover`). */
export interface ServerDescription {
  capabilities: ServerCapabilities;
  serverInfo: Implementation;
  instructions?: string;
}

const AGGREGATE_CAPABILITIES: ServerCapabilities = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
};

/**
 * What `/mcp` offers of tasks when a child in scope runs tool calls as tasks: Ferry lists a client's
 * tasks across children itself, and forwards cancellation to the child that owns the task.
 */
const AGGREGATE_TASKS: NonNullable<ServerCapabilities['tasks']> = {
  list: {},
  cancel: {},
  requests: { tools: { call: {} } },
};

/**
 * One session's view of the names: on `/mcp` every server's tools and prompts under aggregated names
 * (prefixed where they clash), on `/mcp/<server>` one server's under their own. Rebuilt lazily when the
 * hub-wide generation (`ListChanges`) has moved on.
 */
export class SessionCatalog {
  #built: Catalogs | undefined;

  constructor(
    private readonly source: CatalogSource,
    private readonly generation: () => number,
    private readonly gate: ToolGate | undefined,
  ) {}

  /** Marks the catalog stale; the next list request rebuilds it. */
  invalidate(): void {
    this.#built = undefined;
  }

  /** The child of a `/mcp/<server>` session; undefined on `/mcp` or when the server is gone. */
  single(): Upstream | undefined {
    return this.source.scope.kind === 'server' ? this.source.upstreamsInScope()[0] : undefined;
  }

  now(): Catalogs {
    const generation = this.generation();
    if (this.#built && this.#built.generation === generation) return this.#built;
    const aggregate = this.source.scope.kind === 'all';
    const catalogs: Catalogs = {
      generation,
      tools: new NameIndex(),
      prompts: new NameIndex(),
      toolList: [],
      promptList: [],
      resources: new Map(),
      resourceList: [],
      templates: [],
    };
    const gate = this.gate;
    for (const upstream of this.source.upstreamsInScope()) {
      const catalog = upstream.catalog;
      if (!catalog || !upstream.isReady) continue;
      for (const tool of catalog.tools) {
        // A denied or held tool stays in the index, so a call of it is refused by name with a tool error
        // that says why, but it is left out of every list.
        const name = aggregate ? catalogs.tools.add(upstream.name, tool.name, tool) : tool.name;
        if (!aggregate) catalogs.tools.add(upstream.name, tool.name, tool);
        if (!name || (gate && !gate.visible(upstream.name, tool))) continue;
        catalogs.toolList.push(aggregate ? { ...tool, name } : tool);
      }
      for (const prompt of catalog.prompts) {
        const name = aggregate ? catalogs.prompts.add(upstream.name, prompt.name, prompt) : prompt.name;
        if (!aggregate) catalogs.prompts.add(upstream.name, prompt.name, prompt);
        if (name) catalogs.promptList.push(aggregate ? { ...prompt, name } : prompt);
      }
      for (const resource of catalog.resources) {
        if (catalogs.resources.has(resource.uri)) continue;
        catalogs.resources.set(resource.uri, upstream);
        catalogs.resourceList.push(resource);
      }
      for (const item of catalog.resourceTemplates) {
        try {
          catalogs.templates.push({ template: new UriTemplate(item.uriTemplate), upstream, item });
        } catch {
          // A template the SDK cannot parse can still be listed; it just cannot route reads.
          catalogs.templates.push({ template: new UriTemplate('{+never}'), upstream, item });
        }
      }
    }
    this.#built = catalogs;
    return catalogs;
  }

  /** What `initialize` and `server/discover` say about the servers in scope. */
  describe(version: string): ServerDescription {
    const instructions = this.#instructions();
    return {
      capabilities: this.#capabilities(),
      serverInfo: this.#serverInfo(version),
      ...(instructions ? { instructions } : {}),
    };
  }

  #capabilities(): ServerCapabilities {
    if (this.source.scope.kind === 'all') {
      const tasks = this.source
        .upstreamsInScope()
        .some((u) => u.catalog?.capabilities.tasks?.requests?.tools?.call);
      return tasks ? { ...AGGREGATE_CAPABILITIES, tasks: AGGREGATE_TASKS } : AGGREGATE_CAPABILITIES;
    }
    const catalog = this.single()?.catalog;
    if (!catalog) return AGGREGATE_CAPABILITIES;
    // Ferry re-announces lists after a child restarts, so listChanged holds even when the child lacks it.
    const caps: ServerCapabilities = { ...catalog.capabilities, logging: {} };
    if (caps.tools) caps.tools = { ...caps.tools, listChanged: true };
    if (caps.prompts) caps.prompts = { ...caps.prompts, listChanged: true };
    if (caps.resources) caps.resources = { ...caps.resources, listChanged: true };
    return caps;
  }

  #serverInfo(version: string): Implementation {
    if (this.source.scope.kind === 'server') {
      return this.single()?.catalog?.serverInfo ?? { name: this.source.scope.server, version: '0.0.0' };
    }
    return { name: 'ferry', title: 'Ferry', version };
  }

  #instructions(): string | undefined {
    if (this.source.scope.kind === 'server') return this.single()?.catalog?.instructions;
    const parts = this.source
      .upstreamsInScope()
      .filter((u) => u.catalog?.instructions)
      .map(
        (u) => `## ${u.name}\nTools of this server are prefixed "${u.name}__".\n${u.catalog?.instructions}`,
      );
    return parts.length > 0 ? parts.join('\n\n') : undefined;
  }

  /**
   * Exposed name -> (child, original name). A name not found while some server is still starting (Ferry
   * just restarted and Claude calls a cached tool at once) is looked up again once those servers settle.
   */
  async resolve(
    kind: 'tools' | 'prompts',
    name: unknown,
  ): Promise<{ upstream: Upstream; name: string; item?: Tool | Prompt }> {
    const what = kind === 'tools' ? 'tool' : 'prompt';
    if (typeof name !== 'string') throw invalidParams(`a ${what} "name" string is required`);
    if (this.source.scope.kind === 'server') {
      const upstream = this.single();
      if (!upstream) throw serverGone(this.source.scope);
      return { upstream, name };
    }
    const lookup = () => {
      const target = this.now()[kind].get(name);
      const upstream = target && this.source.upstreamsInScope().find((u) => u.name === target.server);
      return target && upstream ? { upstream, name: target.original, item: target.item } : undefined;
    };
    const found = lookup() ?? ((await this.source.settleStarting(RESOLVE_SETTLE_MS)) ? lookup() : undefined);
    if (!found) throw invalidParams(`Unknown ${what}: ${name}`);
    return found;
  }

  /**
   * The definition a child lists for `name` on `/mcp/<server>` (where names are not looked up in the
   * index). A child still starting is waited for, bounded, so a call right after a restart is judged by
   * the definition the child presents now, not let through undefined.
   */
  async toolDefinition(upstream: Upstream, name: string): Promise<Tool | undefined> {
    const gate = this.gate;
    const find = () => (upstream.catalog && gate ? gate.findTool(upstream.catalog.tools, name) : undefined);
    if (upstream.state === 'starting' || upstream.state === 'restarting') {
      await this.source.settleStarting(RESOLVE_SETTLE_MS);
    }
    return find();
  }

  /** Candidates for a resource URI, most likely first: listed, then template match, then any resource server. */
  resourceCandidates(uri: unknown): Upstream[] {
    if (typeof uri !== 'string') throw invalidParams('a resource "uri" string is required');
    if (this.source.scope.kind === 'server') {
      const upstream = this.single();
      if (!upstream) throw serverGone(this.source.scope);
      return [upstream];
    }
    const catalogs = this.now();
    const listed = catalogs.resources.get(uri);
    if (listed) return [listed];
    const matched = catalogs.templates.filter((t) => t.template.match(uri) !== null).map((t) => t.upstream);
    if (matched.length > 0) return [...new Set(matched)];
    const withResources = this.source
      .upstreamsInScope()
      .filter((u) => u.isReady && u.catalog?.capabilities.resources);
    if (withResources.length === 0) throw new WireError(-32002, `Resource not found: ${uri}`, { uri });
    return withResources;
  }
}

/** A session as the list announcements see it. */
export interface ListListener {
  includes(upstream: Upstream): boolean;
  invalidate(): void;
  notify(notification: Notification): void;
}

const LISTS = ['tools', 'prompts', 'resources'] as const;

/**
 * The hub-wide catalog generation and its announcements: whenever a child's catalog or readiness
 * changes (or tool policy does), every affected session's catalog goes stale and its client hears
 * `list_changed`.
 */
export class ListChanges {
  /** Bumped whenever any catalog or readiness changes; sessions rebuild their name indexes lazily. */
  generation = 0;

  constructor(private readonly gate: ToolGate | undefined) {}

  /** Something changed that no client needs to hear of (a pooled child came or went). */
  bump(): void {
    this.generation++;
  }

  /** Catalogs or readiness changed (of `upstream`, or of everything): each list is announced. */
  announce(sessions: Iterable<ListListener>, upstream?: Upstream): void {
    this.generation++;
    for (const session of sessions) {
      if (upstream && !session.includes(upstream)) continue;
      session.invalidate();
      for (const list of LISTS) session.notify({ method: `notifications/${list}/list_changed` });
    }
  }

  /** A child said one of its lists changed: the sessions that see it hear the same. */
  fromChild(sessions: Iterable<ListListener>, upstream: Upstream, notification: Notification): void {
    if (notification.method === 'notifications/tools/list_changed' && upstream.catalog)
      this.gate?.observe(upstream.name, upstream.catalog.tools);
    this.generation++;
    for (const session of sessions) {
      if (!session.includes(upstream)) continue;
      session.invalidate();
      session.notify(notification);
    }
  }
}
