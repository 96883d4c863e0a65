import { createHash } from 'node:crypto';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { PinnedDefinition } from './types.js';

/** The pinned parts of a tool, and only those (`_meta`, `icons` and unknown keys change nothing the model reads). */
export function pinnedDefinition(tool: Tool): PinnedDefinition {
  const out: PinnedDefinition = { name: tool.name, inputSchema: tool.inputSchema };
  if (tool.title !== undefined) out.title = tool.title;
  if (tool.description !== undefined) out.description = tool.description;
  if (tool.outputSchema !== undefined) out.outputSchema = tool.outputSchema;
  if (tool.annotations !== undefined) out.annotations = tool.annotations;
  return out;
}

/**
 * JSON with object keys sorted at every level, so a child that sends the same definition with its keys in
 * another order (a restart, another SDK version) keeps its pin.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** `sha256:<hex>` of the canonical JSON of the pinned parts. */
export function definitionDigest(definition: PinnedDefinition): string {
  return `sha256:${createHash('sha256').update(canonicalJson(definition)).digest('hex')}`;
}

/**
 * `sha256:<hex>` of the arguments' JSON text as the client sent them (key order kept: hashing is on the
 * call path and a canonical form would cost more). Equal digests mean equal arguments; a guessable value
 * (a short path, a yes/no) can be recovered from its digest by trying candidates, so the digest hides
 * nothing from someone who can guess.
 */
export function argumentsDigest(args: unknown): string {
  const text = args === undefined ? '' : (JSON.stringify(args) ?? '');
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
