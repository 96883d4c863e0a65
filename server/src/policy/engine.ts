import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ServerOptions, ToolPolicySettings } from '../config/schema.js';
import type { PolicySource, ToolPolicy } from './types.js';

export interface EffectivePolicy {
  policy: ToolPolicy;
  source: PolicySource;
}

/**
 * The policy a tool's own annotations suggest: a tool that says it only reads (and does not also say it
 * destroys) runs; anything else, an unannotated tool included, asks. Annotations are the server's own
 * claims: a hostile server can call a destructive tool read-only, which is why a user's explicit policy
 * always wins and why pinning catches a tool whose annotations change after it was first seen.
 */
export function annotationPolicy(tool: Pick<Tool, 'annotations'> | undefined): ToolPolicy {
  const hints = tool?.annotations;
  return hints?.readOnlyHint === true && hints.destructiveHint !== true ? 'allow' : 'ask';
}

/**
 * A tool's policy, most specific first: its own entry in `ferry.servers.<server>.tools`, its server's
 * `defaultToolPolicy`, the Ferry-wide `ferry.toolPolicy.default`, then its annotations. Pure and cheap (a
 * few property reads): it runs on every call and every list.
 */
export function effectivePolicy(
  name: string,
  tool: Pick<Tool, 'annotations'> | undefined,
  server: Pick<ServerOptions, 'defaultToolPolicy' | 'tools'> | undefined,
  settings: Pick<ToolPolicySettings, 'default'>,
): EffectivePolicy {
  const own = server?.tools && Object.hasOwn(server.tools, name) ? server.tools[name] : undefined;
  if (own) return { policy: own, source: 'tool' };
  if (server?.defaultToolPolicy) return { policy: server.defaultToolPolicy, source: 'server' };
  if (settings.default !== 'annotations') return { policy: settings.default, source: 'global' };
  return { policy: annotationPolicy(tool), source: 'annotations' };
}

/**
 * Everything in a config that decides tool policy, as one string: when it changes, every session's tool
 * list is rebuilt and announced (list_changed), so a policy edit applies at once, on both wires.
 */
export function policySignature(settings: {
  servers: Record<string, Pick<ServerOptions, 'defaultToolPolicy' | 'tools'>>;
  toolPolicy: Pick<ToolPolicySettings, 'default'>;
}): string {
  const servers = Object.entries(settings.servers).map(([name, o]) => [name, o.defaultToolPolicy, o.tools]);
  return JSON.stringify([settings.toolPolicy.default, servers]);
}
