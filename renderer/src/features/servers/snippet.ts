import { emptyDraft, envText, type ServerDraft } from './draft.js';

export interface SnippetServer {
  draft: ServerDraft;
  /** Why this entry cannot be added as it is (a remote `url` server), if so. */
  problem?: string;
}

export type SnippetResult =
  | {
      ok: true;
      servers: SnippetServer[];
      /** The named entries as they came, for importing them all at once (a bare server has no name). */
      entries: Record<string, unknown>;
    }
  | { ok: false; message: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const looksLikeSpec = (value: unknown): value is Record<string, unknown> =>
  isObject(value) && (typeof value.command === 'string' || typeof value.url === 'string');

/**
 * Reads what users copy from a Claude Desktop config: the whole file (`{"mcpServers": {...}}`, with Ferry's own
 * `ferry.servers` options if present), a `{"name": {...}}` map, a bare server object, or a `"name": {...}` entry
 * cut out of the middle of a file (trailing commas forgiven).
 */
export function parseSnippet(text: string): SnippetResult {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: 'Paste a JSON snippet first.' };
  const parsed = parseLenient(trimmed);
  if (parsed === undefined) {
    return {
      ok: false,
      message:
        'This is not JSON. Copy the "mcpServers" block of claude_desktop_config.json, one server entry, or a server object with "command".',
    };
  }
  let map: Record<string, unknown>;
  let options: Record<string, unknown> = {};
  if (isObject(parsed) && isObject(parsed.mcpServers)) {
    map = parsed.mcpServers;
    const ferry = parsed.ferry;
    if (isObject(ferry) && isObject(ferry.servers)) options = ferry.servers;
  } else if (looksLikeSpec(parsed)) {
    map = { '': parsed };
  } else if (
    isObject(parsed) &&
    Object.values(parsed).length > 0 &&
    Object.values(parsed).every(looksLikeSpec)
  ) {
    map = parsed;
  } else {
    return {
      ok: false,
      message:
        'No server found: expected {"mcpServers": {...}}, {"name": {"command": ...}} or {"command": ...}.',
    };
  }
  const servers: SnippetServer[] = [];
  for (const [name, spec] of Object.entries(map)) {
    if (!isObject(spec)) continue;
    const draft = emptyDraft();
    draft.name = name;
    if (typeof spec.command === 'string') draft.command = spec.command;
    if (Array.isArray(spec.args)) draft.args = spec.args.map(String).join('\n');
    if (isObject(spec.env))
      draft.env = envText(Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, String(v)])));
    if (typeof spec.cwd === 'string') draft.cwd = spec.cwd;
    const serverOptions = options[name];
    if (isObject(serverOptions) && serverOptions.sessionMode === 'per-session')
      draft.sessionMode = 'per-session';
    const problem =
      typeof spec.command !== 'string' && typeof spec.url === 'string'
        ? `"${name || 'this server'}" is a remote server (${spec.url}); Ferry bridges local servers it starts with a command. Add it to claude.ai directly instead.`
        : undefined;
    servers.push(problem ? { draft, problem } : { draft });
  }
  if (servers.length === 0) return { ok: false, message: 'The snippet has no server entries.' };
  const entries = Object.fromEntries(Object.entries(map).filter(([name]) => name !== ''));
  return { ok: true, servers, entries };
}

function parseLenient(text: string): unknown {
  const attempts = [text, text.replace(/,\s*$/, '')];
  attempts.push(`{${attempts[1] as string}}`);
  for (const attempt of attempts) {
    for (const candidate of [attempt, attempt.replace(/,(\s*[}\]])/g, '$1')]) {
      try {
        return JSON.parse(candidate) as unknown;
      } catch {
        // next
      }
    }
  }
  return undefined;
}
