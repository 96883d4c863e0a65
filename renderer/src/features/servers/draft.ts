import type {
  ConfigIssue,
  ServerInput,
  ServerOptionsInput,
  ServerSpecPatch,
  ServerStatus,
} from '../../api/types.js';

/** The add/edit form as the user typed it. */
export interface ServerDraft {
  name: string;
  command: string;
  /** One argument per line. */
  args: string;
  /** One KEY=VALUE per line. */
  env: string;
  cwd: string;
  sessionMode: 'shared' | 'per-session';
  /** Editing: new values typed in the masked per-variable fields (empty: unchanged). */
  envSet: Record<string, string>;
  /** Editing: variables to remove. */
  envRemove: string[];
}

export type FieldName = 'name' | 'command' | 'args' | 'env' | 'cwd' | 'sessionMode';

export const emptyDraft = (): ServerDraft => ({
  name: '',
  command: '',
  args: '',
  env: '',
  cwd: '',
  sessionMode: 'shared',
  envSet: {},
  envRemove: [],
});

/** What the form shows for an existing server (env and cwd are not reported by the core, so they start empty). */
export function draftFromStatus(server: ServerStatus): ServerDraft {
  return {
    name: server.name,
    command: server.command,
    args: server.args.join('\n'),
    env: '',
    cwd: '',
    sessionMode: server.sessionMode,
    envSet: {},
    envRemove: [],
  };
}

export function splitArgs(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line !== '');
}

export function parseEnv(text: string): { env: Record<string, string>; issues: ConfigIssue[] } {
  const env: Record<string, string> = {};
  const issues: ConfigIssue[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq === -1 ? '' : line.slice(0, eq).trim();
    if (eq === -1 || key === '') {
      issues.push({
        path: 'env',
        message: `line ${index + 1} ("${line.length > 40 ? `${line.slice(0, 40)}…` : line}") is not KEY=VALUE`,
        fix: 'write one variable per line as NAME=value',
      });
      return;
    }
    env[key] = line.slice(eq + 1);
  });
  return { env, issues };
}

export function envText(env: Record<string, string> | undefined): string {
  return Object.entries(env ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
}

/** The POST /servers body for a new server, or the problems found before sending anything. */
export function toInput(draft: ServerDraft): { input: ServerInput; issues: ConfigIssue[] } {
  const { env, issues } = parseEnv(draft.env);
  const args = splitArgs(draft.args);
  const spec: Record<string, unknown> = { command: draft.command.trim() };
  if (args.length > 0) spec.args = args;
  if (Object.keys(env).length > 0) spec.env = env;
  if (draft.cwd.trim() !== '') spec.cwd = draft.cwd.trim();
  const input: ServerInput = { name: draft.name.trim(), spec: spec as ServerInput['spec'] };
  if (draft.sessionMode !== 'shared') input.options = { sessionMode: draft.sessionMode };
  return { input, issues };
}

/**
 * The PATCH body for an edit: command and args always, env and cwd only when typed (empty keeps what the
 * config has), options only when the session mode changed. One request, so it is taken whole or not at all.
 */
export function toPatch(
  draft: ServerDraft,
  before: ServerStatus,
): {
  change: {
    spec: ServerSpecPatch;
    options?: ServerOptionsInput;
    envChanges?: { set: Record<string, string>; remove: string[] };
  };
  issues: ConfigIssue[];
} {
  const { env, issues } = parseEnv(draft.env);
  const spec: ServerSpecPatch = { command: draft.command.trim(), args: splitArgs(draft.args) };
  if (draft.cwd.trim() !== '') spec.cwd = draft.cwd.trim();
  const change: {
    spec: ServerSpecPatch;
    options?: ServerOptionsInput;
    envChanges?: { set: Record<string, string>; remove: string[] };
  } = { spec };
  // Per variable: the typed lines and the masked fields set values, removed names go, the rest is kept.
  const set = { ...env, ...Object.fromEntries(Object.entries(draft.envSet).filter(([, v]) => v !== '')) };
  if (Object.keys(set).length > 0 || draft.envRemove.length > 0)
    change.envChanges = { set, remove: draft.envRemove };
  if (draft.sessionMode !== before.sessionMode) change.options = { sessionMode: draft.sessionMode };
  return { change, issues };
}

/**
 * Which form field an API issue belongs to. The add endpoint answers with form paths (`name`, `args[1]`,
 * `env.TOKEN`, `options.sessionMode`); an edit is validated as part of the whole file, so its paths start with
 * `mcpServers.<name>.` or `ferry.servers.<name>.`.
 */
export function fieldOf(path: string, name?: string): FieldName | undefined {
  let p = path;
  if (name !== undefined) {
    for (const prefix of [`mcpServers.${name}.`, `mcpServers["${name}"].`])
      if (p.startsWith(prefix)) p = p.slice(prefix.length);
    for (const prefix of [`ferry.servers.${name}.`, `ferry.servers["${name}"].`])
      if (p.startsWith(prefix)) p = `options.${p.slice(prefix.length)}`;
    if (p === `mcpServers.${name}` || p === `mcpServers["${name}"]`) p = 'name';
  }
  if (p === 'name') return 'name';
  if (p === 'command') return 'command';
  if (/^args(\[\d+\]|\.\d+)?$/.test(p)) return 'args';
  if (p === 'env' || p.startsWith('env.') || p.startsWith('env[')) return 'env';
  if (p === 'cwd') return 'cwd';
  if (p === 'options' || p.startsWith('options.')) return 'sessionMode';
  return undefined;
}

export function issuesByField(
  issues: readonly ConfigIssue[],
  name?: string,
): { fields: Partial<Record<FieldName, ConfigIssue[]>>; other: ConfigIssue[] } {
  const fields: Partial<Record<FieldName, ConfigIssue[]>> = {};
  const other: ConfigIssue[] = [];
  for (const issue of issues) {
    const field = fieldOf(issue.path, name);
    if (field) (fields[field] ??= []).push(issue);
    else other.push(issue);
  }
  return { fields, other };
}
