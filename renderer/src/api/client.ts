import type { AdminTransport, DownloadedFile, StreamState, Unsubscribe } from './transport.js';
import type {
  AuditDecision,
  AuditOutcome,
  AuditRecord,
  ServerToolPolicy,
  CallEndEvent,
  PendingApproval,
  ToolPolicy,
  ToolPolicyResult,
  ToolView,
  CallToolResult,
  ClientSummary,
  ConsentExposure,
  ConsentResolvedEvent,
  ImportReport,
  DoctorReport,
  LogEvent,
  PendingConsent,
  RememberedApproval,
  ServerInput,
  ServerCatalogView,
  ServerOptionsInput,
  ServerSpecPatch,
  ServerStatus,
  Stamped,
  StatusSnapshot,
  TimelineSnapshot,
  TunnelStatus,
  ExposureStatus,
} from './types.js';

const seg = (value: string) => encodeURIComponent(value);

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

function auditQuery(filter: AuditFilter, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams(extra);
  for (const [key, value] of Object.entries(filter))
    if (value !== undefined && value !== '') query.set(key, String(value));
  return query.toString();
}

/** Every admin operation, typed, over whichever transport the host gives (HTTP for `ferry serve`, IPC in Electron). */
export class AdminClient {
  constructor(readonly transport: AdminTransport) {}

  status(): Promise<StatusSnapshot> {
    return this.transport.request('GET', '/status');
  }

  servers(): Promise<ServerStatus[]> {
    return this.transport.request('GET', '/servers');
  }

  server(name: string): Promise<ServerStatus> {
    return this.transport.request('GET', `/servers/${seg(name)}`);
  }

  addServer(input: ServerInput): Promise<ServerStatus> {
    return this.transport.request('POST', '/servers', input);
  }

  /** Changes the server's `mcpServers` entry (`spec`: keys to set) and/or its Ferry options (replaced whole). */
  updateServer(
    name: string,
    change: {
      spec?: ServerSpecPatch;
      options?: ServerOptionsInput;
      /** Per-variable env edits; values not named stay as the config has them. */
      envChanges?: { set: Record<string, string>; remove: string[] };
    },
  ): Promise<ServerStatus> {
    return this.transport.request('PATCH', `/servers/${seg(name)}`, change);
  }

  setDisabled(name: string, disabled: boolean): Promise<ServerStatus> {
    return this.transport.request('PATCH', `/servers/${seg(name)}`, { disabled });
  }

  removeServer(name: string): Promise<{ removed: true }> {
    return this.transport.request('DELETE', `/servers/${seg(name)}`);
  }

  restartServer(name: string): Promise<ServerStatus> {
    return this.transport.request('POST', `/servers/${seg(name)}/restart`);
  }

  /**
   * Adds every server of a snippet (or of Claude Desktop's config) at once, secrets to the secret store,
   * as `ferry import` does.
   */
  importServers(
    from: ({ servers: Record<string, unknown> } | { fromClaudeDesktop: true }) & {
      /** Only say what would be imported: nothing written, the secret store untouched. */
      preview?: boolean;
    },
  ): Promise<ImportReport> {
    return this.transport.request('POST', '/servers/import', from);
  }

  /** The server's tools, resources and prompts as clients see them. */
  catalog(name: string): Promise<ServerCatalogView> {
    return this.transport.request('GET', `/servers/${seg(name)}/catalog`);
  }

  /** Calls one tool (by the child's own name) from the window; Activity shows it as "Ferry window". */
  callTool(name: string, tool: string, args: Record<string, unknown>): Promise<CallToolResult> {
    return this.transport.request('POST', `/servers/${seg(name)}/call`, { tool, arguments: args });
  }

  consentHistory(): Promise<Stamped<ConsentResolvedEvent>[]> {
    return this.transport.request('GET', '/consents/history');
  }

  consentExposure(id: string): Promise<ConsentExposure> {
    return this.transport.request('GET', `/consents/${seg(id)}/exposure`);
  }

  consents(): Promise<PendingConsent[]> {
    return this.transport.request('GET', '/consents');
  }

  approveConsent(id: string, remember = false): Promise<PendingConsent> {
    return this.transport.request('POST', `/consents/${seg(id)}/approve`, { remember });
  }

  denyConsent(id: string): Promise<PendingConsent> {
    return this.transport.request('POST', `/consents/${seg(id)}/deny`, {});
  }

  clients(): Promise<ClientSummary[]> {
    return this.transport.request('GET', '/clients');
  }

  revokeClient(clientId: string): Promise<{ revokedGrants: number; closedSessions: number }> {
    return this.transport.request('DELETE', `/clients/${seg(clientId)}`);
  }

  rememberedApprovals(): Promise<RememberedApproval[]> {
    return this.transport.request('GET', '/remembered');
  }

  forgetRememberedApproval(id: string): Promise<{ forgotten: true }> {
    return this.transport.request('DELETE', `/remembered/${seg(id)}`);
  }

  /** Every tool of every running server: policy, pin state (pinned|changed|new), flags, review diff when held. */
  tools(): Promise<ToolView[]> {
    return this.transport.request('GET', '/tools');
  }

  /** Sets one tool's own policy (original tool name); `null` removes it so the server's default applies. */
  setToolPolicy(server: string, tool: string, policy: ToolPolicy | null): Promise<ToolPolicyResult> {
    return this.transport.request('PATCH', `/tools/${seg(server)}/${seg(tool)}`, { policy });
  }

  /** One tool with its pinned definition next to the one presented now (`review`). */
  tool(server: string, tool: string): Promise<ToolView> {
    return this.transport.request('GET', `/tools/${seg(server)}/${seg(tool)}`);
  }

  /** A server's own default tool policy, and the Ferry-wide fallback. */
  serverToolPolicy(server: string): Promise<ServerToolPolicy> {
    return this.transport.request('GET', `/servers/${seg(server)}/policy`);
  }

  /** Sets a server's default tool policy; `null` removes it so the Ferry-wide default applies. */
  setServerToolPolicy(server: string, policy: ToolPolicy | null): Promise<ServerToolPolicy> {
    return this.transport.request('PATCH', `/servers/${seg(server)}/policy`, { defaultToolPolicy: policy });
  }

  /** Accepts the changed (or flagged new) definition of a held tool. */
  acceptTool(server: string, tool: string): Promise<ToolView> {
    return this.transport.request('POST', `/tools/${seg(server)}/${seg(tool)}/accept`, {});
  }

  approvals(): Promise<PendingApproval[]> {
    return this.transport.request('GET', '/approvals');
  }

  approveToolCall(id: string, remember: 'once' | 'always' = 'once'): Promise<PendingApproval> {
    return this.transport.request('POST', `/approvals/${seg(id)}/approve`, { remember });
  }

  denyToolCall(id: string): Promise<PendingApproval> {
    return this.transport.request('POST', `/approvals/${seg(id)}/deny`, {});
  }

  /** The audit trail, newest first, optionally filtered. */
  audit(limit = 500, filter: AuditFilter = {}): Promise<AuditRecord[]> {
    return this.transport.request('GET', `/audit?${auditQuery(filter, { limit: String(limit) })}`);
  }

  /** The whole audit trail on disk (rotated files included) matching `filter`, as JSON Lines. */
  exportAudit(filter: AuditFilter = {}): Promise<DownloadedFile> {
    const query = auditQuery(filter);
    return this.transport.download(`/audit/export${query ? `?${query}` : ''}`);
  }

  calls(limit = 500): Promise<Stamped<CallEndEvent>[]> {
    return this.transport.request('GET', `/calls?limit=${limit}`);
  }

  logs(limit = 1000): Promise<Stamped<LogEvent>[]> {
    return this.transport.request('GET', `/logs?limit=${limit}`);
  }

  startTunnel(mode: 'quick' | 'named' = 'quick'): Promise<TunnelStatus> {
    return this.transport.request('POST', '/tunnel/start', { mode });
  }

  stopTunnel(): Promise<TunnelStatus> {
    return this.transport.request('POST', '/tunnel/stop', {});
  }

  /** Takes Ferry off the internet (tunnel stopped, MCP and OAuth refused) without stopping its servers. */
  pauseExposure(): Promise<ExposureStatus> {
    return this.transport.request('POST', '/exposure/pause', {});
  }

  /** Brings the public surface back; a quick tunnel gets a new address. */
  resumeExposure(): Promise<ExposureStatus> {
    return this.transport.request('POST', '/exposure/resume', {});
  }

  configureNamedTunnel(token: string, hostname: string): Promise<TunnelStatus> {
    return this.transport.request('PUT', '/tunnel/named', { token, hostname });
  }

  /**
   * Replays Claude's connector handshake against `url` (default: Ferry's own connector URL) and explains each
   * step. Takes up to a minute. The checks after sign-in run with `withToken` (a token Ferry makes for its own
   * URL and revokes after the run) or with `token` (an access token for another URL).
   */
  runDoctor(
    input: { url?: string; token?: string; withToken?: boolean; callTool?: string; slowTool?: string } = {},
  ): Promise<DoctorReport> {
    return this.transport.request('POST', '/doctor', input);
  }

  /** Claude's real requests mapped onto the expected sequence; `null` when OAuth is off. */
  timeline(): Promise<TimelineSnapshot | null> {
    return this.transport.request('GET', '/timeline');
  }

  events(
    since: number | undefined,
    onEvent: (event: Stamped) => void,
    onState?: (state: StreamState) => void,
  ): Unsubscribe {
    return this.transport.events(since, onEvent, onState);
  }
}
