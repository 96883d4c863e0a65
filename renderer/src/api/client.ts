import { fillPath, ROUTES } from './routes.js';
import type { AdminTransport, StreamState, Unsubscribe } from './transport.js';
import type {
  AuditDecision,
  AuditOutcome,
  BodyOf,
  DownloadOperation,
  OperationName,
  ParamsOf,
  QueryOf,
  ResultOf,
  ServerInput,
  ServerOptionsInput,
  ServerSpecPatch,
  Stamped,
  ToolPolicy,
} from './types.js';

/** Filters of the audit trail (`GET /api/audit`, `/api/audit/export`); each set one must match. */
export interface AuditFilter {
  server?: string;
  tool?: string;
  /** A client id or name. */
  client?: string;
  decision?: AuditDecision;
  outcome?: AuditOutcome;
  /** Epoch ms. */
  since?: number;
  until?: number;
  /** Text searched in the whole record. */
  q?: string;
}

/**
 * What one operation takes, from the operation table: its path parameters (required when the path has
 * any), its body (required when the schema has no default) and its query.
 */
type CallInput<K extends OperationName> = (keyof ParamsOf<K> extends never
  ? { params?: ParamsOf<K> }
  : { params: ParamsOf<K> }) &
  (undefined extends BodyOf<K> ? { body?: BodyOf<K> } : { body: BodyOf<K> }) & { query?: QueryOf<K> };

/** The path of a call: the pattern filled in, and the query's set values (an empty one is no filter). */
function pathOf<K extends OperationName>(name: K, input: CallInput<K>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(input.query ?? {}))
    if (value !== undefined && value !== '') query.set(key, String(value));
  const path = fillPath(ROUTES[name][1], input.params ?? {});
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

/** Every admin operation, typed, over whichever transport the host gives (HTTP for `ferry serve`, IPC in Electron). */
export class AdminClient {
  constructor(readonly transport: AdminTransport) {}

  /**
   * One operation of the table. The one place an answer gets its type: the wire carries JSON, and the
   * table says what the core's handler for this operation returns.
   */
  async #call<K extends Exclude<OperationName, DownloadOperation>>(
    name: K,
    input: CallInput<K>,
  ): Promise<ResultOf<K>> {
    return (await this.transport.request(ROUTES[name][0], pathOf(name, input), input.body)) as ResultOf<K>;
  }

  /** A download (the answer is a file, not JSON): HTTP fetches it whole, IPC answers it whole. */
  #download<K extends DownloadOperation>(name: K, input: CallInput<K>) {
    return this.transport.download(pathOf(name, input));
  }

  // One line an operation where the method takes what the table takes; the types come from the table.
  readonly status = () => this.#call('status', {});
  readonly servers = () => this.#call('servers', {});
  readonly server = (name: string) => this.#call('server', { params: { name } });
  readonly addServer = (input: ServerInput) => this.#call('addServer', { body: input });

  /** Changes the server's `mcpServers` entry (`spec`: keys to set) and/or its Ferry options (replaced whole). */
  updateServer(
    name: string,
    change: {
      spec?: ServerSpecPatch;
      options?: ServerOptionsInput;
      /** Per-variable env edits; values not named stay as the config has them. */
      envChanges?: { set: Record<string, string>; remove: string[] };
    },
  ) {
    return this.#call('updateServer', { params: { name }, body: change });
  }

  readonly setDisabled = (name: string, disabled: boolean) =>
    this.#call('updateServer', { params: { name }, body: { disabled } });
  readonly removeServer = (name: string) => this.#call('removeServer', { params: { name } });
  readonly restartServer = (name: string) => this.#call('restartServer', { params: { name } });

  /**
   * Adds every server of a snippet (or of Claude Desktop's config) at once, secrets to the secret store,
   * as `ferry import` does.
   */
  importServers(
    from: ({ servers: Record<string, unknown> } | { fromClaudeDesktop: true }) & {
      /** Only say what would be imported: nothing written, the secret store untouched. */
      preview?: boolean;
    },
  ) {
    return this.#call('importServers', { body: from });
  }

  /** The server's tools, resources and prompts as clients see them. */
  readonly catalog = (name: string) => this.#call('catalog', { params: { name } });
  /** Calls one tool (by the child's own name) from the window; Activity shows it as "Ferry window". */
  readonly callTool = (name: string, tool: string, args: Record<string, unknown>) =>
    this.#call('callTool', { params: { name }, body: { tool, arguments: args } });

  readonly consentHistory = () => this.#call('consentHistory', {});
  readonly consentExposure = (id: string) => this.#call('consentExposure', { params: { id } });
  readonly consents = () => this.#call('consents', {});
  readonly approveConsent = (id: string, remember = false) =>
    this.#call('approveConsent', { params: { id }, body: { remember } });
  readonly denyConsent = (id: string) => this.#call('denyConsent', { params: { id } });
  readonly clients = () => this.#call('clients', {});
  readonly revokeClient = (clientId: string) => this.#call('revokeClient', { params: { id: clientId } });
  readonly rememberedApprovals = () => this.#call('rememberedApprovals', {});
  readonly forgetRememberedApproval = (id: string) =>
    this.#call('forgetRememberedApproval', { params: { id } });

  /** A server's own default tool policy, and the Ferry-wide fallback. */
  readonly serverToolPolicy = (server: string) =>
    this.#call('serverToolPolicy', { params: { name: server } });
  /** Sets a server's default tool policy; `null` removes it so the Ferry-wide default applies. */
  readonly setServerToolPolicy = (server: string, policy: ToolPolicy | null) =>
    this.#call('setServerToolPolicy', { params: { name: server }, body: { defaultToolPolicy: policy } });
  /** Every tool of every running server: policy, pin state (pinned|changed|new), flags, review diff when held. */
  readonly tools = () => this.#call('tools', {});
  /** One tool with its pinned definition next to the one presented now (`review`). */
  readonly tool = (server: string, tool: string) => this.#call('tool', { params: { server, tool } });
  /** Sets one tool's own policy (original tool name); `null` removes it so the server's default applies. */
  readonly setToolPolicy = (server: string, tool: string, policy: ToolPolicy | null) =>
    this.#call('setToolPolicy', { params: { server, tool }, body: { policy } });
  /** Accepts the changed (or flagged new) definition of a held tool. */
  readonly acceptTool = (server: string, tool: string) =>
    this.#call('acceptTool', { params: { server, tool } });

  readonly approvals = () => this.#call('approvals', {});
  readonly approveToolCall = (id: string, remember: 'once' | 'always' = 'once') =>
    this.#call('approveToolCall', { params: { id }, body: { remember } });
  readonly denyToolCall = (id: string) => this.#call('denyToolCall', { params: { id } });

  /** The audit trail, newest first, optionally filtered. */
  readonly audit = (limit = 500, filter: AuditFilter = {}) =>
    this.#call('audit', { query: { limit, ...filter } });
  /** The whole audit trail on disk (rotated files included) matching `filter`, as JSON Lines. */
  readonly exportAudit = (filter: AuditFilter = {}) => this.#download('auditExport', { query: filter });
  readonly calls = (limit = 500) => this.#call('calls', { query: { limit } });
  readonly logs = (limit = 1000) => this.#call('logs', { query: { limit } });

  readonly startTunnel = (mode: 'quick' | 'named' = 'quick') => this.#call('startTunnel', { body: { mode } });
  readonly stopTunnel = () => this.#call('stopTunnel', {});
  /** Takes Ferry off the internet (tunnel stopped, MCP and OAuth refused) without stopping its servers. */
  readonly pauseExposure = () => this.#call('pauseExposure', {});
  /** Brings the public surface back; a quick tunnel gets a new address. */
  readonly resumeExposure = () => this.#call('resumeExposure', {});
  readonly configureNamedTunnel = (token: string, hostname: string) =>
    this.#call('configureNamedTunnel', { body: { token, hostname } });

  /**
   * Replays Claude's connector handshake against `url` (default: Ferry's own connector URL) and explains each
   * step. Takes up to a minute. The checks after sign-in run with `withToken` (a token Ferry makes for its own
   * URL and revokes after the run) or with `token` (an access token for another URL).
   */
  readonly runDoctor = (input: BodyOf<'doctor'> = {}) => this.#call('doctor', { body: input });
  /** Claude's real requests mapped onto the expected sequence; `null` when OAuth is off. */
  readonly timeline = () => this.#call('timeline', {});

  events(
    since: number | undefined,
    onEvent: (event: Stamped) => void,
    onState?: (state: StreamState) => void,
  ): Unsubscribe {
    return this.transport.events(since, onEvent, onState);
  }
}
