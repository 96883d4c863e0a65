import { z } from 'zod';
import type { ConfigIssue } from './errors.js';
import { SERVER_NAME_PATTERN } from './schema.js';

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

/** `mcpServers.github.env.TOKEN`, `args[0]`; keys that would read ambiguously after a dot are quoted. */
export function formatIssuePath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const name = String(key);
      out += /^[A-Za-z0-9_$-]+$/.test(name) ? `${out ? '.' : ''}${name}` : `[${JSON.stringify(name)}]`;
    }
  }
  return out;
}

/** One line per issue: `<file>: <path>: <message>. Fix: <fix>.` */
export function formatIssues(file: string, issues: readonly ConfigIssue[]): string {
  return issues
    .map(
      (issue) =>
        `${file}: ${issue.path || '(top level)'}: ${trimDot(issue.message)}. Fix: ${trimDot(issue.fix)}.`,
    )
    .join('\n');
}

/**
 * Field-level issues with a concrete fix each. `document` is the raw input, used to tell a missing field from a
 * wrong one; `schema` is what was validated, used to suggest the intended key for a misspelt one.
 */
export function toConfigIssues(
  issues: readonly Issue[],
  document: unknown,
  schema: z.ZodType,
  pathPrefix: readonly PathKey[] = [],
): ConfigIssue[] {
  return issues.map((issue) => ({
    path: formatIssuePath([...pathPrefix, ...issue.path]),
    message: issue.message,
    fix: fixFor(issue, document, schema),
  }));
}

/**
 * Server-name problems the schema would report only after everything else passes (zod skips refinements on
 * invalid input); listing them up front spares the user a second round of fixing.
 */
export function serverNameIssues(document: unknown, already: readonly ConfigIssue[]): ConfigIssue[] {
  const servers = isPlainObject(document) ? document.mcpServers : undefined;
  if (!isPlainObject(servers)) return [];
  const reported = new Set(already.map((issue) => issue.path));
  const issues: ConfigIssue[] = [];
  for (const name of Object.keys(servers)) {
    const path = formatIssuePath(['mcpServers', name]);
    if (SERVER_NAME_PATTERN.test(name) || reported.has(path)) continue;
    issues.push({ path, message: serverNameMessage(name), fix: renameFix(name) });
  }
  return issues;
}

export function serverNameMessage(name: string): string {
  if (name === '__proto__') return 'server name "__proto__" is reserved';
  return `server name "${name}" must be 1-48 letters, digits, "_" or "-" (it becomes the tool prefix and the URL /mcp/${name})`;
}

/** A name derived from an invalid one that passes SERVER_NAME_PATTERN, to show in the fix. */
export function suggestServerName(name: string): string {
  const cleaned = name
    .replace(/[^a-zA-Z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return cleaned === '' || cleaned === '__proto__' ? 'server' : cleaned;
}

export function renameFix(name: string): string {
  return `rename the server, e.g. to "${suggestServerName(name)}" (also rename its entry in ferry.servers, if any)`;
}

function fixFor(issue: Issue, document: unknown, schema: z.ZodType): string {
  const field = issue.path.at(-1);
  const parent = formatIssuePath(issue.path.slice(0, -1));
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.path.length === 0) return 'the file must hold one JSON object, e.g. { "mcpServers": {} }';
      const present = valueAt(document, issue.path);
      if (present === undefined) {
        const where = parent ? ` to ${parent}` : '';
        return `add ${JSON.stringify(String(field))}${where}; it must be ${describeExpected(issue.expected)}`;
      }
      return `change it to ${describeExpected(issue.expected)} (it is ${describeValue(present)} now)`;
    }
    case 'too_small':
      return describeBound(issue.origin, 'at least', issue.minimum, issue.inclusive);
    case 'too_big':
      return describeBound(issue.origin, 'at most', issue.maximum, issue.inclusive);
    case 'invalid_value':
      return `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'url'
        ? 'use a full URL starting with https:// (or http://), e.g. "https://ferry.example.com"'
        : 'change the value to match the rule in the message';
    case 'invalid_key':
      return `rename the key ${JSON.stringify(String(field))}`;
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, issue.path);
      return issue.keys
        .map((key) => {
          const guess = known ? closest(key, known) : undefined;
          return guess ? `rename "${key}" to "${guess}"` : `remove "${key}"`;
        })
        .concat(known ? [`valid keys here are ${known.join(', ')}`] : [])
        .join('; ');
    }
    case 'not_multiple_of':
      return `use a multiple of ${String(issue.divisor)}`;
    case 'custom':
      if (issue.path.length === 2 && issue.path[0] === 'mcpServers') return renameFix(String(field));
      if (issue.path.length === 3 && issue.path[0] === 'ferry' && issue.path[1] === 'servers') {
        const name = String(field);
        return `remove "${name}" from ferry.servers, or add a server named "${name}" to mcpServers`;
      }
      return 'correct the value as the message describes';
    default:
      return 'correct the value as the message describes';
  }
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'string':
      return 'a string in double quotes';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list, e.g. ["a", "b"]';
    case 'object':
    case 'record':
      return 'an object, e.g. { "key": "value" }';
    default:
      return `a ${expected}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number')
    return Number.isInteger(value) ? `the number ${value}` : `the fraction ${value}`;
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return `${value}`;
  return `an ${typeof value}`;
}

function describeBound(
  origin: string,
  side: 'at least' | 'at most',
  bound: unknown,
  inclusive?: boolean,
): string {
  const limit = String(bound);
  const strict = inclusive === false;
  switch (origin) {
    case 'string':
      return side === 'at least' && limit === '1'
        ? 'fill it in; it cannot be empty'
        : `use ${side} ${limit} characters`;
    case 'array':
    case 'set':
      return `list ${side} ${limit} entries`;
    default:
      return strict
        ? `use a number ${side === 'at least' ? 'greater' : 'less'} than ${limit}`
        : `use a number ${side} ${limit}`;
  }
}

function valueAt(document: unknown, path: readonly PathKey[]): unknown {
  let current: unknown = document;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** The keys an object schema accepts at `path`, walking through defaults, optionals and records. */
function knownKeysAt(schema: z.ZodType, path: readonly PathKey[]): string[] | undefined {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const key of path) {
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[String(key)];
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return undefined;
    current = current && unwrap(current);
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : undefined;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodOptional) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = name.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(key.length / 4)) ? best.name : undefined;
}

/** Edit distance counting a swap of neighbours as one edit, the commonest typo ("prot" for "port"). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function trimDot(text: string): string {
  return text.replace(/\.+$/, '');
}
