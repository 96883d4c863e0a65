import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { shouldMoveSecret } from '../secrets/detect.js';
import { secretKeyFor } from '../secrets/keys.js';
import { parseSecretRef, secretRef } from '../secrets/resolve.js';
import type { SecretStore } from '../secrets/types.js';
import { ConfigError, configIoError } from './errors.js';
import { isPlainObject } from './issues.js';
import { parseJson } from './load.js';
import { claudeDesktopConfigPath } from './paths.js';
import type { ConfigDocument, ConfigFile } from './save.js';
import type { FerryConfig } from './schema.js';
import { validateServerInput } from './serverInput.js';

export type MoveSecrets = 'detected' | 'all' | 'none';

export interface ImportOptions {
  /** Default: Claude Desktop's config for this OS. */
  sourcePath?: string;
  target: ConfigFile;
  /** Required unless `moveSecrets` is `none`. */
  secrets?: SecretStore;
  moveSecrets: MoveSecrets;
  /** Replace servers Ferry already has under the same name (their `ferry.servers` options are kept). */
  overwrite?: boolean;
  /** What a name clash tells the user to do, in the caller's words (default: the CLI's `--overwrite`). */
  clashFix?: string;
}

export interface ImportedServer {
  name: string;
  /** Env var names whose values now live in the secret store. */
  movedSecrets: string[];
  /** It replaced a server of the same name (only with `overwrite`). */
  replaced: boolean;
  /** The program it runs, for a preview the user confirms (arguments are left out: they can hold keys). */
  command?: string;
}

export interface ImportReport {
  source: string;
  target: string;
  /** The store secrets move to; undefined with `moveSecrets: 'none'`. */
  secretStore: SecretStore['kind'] | undefined;
  imported: ImportedServer[];
  skipped: { name: string; reason: string }[];
}

/**
 * Copies Claude Desktop's local (stdio) servers into Ferry's config in one atomic write, moving secret-looking
 * env values into the secret store and writing `${secret:KEY}` in their place. What cannot or should not be
 * imported is skipped with a reason. If anything fails, secrets already moved are put back as they were and
 * the config is not written.
 */
export async function importClaudeDesktop(options: ImportOptions): Promise<ImportReport> {
  const source = path.resolve(options.sourcePath ?? claudeDesktopConfigPath());
  if (options.moveSecrets !== 'none' && options.secrets === undefined) {
    throw new TypeError(`importClaudeDesktop: moveSecrets "${options.moveSecrets}" needs a secret store`);
  }
  const entries = await readSourceServers(source);
  return (await importServers(entries, source, options)).report;
}

/**
 * The same import for entries that come from elsewhere (a snippet pasted in the window): `source` names
 * them in the report. Resolves with the report and the config as written.
 */
export async function importServers(
  entries: Record<string, unknown>,
  source: string,
  options: Omit<ImportOptions, 'sourcePath'>,
): Promise<{ report: ImportReport; config: FerryConfig | undefined }> {
  const store = options.moveSecrets === 'none' ? undefined : options.secrets;
  if (options.moveSecrets !== 'none' && store === undefined) {
    throw new TypeError(`importServers: moveSecrets "${options.moveSecrets}" needs a secret store`);
  }
  const report: ImportReport = {
    source,
    target: options.target.path,
    secretStore: store?.kind,
    imported: [],
    skipped: [],
  };
  const undo: { key: string; previous: string | undefined }[] = [];
  let config: FerryConfig | undefined;
  try {
    config = await options.target.update(async (document) => {
      const servers = serversOf(document);
      for (const [name, raw] of Object.entries(entries)) {
        const exists = Object.hasOwn(servers, name);
        const planned = planEntry(name, raw, exists, options);
        if ('skip' in planned) {
          report.skipped.push({ name, reason: planned.skip });
          continue;
        }
        const { spec, plan } = planned;
        if (plan.length > 0 && store)
          await moveSecrets(store, plan, spec.env as Record<string, string>, undo);
        Object.defineProperty(servers, name, {
          value: spec,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        report.imported.push({ name, movedSecrets: plan.map((p) => p.envVar), replaced: exists });
      }
    });
  } catch (error) {
    await restore(store, undo);
    throw error;
  }
  return { report, config };
}

/**
 * What `importServers` would do with `entries`, without writing anything or touching the secret store:
 * the servers it would add (with the env names whose values would move to the store) and the ones it
 * would skip, with the reason. The window shows this for the user to confirm.
 */
export async function previewImport(
  entries: Record<string, unknown>,
  source: string,
  options: Omit<ImportOptions, 'sourcePath' | 'secrets'> & { secretStore: SecretStore['kind'] | undefined },
): Promise<ImportReport> {
  const { config } = await options.target.load();
  const report: ImportReport = {
    source,
    target: options.target.path,
    secretStore: options.moveSecrets === 'none' ? undefined : options.secretStore,
    imported: [],
    skipped: [],
  };
  for (const [name, raw] of Object.entries(entries)) {
    const exists = Object.hasOwn(config.mcpServers, name);
    const planned = planEntry(name, raw, exists, options);
    if ('skip' in planned) report.skipped.push({ name, reason: planned.skip });
    else
      report.imported.push({
        name,
        movedSecrets: planned.plan.map((p) => p.envVar),
        replaced: exists,
        ...(typeof planned.spec.command === 'string' ? { command: planned.spec.command } : {}),
      });
  }
  return report;
}

/** One entry's fate: skipped with a reason, or its spec and the secrets to move out of it. */
function planEntry(
  name: string,
  raw: unknown,
  exists: boolean,
  options: { overwrite?: boolean; moveSecrets: MoveSecrets; clashFix?: string },
):
  | { skip: string }
  | { spec: Record<string, unknown>; plan: { envVar: string; key: string; value: string }[] } {
  const reason = skipReason(name, raw, exists && options.overwrite !== true, options.clashFix);
  if (reason !== undefined || !isPlainObject(raw)) return { skip: reason ?? 'not a server definition' };
  const spec = structuredClone(raw);
  const plan = secretsToMove(name, spec.env, options.moveSecrets);
  return typeof plan === 'string' ? { skip: plan } : { spec, plan };
}

/** The `mcpServers` of a Claude Desktop config file, with errors that name the file and the fix. */
export async function readSourceServers(source: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError(
        'config_not_found',
        source,
        `${source}: Claude Desktop config not found. Fix: check that Claude Desktop is installed and has MCP ` +
          'servers configured, or give the path of claude_desktop_config.json explicitly.',
        { cause: error },
      );
    }
    throw configIoError(source, 'read', error);
  }
  const document = parseJson(text, source);
  if (!isPlainObject(document)) {
    throw invalidSource(source, '(top level)', 'the file must hold one JSON object');
  }
  const servers = document.mcpServers ?? {};
  if (!isPlainObject(servers)) {
    throw invalidSource(source, 'mcpServers', 'mcpServers must be an object of servers by name');
  }
  return servers;
}

function invalidSource(source: string, at: string, message: string): ConfigError {
  const fix = 'repair the file in Claude Desktop (Settings, Developer, Edit Config)';
  return new ConfigError('config_invalid', source, `${source}: ${at}: ${message}. Fix: ${fix}.`, {
    issues: [{ path: at === '(top level)' ? '' : at, message, fix }],
  });
}

function serversOf(document: ConfigDocument): Record<string, unknown> {
  if (!isPlainObject(document.mcpServers)) document.mcpServers = {};
  return document.mcpServers as Record<string, unknown>;
}

/** Why this entry is not imported, in words for the report; undefined to import it. */
function skipReason(
  name: string,
  raw: unknown,
  clashes: boolean,
  clashFix = 'import with --overwrite to replace it',
): string | undefined {
  if (!isPlainObject(raw)) return 'not a server definition (expected an object with "command")';
  const remote = remoteDescription(raw);
  if (remote !== undefined) {
    return (
      `remote server (${remote}): Ferry only bridges local servers it starts itself; ` +
      'add it to claude.ai directly as a custom connector'
    );
  }
  const issues = validateServerInput(name, raw);
  const nameIssue = issues.find((issue) => issue.path === 'name');
  if (nameIssue)
    return `invalid name: ${nameIssue.message}; rename it in Claude Desktop's config and import again`;
  if (issues.length > 0) {
    return `invalid definition: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`;
  }
  if (clashes) return `Ferry already has a server with this name; ${clashFix}`;
  return undefined;
}

/** How a remote entry is shown; only the origin of its URL, since query strings can hold API keys. */
function remoteDescription(raw: Record<string, unknown>): string | undefined {
  const type = typeof raw.type === 'string' ? raw.type.toLowerCase() : undefined;
  if (raw.url === undefined && type !== 'sse' && type !== 'http' && type !== 'streamable-http')
    return undefined;
  if (typeof raw.url === 'string') {
    try {
      return `url ${new URL(raw.url).origin}`;
    } catch {
      return 'url';
    }
  }
  return `type "${String(raw.type)}"`;
}

/** The env values to move and their keys, or a skip reason if one cannot get a key. */
function secretsToMove(
  server: string,
  env: unknown,
  mode: MoveSecrets,
): { envVar: string; key: string; value: string }[] | string {
  if (mode === 'none' || !isPlainObject(env)) return [];
  const plan: { envVar: string; key: string; value: string }[] = [];
  for (const [envVar, value] of Object.entries(env)) {
    // Validated before, so every value is a string; references are already out of the config.
    if (typeof value !== 'string' || value === '' || parseSecretRef(value) !== undefined) continue;
    if (mode === 'detected' && !shouldMoveSecret(envVar, value)) continue;
    try {
      plan.push({ envVar, key: secretKeyFor(server, envVar), value });
    } catch {
      return (
        `env ${envVar} should move to the secret store but its name cannot be a secret key; ` +
        'rename the variable, or import with secrets left in the config'
      );
    }
  }
  return plan;
}

/** Stores each value, remembering what it replaced, and puts the reference in the env block instead. */
async function moveSecrets(
  store: SecretStore,
  plan: readonly { envVar: string; key: string; value: string }[],
  env: Record<string, string>,
  undo: { key: string; previous: string | undefined }[],
): Promise<void> {
  for (const { envVar, key, value } of plan) {
    undo.push({ key, previous: await store.get(key) });
    await store.set(key, value);
    // defineProperty: plain assignment to a variable named `__proto__` would leave the plaintext in place.
    Object.defineProperty(env, envVar, {
      value: secretRef(key),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

/** Puts the store back as it was before a failed import. Best effort: the original error is what gets reported. */
async function restore(
  store: SecretStore | undefined,
  undo: readonly { key: string; previous: string | undefined }[],
): Promise<void> {
  if (!store) return;
  for (const { key, previous } of [...undo].reverse()) {
    try {
      if (previous === undefined) await store.delete(key);
      else await store.set(key, previous);
    } catch {
      // Keep undoing the rest; a store that fails now failed the import too and that error is rethrown.
    }
  }
}

/** The report as lines for the terminal. */
export function formatImportReport(report: ImportReport): string[] {
  const lines: string[] = [];
  const total = report.imported.length + report.skipped.length;
  if (total === 0) return [`No MCP servers found in ${report.source}.`];
  const where = storeDescription(report.secretStore);
  if (report.imported.length > 0) {
    lines.push(
      `Imported ${plural(report.imported.length, 'server')} from ${report.source} into ${report.target}:`,
    );
    for (const server of report.imported) {
      const notes = [
        ...(server.replaced ? ['replaced the existing server'] : []),
        ...(server.movedSecrets.length > 0 ? [`moved ${server.movedSecrets.join(', ')} to ${where}`] : []),
      ];
      lines.push(`  + ${server.name}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`);
    }
  } else {
    lines.push(`Imported nothing from ${report.source}.`);
  }
  if (report.skipped.length > 0) {
    lines.push(`Skipped ${plural(report.skipped.length, 'server')}:`);
    for (const { name, reason } of report.skipped) lines.push(`  - ${name}: ${reason}`);
  }
  return lines;
}

function storeDescription(kind: SecretStore['kind'] | undefined): string {
  if (kind === 'keychain') return 'the OS keychain';
  if (kind === 'file') return "Ferry's secrets file";
  return 'memory (gone when Ferry exits)';
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
