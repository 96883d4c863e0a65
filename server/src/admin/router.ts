import type { z } from 'zod';
import type { AdminApi } from './api.js';
import { bodyIssues } from './contract.js';
import { AdminError } from './errors.js';
import { adminOperations, type AdminMethod } from './operations.js';

/**
 * One admin operation addressed the way the window addresses it: a method and a path relative to the API
 * root (`/status`, `/servers/a%20b/restart?x=1`), plus a parsed JSON body. The headless HTTP listener and
 * Electron's IPC handler both dispatch through this, so the two surfaces cannot drift apart.
 */
export type AdminDispatch = (method: string, path: string, body?: unknown) => Promise<unknown>;

export const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH', 'PUT']);

/**
 * A row of the operation table with its types erased, as the dispatcher walks them. `run` is a method so
 * that each row's narrower input is accepted here (methods are checked bivariantly); the schemas are what
 * make the input match at run time.
 */
interface Route {
  readonly method: AdminMethod;
  readonly path: string;
  readonly body: z.ZodType | undefined;
  readonly query: z.ZodType | undefined;
  readonly lenientQuery: boolean;
  run(api: AdminApi, input: { params: Record<string, string>; body: unknown; query: unknown }): unknown;
}

/** A path pattern as a matcher: each `:name` is one non-empty segment, captured under its name. */
function compile(route: Route): { route: Route; pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('\\/');
  return { route, pattern: new RegExp(`^${source}$`), names };
}

const rows: Readonly<Record<string, Route>> = adminOperations;
const ROUTES = Object.values(rows).map(compile);

export function createAdminRouter(api: AdminApi): AdminDispatch {
  return async (method, path, body) => {
    // Only a path: `//host/x` would otherwise be read as an authority.
    if (!path.startsWith('/') || path.startsWith('//'))
      throw new AdminError('not_found', `no admin route ${method} ${path}`);
    const url = new URL(path, 'admin://ferry/');
    let known = false;
    for (const { route, pattern, names } of ROUTES) {
      const match = pattern.exec(url.pathname);
      if (!match) continue;
      known = true;
      if (route.method !== method) continue;
      try {
        const params: Record<string, string> = {};
        for (const [i, name] of names.entries()) params[name] = decodeURIComponent(match[i + 1] as string);
        return await route.run(api, {
          params,
          body: route.body ? parse(route.body, body) : undefined,
          query: route.query
            ? route.lenientQuery
              ? route.query.parse(firstValues(url.searchParams))
              : parseQuery(route.query, url.searchParams)
            : undefined,
        });
      } catch (error) {
        // A malformed %-escape in a name is the caller's mistake, not an internal error.
        if (error instanceof URIError)
          throw new AdminError('invalid_input', `malformed name in ${url.pathname}`);
        throw error;
      }
    }
    throw new AdminError(
      'not_found',
      known ? `${method} is not allowed on ${url.pathname}` : `no admin route ${method} ${url.pathname}`,
    );
  };
}

/** Each parameter's first value, as `URLSearchParams.get` reads it. */
function firstValues(query: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of query)
    if (!Object.hasOwn(values, key))
      Object.defineProperty(values, key, { value, enumerable: true, configurable: true, writable: true });
  return values;
}

/**
 * Parses a query string against its contract schema (each parameter once); a mismatch is `invalid_input`
 * with one issue per parameter, named `query.<name>`.
 */
function parseQuery<S extends z.ZodType>(schema: S, query: URLSearchParams): z.output<S> {
  const values: Record<string, string> = {};
  const issues = [];
  for (const [key, value] of query) {
    if (Object.hasOwn(values, key))
      issues.push({ path: `query.${key}`, message: 'given more than once', fix: 'send it once' });
    Object.defineProperty(values, key, { value, enumerable: true, configurable: true, writable: true });
  }
  const result = schema.safeParse(values);
  if (!result.success)
    issues.push(
      ...bodyIssues(result.error).map((issue) => ({
        ...issue,
        path: issue.path === '(body)' ? 'query' : `query.${issue.path}`,
        fix: 'correct this query parameter and send again',
      })),
    );
  if (issues.length > 0 || !result.success)
    throw new AdminError('invalid_input', 'the query does not match the API', issues);
  return result.data;
}

/** Parses a request body against its contract schema; a mismatch is `invalid_input` with field issues. */
function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success)
    throw new AdminError(
      'invalid_input',
      'the request body does not match the API',
      bodyIssues(result.error),
    );
  return result.data;
}
