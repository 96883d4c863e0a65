import { readFile } from 'node:fs/promises';
import { ConfigError, configIoError } from './errors.js';
import { formatIssues, serverNameIssues, toConfigIssues } from './issues.js';
import { locateJsonError, positionFromV8 } from './jsonSyntax.js';
import { configSchema, type FerryConfig } from './schema.js';

export interface LoadedConfig {
  /** Validated, with defaults filled in: what the rest of Ferry runs on. */
  config: FerryConfig;
  /** The raw JSON as written, unknown keys included: what mutations edit, so nothing the user wrote is lost. */
  document: Record<string, unknown>;
  exists: boolean;
}

/** A missing file is a fresh install: defaults, `exists: false`. Anything unreadable or invalid throws ConfigError. */
export async function loadConfig(file: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { config: configSchema.parse({}), document: {}, exists: false };
    }
    throw configIoError(file, 'read', error);
  }
  return parseConfigText(text, file);
}

export function parseConfigText(text: string, file: string): LoadedConfig {
  // A blank file (e.g. `touch config.json`) holds nothing to lose; treating it as {} beats refusing it.
  const document = text.trim() === '' ? {} : parseJson(text, file);
  const config = validateConfigDocument(document, file);
  // validateConfigDocument only succeeds for an object, so the cast is a narrowing the schema already proved.
  return { config, document: document as Record<string, unknown>, exists: true };
}

/** JSON.parse with an error that names the file, line, column and the fix. Strips the BOM Notepad writes. */
export function parseJson(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    const located = locateJsonError(body);
    const v8 = error instanceof Error ? error.message : String(error);
    const { line, column } = located ?? positionFromV8(body, v8);
    const problem = located?.problem ?? v8;
    const fix = located?.fix ?? 'correct the JSON at that position';
    return throwSyntax(file, line, column, problem, fix, error);
  }
}

function throwSyntax(
  file: string,
  line: number,
  column: number,
  problem: string,
  fix: string,
  cause: unknown,
): never {
  throw new ConfigError(
    'config_syntax',
    file,
    // The place once, as editors and terminals link it (file:line:column).
    `${file}:${line}:${column}: not valid JSON: ${problem}. Fix: ${fix}.`,
    { cause, line, column },
  );
}

/** Schema validation with every issue, its field path and a fix, both in the message and as `issues`. */
export function validateConfigDocument(document: unknown, file: string): FerryConfig {
  const result = configSchema.safeParse(document);
  const issues = result.success ? [] : toConfigIssues(result.error.issues, document, configSchema);
  // Also on success: zod drops a `__proto__` key from records, so only the raw document still shows it.
  issues.push(...serverNameIssues(document, issues));
  if (result.success && issues.length === 0) return result.data;
  throw new ConfigError('config_invalid', file, formatIssues(file, issues), { issues, cause: result.error });
}
