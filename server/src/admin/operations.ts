import type { z } from 'zod';
import { auditFilter, type AdminApi } from './api.js';
import {
  addServerBody,
  approveConsentBody,
  approveToolCallBody,
  auditQuery,
  callToolBody,
  doctorBody,
  importServersBody,
  namedTunnelBody,
  patchServerBody,
  recentQuery,
  serverToolPolicyBody,
  startTunnelBody,
  toolPolicyBody,
} from './contract.js';
import type { AdminDownload, DownloadedFile } from './download.js';

/**
 * The admin contract, once: every operation's name, method, path pattern (`:name` segments), body and query
 * schemas, and what it runs (so its result type is inferred from `AdminApi`, never written twice). The
 * router (HTTP listener and Electron IPC) dispatches from this table; the window's client is typed from it
 * (`contractTypes.ts`, type-only). A new admin operation is one row here, plus its method in
 * `renderer/src/api/client.ts` (the compiler asks for its route in `renderer/src/api/routes.ts`).
 *
 * Order matters where patterns overlap: the first row whose pattern matches a path is the one that runs
 * (`POST /servers/import` before `GET /servers/:name`).
 */
export const adminOperations = {
  // Servers: an edit reaches the config file first (validated, written atomically), then the children.
  status: op('GET', '/status', { run: (api) => api.status() }),
  servers: op('GET', '/servers', { run: (api) => api.servers() }),
  addServer: op('POST', '/servers', { body: addServerBody, run: (api, { body }) => api.addServer(body) }),
  importServers: op('POST', '/servers/import', {
    body: importServersBody,
    run: (api, { body }) => api.importServers(body),
  }),
  server: op('GET', '/servers/:name', { run: (api, { params }) => api.server(params.name) }),
  updateServer: op('PATCH', '/servers/:name', {
    body: patchServerBody,
    // `{ disabled }` alone is the enable switch, which leaves the server's definition untouched.
    run: (api, { params, body }) =>
      body.disabled !== undefined && !body.spec && !body.options && !body.envChanges
        ? api.setDisabled(params.name, body.disabled)
        : api.updateServer(params.name, body.spec ?? {}, body.options, body.envChanges),
  }),
  removeServer: op('DELETE', '/servers/:name', {
    run: async (api, { params }) => {
      await api.removeServer(params.name);
      return { removed: true as const };
    },
  }),
  restartServer: op('POST', '/servers/:name/restart', {
    run: (api, { params }) => api.restartServer(params.name),
  }),
  catalog: op('GET', '/servers/:name/catalog', { run: (api, { params }) => api.catalog(params.name) }),
  callTool: op('POST', '/servers/:name/call', {
    body: callToolBody,
    run: (api, { params, body }) => api.callTool(params.name, body),
  }),
  // OAuth: without it (`ferry serve --no-auth`) these answer `unavailable`.
  consentHistory: op('GET', '/consents/history', { run: (api) => api.consentHistory() }),
  consentExposure: op('GET', '/consents/:id/exposure', {
    run: (api, { params }) => api.consentExposure(params.id),
  }),
  consents: op('GET', '/consents', { run: (api) => api.consents() }),
  approveConsent: op('POST', '/consents/:id/approve', {
    body: approveConsentBody,
    run: (api, { params, body }) => api.approveConsent(params.id, body),
  }),
  denyConsent: op('POST', '/consents/:id/deny', { run: (api, { params }) => api.denyConsent(params.id) }),
  clients: op('GET', '/clients', { run: (api) => api.clients() }),
  revokeClient: op('DELETE', '/clients/:id', { run: (api, { params }) => api.revokeClient(params.id) }),
  rememberedApprovals: op('GET', '/remembered', { run: (api) => api.rememberedApprovals() }),
  forgetRememberedApproval: op('DELETE', '/remembered/:id', {
    run: (api, { params }) => api.forgetRememberedApproval(params.id),
  }),
  // The connector's health as Claude sees it.
  doctor: op('POST', '/doctor', { body: doctorBody, run: (api, { body }) => api.doctor(body) }),
  timeline: op('GET', '/timeline', { run: (api) => api.timeline() ?? null }),
  // The public surface: a pause keeps the children running.
  startTunnel: op('POST', '/tunnel/start', {
    body: startTunnelBody,
    run: (api, { body }) => api.startTunnel(body.mode),
  }),
  stopTunnel: op('POST', '/tunnel/stop', { run: (api) => api.stopTunnel() }),
  exposure: op('GET', '/exposure', { run: (api) => api.exposure() }),
  pauseExposure: op('POST', '/exposure/pause', { run: (api) => api.pauseExposure() }),
  resumeExposure: op('POST', '/exposure/resume', { run: (api) => api.resumeExposure() }),
  configureNamedTunnel: op('PUT', '/tunnel/named', {
    body: namedTunnelBody,
    run: (api, { body }) => api.configureNamedTunnel(body),
  }),
  // Tool policy applies at once to every open session, without restarting a child.
  serverToolPolicy: op('GET', '/servers/:name/policy', {
    run: (api, { params }) => api.serverToolPolicy(params.name),
  }),
  setServerToolPolicy: op('PATCH', '/servers/:name/policy', {
    body: serverToolPolicyBody,
    run: (api, { params, body }) => api.setServerToolPolicy(params.name, body.defaultToolPolicy),
  }),
  tools: op('GET', '/tools', { run: (api) => api.tools() }),
  tool: op('GET', '/tools/:server/:tool', { run: (api, { params }) => api.tool(params.server, params.tool) }),
  setToolPolicy: op('PATCH', '/tools/:server/:tool', {
    body: toolPolicyBody,
    run: (api, { params, body }) => api.setToolPolicy(params.server, params.tool, body.policy),
  }),
  acceptTool: op('POST', '/tools/:server/:tool/accept', {
    run: (api, { params }) => api.acceptTool(params.server, params.tool),
  }),
  // Calls held for the user's answer.
  approvals: op('GET', '/approvals', { run: (api) => api.approvals() }),
  approveToolCall: op('POST', '/approvals/:id/approve', {
    body: approveToolCallBody,
    run: (api, { params, body }) => api.approveToolCall(params.id, body.remember),
  }),
  denyToolCall: op('POST', '/approvals/:id/deny', { run: (api, { params }) => api.denyToolCall(params.id) }),
  // What happened: the audit trail on disk, recent calls and logs in memory.
  audit: op('GET', '/audit', {
    query: auditQuery,
    run: (api, { query }) => {
      const { limit, ...filter } = query;
      return api.audit(limit, auditFilter(filter));
    },
  }),
  /** A download: the listener streams the file, IPC answers it whole (`DownloadedFile`). */
  auditExport: op('GET', '/audit/export', {
    query: auditQuery,
    run: (api, { query }) => {
      const { limit: _unused, ...filter } = query;
      return api.auditExport(filter);
    },
  }),
  calls: op('GET', '/calls', {
    query: recentQuery,
    lenientQuery: true,
    run: (api, { query }) => api.calls(Number(query.limit ?? 100)),
  }),
  logs: op('GET', '/logs', {
    query: recentQuery,
    lenientQuery: true,
    run: (api, { query }) => api.logs(Number(query.limit ?? 200)),
  }),
};

/** The methods the admin surface answers, for HTTP and for the IPC request check alike. */
export const ADMIN_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type AdminMethod = (typeof ADMIN_METHODS)[number];

/** The names in a path pattern: `/tools/:server/:tool` → `'server' | 'tool'`. */
type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<Rest>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;
export type PathParams<P extends string> = { [K in ParamNames<P>]: string };

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

interface OperationInput<P extends string, B, Q> {
  /** Decoded path segments by name. */
  params: PathParams<P>;
  /** The body as its schema parsed it (undefined for an operation that takes none). */
  body: B;
  query: Q;
}

export interface Operation<
  M extends AdminMethod,
  P extends string,
  B extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  R,
> {
  readonly method: M;
  readonly path: P;
  readonly body: B;
  readonly query: Q;
  /**
   * Read the query the way `/calls` and `/logs` always have: the first value of each parameter, and no
   * refusal (an unreadable `limit` means the default), so their answers stay what they were.
   */
  readonly lenientQuery: boolean;
  readonly run: (api: AdminApi, input: OperationInput<P, Parsed<B>, Parsed<Q>>) => R;
}

/** One row of the table, with its types inferred from the literals (`const`: the method and path stay literal). */
function op<
  const M extends AdminMethod,
  const P extends `/${string}`,
  R,
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
>(
  method: M,
  path: P,
  spec: {
    body?: B;
    query?: Q;
    lenientQuery?: boolean;
    run: (api: AdminApi, input: OperationInput<P, Parsed<B>, Parsed<Q>>) => R;
  },
): Operation<M, P, B, Q, R> {
  return {
    method,
    path,
    body: spec.body as B,
    query: spec.query as Q,
    lenientQuery: spec.lenientQuery === true,
    run: spec.run,
  };
}

// What the window's client is typed from (type-only, through contractTypes.ts).

export type AdminOperations = typeof adminOperations;
export type OperationName = keyof AdminOperations;
export type MethodOf<K extends OperationName> = AdminOperations[K]['method'];
export type PathOf<K extends OperationName> = AdminOperations[K]['path'];
export type ParamsOf<K extends OperationName> = PathParams<PathOf<K>>;

/** What a caller sends: the schema's input (defaults may be left out); `undefined` where there is no body. */
export type BodyOf<K extends OperationName> = AdminOperations[K]['body'] extends z.ZodType
  ? z.input<AdminOperations[K]['body']>
  : undefined;

/**
 * A query as a caller writes it: the schema's parameter names, every one optional, each a string (or a
 * number, which is written as one; `since`/`until` take epoch ms) unless the schema names its values.
 */
export type QueryOf<K extends OperationName> = AdminOperations[K]['query'] extends z.ZodType
  ? {
      [Name in keyof z.input<AdminOperations[K]['query']>]?: QueryValue<
        z.input<AdminOperations[K]['query']>[Name]
      >;
    }
  : never;
type QueryValue<T> = unknown extends T ? string | number : string extends T ? string | number : T;

/** What the operation answers on the wire: its result, a download arriving as a `DownloadedFile`. */
export type ResultOf<K extends OperationName> = WireResult<Awaited<ReturnType<AdminOperations[K]['run']>>>;
type WireResult<R> = R extends AdminDownload ? DownloadedFile : R;

/** The operations whose result is a file rather than JSON. */
export type DownloadOperation = {
  [K in OperationName]: Awaited<ReturnType<AdminOperations[K]['run']>> extends AdminDownload ? K : never;
}[OperationName];
