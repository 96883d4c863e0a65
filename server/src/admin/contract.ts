import { z } from 'zod';
import type { ConfigIssue } from '../config/errors.js';

/**
 * The request bodies and queries of the admin API, once; `operations.ts` names which operation takes which.
 * Response shapes are the TypeScript types of `api.ts` (StatusSnapshot, ServerStatus, …), which the
 * renderer imports type-only through `contractTypes.ts`.
 */
export const addServerBody = z.object({
  name: z.string(),
  spec: z.unknown(),
  options: z.unknown().optional(),
});

export const patchServerBody = z
  .object({
    spec: z.record(z.string(), z.unknown()).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    disabled: z.boolean().optional(),
    /**
     * Per-variable env edits (the window's masked fields): values the window never saw stay as they are.
     * Secret-looking values go to the secret store, as `ferry import` does.
     */
    envChanges: z
      .object({
        set: z.record(z.string(), z.string()).default({}),
        remove: z.array(z.string()).default([]),
      })
      .optional(),
  })
  .refine(
    (body) =>
      body.spec !== undefined ||
      body.options !== undefined ||
      body.disabled !== undefined ||
      body.envChanges !== undefined,
    { message: 'send spec, options, disabled or envChanges' },
  );

export const approveConsentBody = z.object({ remember: z.boolean().optional() }).default({});

export const startTunnelBody = z
  .object({ mode: z.enum(['quick', 'named']).default('quick') })
  .default({ mode: 'quick' });

export const doctorBody = z
  .object({
    /** Default: Ferry's own connector URL. */
    url: z.url({ protocol: /^https?$/ }).optional(),
    /** An access token for the URL, for the second part (initialize, tools, SSE). */
    token: z.string().min(1).max(8192).optional(),
    /**
     * Run the checks after sign-in with a short-lived token Ferry mints for its own URL and revokes at the
     * end (auth/selfToken.ts). Only for Ferry's own connector URLs.
     */
    withToken: z.boolean().optional(),
    callTool: z.string().min(1).max(128).optional(),
    slowTool: z.string().min(1).max(128).optional(),
  })
  .default({});

/** `null` removes the tool's own entry, so its server's default (or the annotations) applies again. */
export const toolPolicyBody = z.object({ policy: z.enum(['allow', 'ask', 'deny']).nullable() });

/** `null` removes the server's own default, so `ferry.toolPolicy.default` (or the annotations) applies again. */
export const serverToolPolicyBody = z.object({
  defaultToolPolicy: z.enum(['allow', 'ask', 'deny']).nullable(),
});

/** Most audit records one `GET /api/audit` answers (all of what the trail keeps in memory). */
export const AUDIT_QUERY_MAX_LIMIT = 5000;
/** Longest text search of the audit trail, in characters: a search term, not a document. */
export const AUDIT_SEARCH_MAX_CHARS = 200;

const auditDecisions = [
  'allowed',
  'asked-allowed',
  'asked-denied',
  'asked-timeout',
  'asked-cancelled',
  'denied',
  'held',
  'busy',
] as const;
const auditOutcomes = ['ok', 'tool-error', 'error', 'cancelled', 'refused'] as const;
/** A time bound: epoch milliseconds, or an ISO 8601 date-time (`2026-05-01T12:00:00Z`). */
const auditTime = z.string().transform((value, ctx) => {
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'epoch milliseconds or an ISO 8601 date-time' });
    return z.NEVER;
  }
  return ms;
});

/**
 * The query of `GET /api/audit` and `GET /api/audit/export`: every filter optional, all of them must match.
 * `client` is a client id or name; `q` searches the whole record's text.
 */
export const auditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(AUDIT_QUERY_MAX_LIMIT).default(100),
    server: z.string().min(1).max(256).optional(),
    tool: z.string().min(1).max(256).optional(),
    client: z.string().min(1).max(2048).optional(),
    decision: z.enum(auditDecisions).optional(),
    outcome: z.enum(auditOutcomes).optional(),
    since: auditTime.optional(),
    until: auditTime.optional(),
    q: z.string().min(1).max(AUDIT_SEARCH_MAX_CHARS).optional(),
  })
  .strict()
  .refine((query) => query.since === undefined || query.until === undefined || query.since <= query.until, {
    message: 'since must not be after until',
    path: ['since'],
  });

/**
 * The query of `GET /api/calls` and `GET /api/logs`: `limit` read leniently (see `lenientQuery` in
 * operations.ts), any other parameter ignored, as these lists always have.
 */
export const recentQuery = z.object({ limit: z.string().optional() });

/** `always`: the tool's policy becomes `allow` in the config, and every waiting call of it is approved. */
export const approveToolCallBody = z
  .object({ remember: z.enum(['once', 'always']).default('once') })
  .default({ remember: 'once' });
export const callToolBody = z.object({
  /** The child's own tool name. */
  tool: z.string().min(1).max(256),
  arguments: z.record(z.string(), z.unknown()).default({}),
});

export const importServersBody = z
  .object({
    /** Server entries by name, as in `mcpServers`. */
    servers: z.record(z.string(), z.unknown()).optional(),
    /** Read Claude Desktop's own config on this computer instead. */
    fromClaudeDesktop: z.boolean().optional(),
    overwrite: z.boolean().optional(),
    /** Say what would be imported without writing anything, for the user to confirm. */
    preview: z.boolean().optional(),
  })
  .refine((body) => (body.servers !== undefined) !== (body.fromClaudeDesktop === true), {
    message: 'send either servers or fromClaudeDesktop: true',
  });

export const namedTunnelBody = z.object({ token: z.unknown(), hostname: z.unknown() });

export type AddServerBody = z.infer<typeof addServerBody>;
export type AuditQuery = z.output<typeof auditQuery>;
export type PatchServerBody = z.infer<typeof patchServerBody>;

/** zod's complaints as the form-field issues the window shows next to each field. */
export function bodyIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
    fix: 'correct this field and send again',
  }));
}
