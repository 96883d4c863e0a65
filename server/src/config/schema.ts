import { z } from 'zod';

/** Server names become tool prefixes (`<server>__<tool>`) and URL paths (`/mcp/<server>`). */
// `__proto__` is excluded because zod drops that key from records, so such a server would silently vanish.
export const SERVER_NAME_PATTERN = /^(?!__proto__$)[a-zA-Z0-9_-]{1,48}$/;

/** What may happen when a client calls a tool: run it, ask the user first, or refuse it (and hide it). */
export const toolPolicySchema = z.enum(['allow', 'ask', 'deny']);
/** MCP caps tool names at 128 characters. */
const TOOL_NAME_MAX = 128;

/** One entry of `mcpServers`, exactly as Claude Desktop writes it. */
export const serverSpecSchema = z
  .object({
    command: z
      .string()
      .trim()
      .min(1, 'command must name the program to run, e.g. "npx" or "/usr/bin/python3"'),
    args: z.array(z.string()).optional(),
    env: z
      .record(z.string().regex(/^[^=\0]+$/, 'env names cannot contain "=" or NUL'), z.string())
      .optional(),
    cwd: z.string().min(1).optional(),
    disabled: z.boolean().optional(),
  })
  // Claude Desktop configs carry extra keys (e.g. `type`) that are not ours to reject.
  .loose();

export type ServerSpec = z.infer<typeof serverSpecSchema>;

/** MCP Inspector's web UI (`npx @modelcontextprotocol/inspector`) serves from port 6274 by default. */
export const INSPECTOR_ORIGINS = ['http://localhost:6274', 'http://127.0.0.1:6274'] as const;

/** True for a canonical origin (`new URL(value).origin === value`), so an allowlist entry compares exactly. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/** A DNS name such as `mcp.example.com`: letters, digits and inner hyphens per label, a top-level name. */
const hostnameSchema = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
    'a hostname such as mcp.example.com (no scheme, port or path)',
  );

/** Ferry's per-server options live in the `ferry` block so `mcpServers` stays pastable back into Claude Desktop. */
export const serverOptionsSchema = z
  .object({
    /** `shared`: one child serves every session. `per-session`: each session gets its own child (stateful servers). */
    sessionMode: z.enum(['shared', 'per-session']).default('shared'),
    /** Longest a single request to this server may run, in seconds. Claude gives up at 300. */
    requestTimeoutSeconds: z.number().int().min(1).max(3600).default(300),
    /**
     * Policy of this server's tools that `tools` does not name. Default: none, so `ferry.toolPolicy.default`
     * applies, which by default follows each tool's annotations (read-only: allow; anything else: ask).
     */
    defaultToolPolicy: toolPolicySchema.optional(),
    /** Policy per tool, by the server's original tool name (not the `<server>__` name of `/mcp`). */
    tools: z.record(z.string().min(1).max(TOOL_NAME_MAX), toolPolicySchema).optional(),
  })
  .strict();

export type ServerOptions = z.infer<typeof serverOptionsSchema>;

/** The options that shape a running child: a change to any other option (tool policy) never restarts it. */
export function childOptions(
  options: ServerOptions,
): Pick<ServerOptions, 'sessionMode' | 'requestTimeoutSeconds'> {
  return { sessionMode: options.sessionMode, requestTimeoutSeconds: options.requestTimeoutSeconds };
}

/** Ferry-wide settings of per-tool control (docs/security.md, "Per-tool control"). */
export const toolPolicySettingsSchema = z
  .object({
    /**
     * Policy of a tool that neither its own entry nor its server's `defaultToolPolicy` sets. `annotations`:
     * read-only tools (`readOnlyHint: true`, not `destructiveHint: true`) are allowed, every other tool asks.
     */
    default: z.enum(['annotations', 'allow', 'ask', 'deny']).default('annotations'),
    /**
     * How long an `ask` call waits for the user before it fails with a tool error, in seconds. Claude gives up
     * on a call at 300 s: the ceiling leaves room for the call itself to run once approved.
     */
    approvalTimeoutSeconds: z.number().int().min(5).max(240).default(120),
    /**
     * Keep each call's full arguments in the audit trail (secrets included, as sent). Off: only a digest of
     * the arguments is kept.
     */
    recordArguments: z.boolean().default(false),
  })
  .strict();

export type ToolPolicySettings = z.infer<typeof toolPolicySettingsSchema>;

export const restartPolicySchema = z
  .object({
    /** First restart delay in ms; doubles each time up to `maxBackoffMs`. */
    initialBackoffMs: z.number().int().min(0).max(60_000).default(500),
    maxBackoffMs: z.number().int().min(0).max(600_000).default(30_000),
    /** A server that exits this many times within `windowSeconds` is marked `crashed` and left alone. */
    maxExits: z.number().int().min(1).max(100).default(5),
    windowSeconds: z.number().int().min(1).max(3600).default(120),
    /** Grace between SIGTERM and SIGKILL when stopping a child, in ms. */
    killGraceMs: z.number().int().min(0).max(60_000).default(2000),
  })
  .strict();

export const ferrySettingsSchema = z
  .object({
    /** Public listener port; 0 picks a free one. */
    port: z.number().int().min(0).max(65_535).default(8790),
    host: z.string().min(1).default('127.0.0.1'),
    /** Externally visible origin (reverse proxy, or `--public-url` in tests). Default: the local origin. */
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * OAuth redirect URIs allowed besides Claude's callbacks and loopback: exact URIs, or `https://host`
     * to allow any path on that host.
     */
    redirectUris: z.array(z.string().min(1)).default([]),
    /** Extra Host header values accepted on the public listener, besides localhost and the public host. */
    allowedHosts: z.array(z.string().min(1)).default([]),
    /**
     * Browser origins (besides Ferry's own) whose pages may call the public listener with CORS. Default:
     * MCP Inspector's web UI on its default port, the one browser client the docs name. Any other page,
     * another localhost port included, gets 403. `[]` allows none.
     */
    allowedOrigins: z
      .array(
        z.string().refine(isOrigin, 'an origin such as "http://localhost:6274": scheme, host and port only'),
      )
      .default([...INSPECTOR_ORIGINS]),
    /** Largest JSON-RPC body accepted, in bytes. */
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(256 * 1024 * 1024)
      .default(4 * 1024 * 1024),
    /** Largest single message accepted from a child server, in bytes (a larger one ends that child). */
    maxMessageBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .max(1024 * 1024 * 1024)
      .default(32 * 1024 * 1024),
    /** Seconds between SSE keep-alive comments (Cloudflare cuts idle streams at ~100 s). */
    keepAliveSeconds: z.number().int().min(1).max(90).default(15),
    /** Idle sessions are closed after this many minutes. */
    sessionIdleMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(60),
    secretStore: z.enum(['keychain', 'file']).default('keychain'),
    tunnel: z
      .object({
        /** `quick` (no account, new URL each start), `named` (stable hostname, needs a token), `off`. */
        mode: z.enum(['quick', 'named', 'off']).optional(),
        /** The named tunnel's public hostname, e.g. `mcp.example.com` (the token stays in the keychain). */
        hostname: hostnameSchema.optional(),
        /**
         * A hostname of its own per server, so one server can be added to Claude alone at a URL whose path is
         * exactly `/mcp` (claude-ai-mcp#878: other paths have failed right after the token exchange). Ferry
         * routes a request by its Host: `https://files.example.com/mcp` is served as `/mcp/files`, with its
         * own protected-resource metadata and token audience. Default none.
         */
        serverHostnames: z.record(z.string(), hostnameSchema).default({}),
        /**
         * A locally-managed tunnel's credentials file (`cloudflared tunnel create` writes `<UUID>.json`). With
         * it Ferry runs the tunnel without a token and writes cloudflared's ingress rules itself (every
         * hostname above to Ferry's port); with a token the Cloudflare dashboard holds the rules.
         */
        credentialsFile: z.string().min(1).optional(),
        /** Path to a cloudflared binary to use instead of the bundled / PATH / downloaded one. */
        binary: z.string().min(1).optional(),
      })
      .strict()
      .default({ serverHostnames: {} }),
    restart: restartPolicySchema.default(restartPolicySchema.parse({})),
    servers: z.record(z.string(), serverOptionsSchema).default({}),
    toolPolicy: toolPolicySettingsSchema.default(toolPolicySettingsSchema.parse({})),
  })
  .strict();

export type FerrySettings = z.infer<typeof ferrySettingsSchema>;

export const configSchema = z
  .object({
    mcpServers: z.record(z.string(), serverSpecSchema).default({}),
    ferry: ferrySettingsSchema.default(ferrySettingsSchema.parse({})),
  })
  .loose()
  .superRefine((config, ctx) => {
    for (const name of Object.keys(config.mcpServers)) {
      if (!SERVER_NAME_PATTERN.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['mcpServers', name],
          message: `server name "${name}" must be 1-48 letters, digits, "_" or "-" (it becomes the tool prefix and the URL /mcp/${name})`,
        });
      }
    }
    checkServerHostnames(config, ctx);
    for (const name of Object.keys(config.ferry.servers)) {
      // hasOwn, not `in`: `in` would accept names like `toString` from Object.prototype.
      if (!Object.hasOwn(config.mcpServers, name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['ferry', 'servers', name],
          message: `options for "${name}" but mcpServers has no server of that name`,
        });
      }
    }
  });

export type FerryConfig = z.infer<typeof configSchema>;

export function serverOptions(config: FerryConfig, name: string): ServerOptions {
  const own = Object.hasOwn(config.ferry.servers, name) ? config.ferry.servers[name] : undefined;
  return own ?? serverOptionsSchema.parse({});
}

/**
 * Per-server hostnames must name a configured server and be unique (Host decides the scope, so one host
 * cannot serve two), and none may be the main hostname, which serves every server at `/mcp`.
 */
function checkServerHostnames(config: FerryConfig, ctx: z.RefinementCtx): void {
  const seen = new Map<string, string>();
  const main = config.ferry.tunnel.hostname?.toLowerCase();
  const publicHost = URL.canParse(config.ferry.publicUrl ?? '')
    ? new URL(config.ferry.publicUrl as string).hostname
    : undefined;
  for (const [name, hostname] of Object.entries(config.ferry.tunnel.serverHostnames)) {
    const path = ['ferry', 'tunnel', 'serverHostnames', name];
    const host = hostname.toLowerCase();
    if (!Object.hasOwn(config.mcpServers, name)) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: `hostname for "${name}" but mcpServers has no server of that name`,
      });
    }
    if (host === main || host === publicHost) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: `${hostname} is Ferry's main hostname (every server at /mcp): give "${name}" a hostname of its own`,
      });
    }
    const other = seen.get(host);
    if (other !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: `${hostname} is already the hostname of "${other}": each server needs its own`,
      });
    }
    seen.set(host, name);
  }
}
