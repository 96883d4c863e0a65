import type { MethodOf, OperationName, PathOf } from './types.js';

/**
 * Each admin operation's method and path pattern, as the core's operation table
 * (server/src/admin/operations.ts) has them. The window cannot bundle that table (it carries the zod
 * schemas and the handlers), so the two strings are repeated here, and the type makes the compiler hold
 * them to the table: a wrong method or path, a missing or an unknown operation fails `tsc -b`.
 */
export const ROUTES: { readonly [K in OperationName]: readonly [MethodOf<K>, PathOf<K>] } = {
  status: ['GET', '/status'],
  servers: ['GET', '/servers'],
  addServer: ['POST', '/servers'],
  importServers: ['POST', '/servers/import'],
  server: ['GET', '/servers/:name'],
  updateServer: ['PATCH', '/servers/:name'],
  removeServer: ['DELETE', '/servers/:name'],
  restartServer: ['POST', '/servers/:name/restart'],
  catalog: ['GET', '/servers/:name/catalog'],
  callTool: ['POST', '/servers/:name/call'],
  consentHistory: ['GET', '/consents/history'],
  consentExposure: ['GET', '/consents/:id/exposure'],
  consents: ['GET', '/consents'],
  approveConsent: ['POST', '/consents/:id/approve'],
  denyConsent: ['POST', '/consents/:id/deny'],
  clients: ['GET', '/clients'],
  revokeClient: ['DELETE', '/clients/:id'],
  rememberedApprovals: ['GET', '/remembered'],
  forgetRememberedApproval: ['DELETE', '/remembered/:id'],
  doctor: ['POST', '/doctor'],
  timeline: ['GET', '/timeline'],
  startTunnel: ['POST', '/tunnel/start'],
  stopTunnel: ['POST', '/tunnel/stop'],
  exposure: ['GET', '/exposure'],
  pauseExposure: ['POST', '/exposure/pause'],
  resumeExposure: ['POST', '/exposure/resume'],
  configureNamedTunnel: ['PUT', '/tunnel/named'],
  serverToolPolicy: ['GET', '/servers/:name/policy'],
  setServerToolPolicy: ['PATCH', '/servers/:name/policy'],
  tools: ['GET', '/tools'],
  tool: ['GET', '/tools/:server/:tool'],
  setToolPolicy: ['PATCH', '/tools/:server/:tool'],
  acceptTool: ['POST', '/tools/:server/:tool/accept'],
  approvals: ['GET', '/approvals'],
  approveToolCall: ['POST', '/approvals/:id/approve'],
  denyToolCall: ['POST', '/approvals/:id/deny'],
  audit: ['GET', '/audit'],
  auditExport: ['GET', '/audit/export'],
  calls: ['GET', '/calls'],
  logs: ['GET', '/logs'],
};

/**
 * A path pattern filled in: each `:name` segment replaced by its value, percent-encoded. The client's
 * `CallInput` type is what holds `params` to the pattern's names.
 */
export function fillPath(pattern: string, params: Readonly<Record<string, string>>): string {
  return pattern.replace(/:([A-Za-z]+)/g, (_whole, name: string) => {
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    if (value === undefined) throw new Error(`no value for :${name} in ${pattern}`);
    return encodeURIComponent(value);
  });
}
