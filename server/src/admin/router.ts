import type { z } from 'zod';
import type { AdminApi } from './api.js';
import {
  addServerBody,
  approveConsentBody,
  approveToolCallBody,
  auditQuery,
  bodyIssues,
  callToolBody,
  importServersBody,
  doctorBody,
  namedTunnelBody,
  patchServerBody,
  serverToolPolicyBody,
  startTunnelBody,
  toolPolicyBody,
} from './contract.js';
import { auditFilter } from './api.js';
import { AdminError } from './errors.js';

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One admin operation addressed the way the window addresses it: a method and a path relative to the API
 * root (`/status`, `/servers/a%20b/restart?x=1`), plus a parsed JSON body. The headless HTTP listener and
 * Electron's IPC handler both dispatch through this, so the two surfaces cannot drift apart.
 */
export type AdminDispatch = (method: string, path: string, body?: unknown) => Promise<unknown>;

type Handler = (match: RegExpExecArray, body: unknown, query: URLSearchParams) => unknown;

export const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH', 'PUT']);

export function createAdminRouter(api: AdminApi): AdminDispatch {
  const name = (m: RegExpExecArray) => decodeURIComponent(m[1] as string);
  const second = (m: RegExpExecArray) => decodeURIComponent(m[2] as string);
  const routes: [AdminMethod, RegExp, Handler][] = [
    ['GET', /^\/status$/, () => api.status()],
    ['GET', /^\/servers$/, () => api.servers()],
    ['POST', /^\/servers$/, (_m, body) => api.addServer(parse(addServerBody, body))],
    ['POST', /^\/servers\/import$/, (_m, body) => api.importServers(parse(importServersBody, body))],
    ['GET', /^\/servers\/([^/]+)$/, (m) => api.server(name(m))],
    [
      'PATCH',
      /^\/servers\/([^/]+)$/,
      (m, body) => {
        const input = parse(patchServerBody, body);
        if (input.disabled !== undefined && !input.spec && !input.options && !input.envChanges)
          return api.setDisabled(name(m), input.disabled);
        return api.updateServer(name(m), input.spec ?? {}, input.options, input.envChanges);
      },
    ],
    [
      'DELETE',
      /^\/servers\/([^/]+)$/,
      async (m) => {
        await api.removeServer(name(m));
        return { removed: true };
      },
    ],
    ['POST', /^\/servers\/([^/]+)\/restart$/, (m) => api.restartServer(name(m))],
    ['GET', /^\/servers\/([^/]+)\/policy$/, (m) => api.serverToolPolicy(name(m))],
    [
      'PATCH',
      /^\/servers\/([^/]+)\/policy$/,
      (m, body) => api.setServerToolPolicy(name(m), parse(serverToolPolicyBody, body).defaultToolPolicy),
    ],
    ['GET', /^\/servers\/([^/]+)\/catalog$/, (m) => api.catalog(name(m))],
    ['POST', /^\/servers\/([^/]+)\/call$/, (m, body) => api.callTool(name(m), parse(callToolBody, body))],
    ['GET', /^\/consents\/history$/, () => api.consentHistory()],
    ['GET', /^\/consents\/([^/]+)\/exposure$/, (m) => api.consentExposure(name(m))],
    ['GET', /^\/consents$/, () => api.consents()],
    [
      'POST',
      /^\/consents\/([^/]+)\/approve$/,
      (m, body) => api.approveConsent(name(m), parse(approveConsentBody, body)),
    ],
    ['POST', /^\/consents\/([^/]+)\/deny$/, (m) => api.denyConsent(name(m))],
    ['GET', /^\/clients$/, () => api.clients()],
    ['DELETE', /^\/clients\/([^/]+)$/, (m) => api.revokeClient(name(m))],
    ['GET', /^\/remembered$/, () => api.rememberedApprovals()],
    ['DELETE', /^\/remembered\/([^/]+)$/, (m) => api.forgetRememberedApproval(name(m))],
    ['POST', /^\/doctor$/, (_m, body) => api.doctor(parse(doctorBody, body))],
    ['GET', /^\/timeline$/, () => api.timeline() ?? null],
    ['POST', /^\/tunnel\/start$/, (_m, body) => api.startTunnel(parse(startTunnelBody, body).mode)],
    ['POST', /^\/tunnel\/stop$/, () => api.stopTunnel()],
    ['GET', /^\/exposure$/, () => api.exposure()],
    ['POST', /^\/exposure\/pause$/, () => api.pauseExposure()],
    ['POST', /^\/exposure\/resume$/, () => api.resumeExposure()],
    ['PUT', /^\/tunnel\/named$/, (_m, body) => api.configureNamedTunnel(parse(namedTunnelBody, body))],
    ['GET', /^\/tools$/, () => api.tools()],
    ['GET', /^\/tools\/([^/]+)\/([^/]+)$/, (m) => api.tool(name(m), second(m))],
    [
      'PATCH',
      /^\/tools\/([^/]+)\/([^/]+)$/,
      (m, body) => api.setToolPolicy(name(m), second(m), parse(toolPolicyBody, body).policy),
    ],
    ['POST', /^\/tools\/([^/]+)\/([^/]+)\/accept$/, (m) => api.acceptTool(name(m), second(m))],
    ['GET', /^\/approvals$/, () => api.approvals()],
    [
      'POST',
      /^\/approvals\/([^/]+)\/approve$/,
      (m, body) => api.approveToolCall(name(m), parse(approveToolCallBody, body).remember),
    ],
    ['POST', /^\/approvals\/([^/]+)\/deny$/, (m) => api.denyToolCall(name(m))],
    [
      'GET',
      /^\/audit$/,
      (_m, _b, query) => {
        const { limit, ...filter } = parseQuery(auditQuery, query);
        return api.audit(limit, auditFilter(filter));
      },
    ],
    [
      'GET',
      /^\/audit\/export$/,
      (_m, _b, query) => {
        const { limit: _unused, ...filter } = parseQuery(auditQuery, query);
        return api.auditExport(filter);
      },
    ],
    ['GET', /^\/calls$/, (_m, _b, query) => api.calls(Number(query.get('limit') ?? 100))],
    ['GET', /^\/logs$/, (_m, _b, query) => api.logs(Number(query.get('limit') ?? 200))],
  ];

  return async (method, path, body) => {
    // Only a path: `//host/x` would otherwise be read as an authority.
    if (!path.startsWith('/') || path.startsWith('//'))
      throw new AdminError('not_found', `no admin route ${method} ${path}`);
    const url = new URL(path, 'admin://ferry/');
    let known = false;
    for (const [routeMethod, pattern, handler] of routes) {
      const match = pattern.exec(url.pathname);
      if (!match) continue;
      known = true;
      if (routeMethod !== method) continue;
      try {
        return await handler(match, body, url.searchParams);
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
