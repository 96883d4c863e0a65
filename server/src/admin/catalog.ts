import type { Hub } from '../hub/hub.js';
import { NameIndex } from '../hub/naming.js';
import { displayText } from '../util/displayText.js';

/** Bounds of what the tools list sends per server: enough for real servers, never a runaway child's megabytes. */
export const CATALOG_LIMITS = {
  /** Items per list (tools, resources, templates, prompts). */
  items: 500,
  /** Characters of a description (the window folds long ones anyway). */
  description: 4000,
} as const;

export interface ExposedTool {
  /** The name clients see on `/mcp` (`<server>__<tool>`); undefined when it lost a name collision. */
  exposedName: string | undefined;
  /** The child's own name (also what `/mcp/<server>` shows). */
  name: string;
  title: string | undefined;
  description: string | undefined;
  /** The MCP tool annotations as the child declared them (hints, not guarantees). */
  annotations: {
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
  };
  /** JSON Schema of the arguments, for the window's test-call form. */
  inputSchema: unknown;
}

export interface ServerCatalogView {
  server: string;
  /** False until the shared child has listed its catalog (starting, crashed, disabled, per-session). */
  known: boolean;
  /** Per-session servers start one child per client session: their lists are only known inside one. */
  perSession: boolean;
  tools: ExposedTool[];
  resources: { uri: string; name: string; title?: string; description?: string; mimeType?: string }[];
  resourceTemplates: { uriTemplate: string; name: string; title?: string; description?: string }[];
  prompts: {
    exposedName: string | undefined;
    name: string;
    title?: string;
    description?: string;
    arguments: { name: string; description?: string; required?: boolean }[];
  }[];
}

const text = (value: unknown, max: number = CATALOG_LIMITS.description): string | undefined =>
  typeof value === 'string' ? displayText(value, max) : undefined;

/**
 * One server's tools, resources and prompts as clients see them on `/mcp`: exposed names are computed the
 * way every aggregate session computes them (servers in config order, first one wins a collision).
 */
export function exposedCatalog(hub: Hub, server: string): ServerCatalogView {
  const perSession = hub.isPerSession(server);
  const upstream = hub.sharedUpstream(server);
  const catalog = upstream?.isReady ? upstream.catalog : undefined;
  const view: ServerCatalogView = {
    server,
    known: catalog !== undefined,
    perSession,
    tools: [],
    resources: [],
    resourceTemplates: [],
    prompts: [],
  };
  if (!catalog) return view;
  const tools = new NameIndex<unknown>();
  const prompts = new NameIndex<unknown>();
  const exposedTools = new Map<string, string | undefined>();
  const exposedPrompts = new Map<string, string | undefined>();
  for (const name of hub.serverNames()) {
    const other = hub.sharedUpstream(name);
    if (!other?.isReady || !other.catalog) continue;
    for (const tool of other.catalog.tools) {
      const exposed = tools.add(name, tool.name, tool);
      if (name === server) exposedTools.set(tool.name, exposed);
    }
    for (const prompt of other.catalog.prompts) {
      const exposed = prompts.add(name, prompt.name, prompt);
      if (name === server) exposedPrompts.set(prompt.name, exposed);
    }
  }
  view.tools = catalog.tools.slice(0, CATALOG_LIMITS.items).map((tool) => {
    const a = tool.annotations ?? {};
    const annotations: ExposedTool['annotations'] = {};
    for (const key of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
      if (typeof a[key] === 'boolean') annotations[key] = a[key];
    }
    return {
      exposedName: exposedTools.get(tool.name),
      name: tool.name,
      title: text(tool.title ?? a.title, 200),
      description: text(tool.description),
      annotations,
      inputSchema: tool.inputSchema,
    };
  });
  view.resources = catalog.resources.slice(0, CATALOG_LIMITS.items).map((r) => ({
    uri: r.uri,
    name: r.name,
    ...(r.title ? { title: r.title } : {}),
    ...(r.description ? { description: text(r.description) } : {}),
    ...(r.mimeType ? { mimeType: r.mimeType } : {}),
  }));
  view.resourceTemplates = catalog.resourceTemplates.slice(0, CATALOG_LIMITS.items).map((r) => ({
    uriTemplate: r.uriTemplate,
    name: r.name,
    ...(r.title ? { title: r.title } : {}),
    ...(r.description ? { description: text(r.description) } : {}),
  }));
  view.prompts = catalog.prompts.slice(0, CATALOG_LIMITS.items).map((p) => ({
    exposedName: exposedPrompts.get(p.name),
    name: p.name,
    ...(p.title ? { title: p.title } : {}),
    ...(p.description ? { description: text(p.description) } : {}),
    arguments: (p.arguments ?? []).map((arg) => ({
      name: arg.name,
      ...(arg.description ? { description: arg.description } : {}),
      ...(arg.required !== undefined ? { required: arg.required } : {}),
    })),
  }));
  return view;
}
