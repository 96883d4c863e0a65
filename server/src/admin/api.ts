import { ConfigError, type ConfigIssue } from '../config/errors.js';
import {
  applyServerPatch,
  type ConfigFile,
  type ServerOptionsInput,
  type ServerSpecInput,
  type ServerSpecPatch,
} from '../config/save.js';
import type { FerryConfig } from '../config/schema.js';
import { validateServerInput } from '../config/serverInput.js';
import type { EventBus } from '../events/bus.js';
import type { Stamped, CoreEvent } from '../events/types.js';
import type { Hub, ServerStatus } from '../hub/hub.js';
import type { Auth } from '../auth/index.js';
import type { DoctorAdvice, DoctorReport } from '../doctor/index.js';
import type { ConnectionTimeline, TimelineSnapshot } from '../doctor/timeline.js';
import type { TunnelManager } from '../tunnel/manager.js';
import type { TunnelMode, TunnelState } from '../events/types.js';
import type { RememberedApproval } from '../auth/rememberedApprovals.js';
import {
  SELF_CLIENT_ID,
  SELF_CLIENT_NAME,
  SELF_TOKEN_TTL_SECONDS,
  type SelfToken,
} from '../auth/selfToken.js';
import type { ClientSummary } from '../auth/store/index.js';
import type { PendingConsent } from '../events/types.js';
import { parseSecretRef, secretRef, secretRefs } from '../secrets/resolve.js';
import { shouldMoveSecret } from '../secrets/detect.js';
import { secretKeyFor } from '../secrets/keys.js';
import type { SecretStore } from '../secrets/types.js';
import { AdminError } from './errors.js';
import type { ToolGate } from '../policy/gate.js';
import type { AuditFilter } from '../policy/auditLog.js';
import type { AuditRecord, PendingApproval, PolicySource, ToolPolicy, ToolView } from '../policy/types.js';

import { importServers, previewImport, readSourceServers, type ImportReport } from '../config/import.js';
import { claudeDesktopConfigPath } from '../config/paths.js';
import { exposedCatalog, type ServerCatalogView } from './catalog.js';
import type { ConsentResolvedEvent } from '../events/types.js';
import type { Result } from '@modelcontextprotocol/sdk/types.js';
import type { PauseRecord } from '../exposure/pause.js';
import { pausedReport } from '../doctor/paused.js';
import { AdminDownload } from './download.js';
import type { AuditQuery } from './contract.js';

/** What `PATCH /api/tools/<server>/<tool>` answers: the tool's policy now in force and where it comes from. */
export interface ToolPolicyResult {
  server: string;
  tool: string;
  policy: ToolPolicy;
  policySource: PolicySource;
}

/** A server's own default tool policy (`ferry.servers.<name>.defaultToolPolicy`) and what applies without it. */
export interface ServerToolPolicy {
  server: string;
  /** null: the server sets none, so `fallback` applies to its tools that have no policy of their own. */
  defaultToolPolicy: ToolPolicy | null;
  /** `ferry.toolPolicy.default`: a policy, or `annotations` (read-only → allow, anything else → ask). */
  fallback: ToolPolicy | 'annotations';
}

/** Past consent decisions the Consents screen lists: the last 100 since Ferry started (older ones are in the log). */
export const CONSENT_HISTORY = 100;

/** What a consent would expose: every server (`/mcp`) or one (`/mcp/<name>`), with tools counted. */
export interface ConsentExposure {
  scope: 'all' | 'server';
  servers: {
    name: string;
    /** undefined while the server's tools are not known (starting, crashed, per-session). */
    tools: number | undefined;
    /** Tools the server marks destructive (destructiveHint), by exposed name. */
    destructive: string[];
  }[];
}

export interface StatusSnapshot {
  version: string;
  pid: number;
  startedAt: number;
  localUrl: string;
  publicUrl: string;
  mcpUrl: string;
  configPath: string;
  demo: boolean;
  /** Whether OAuth guards the MCP endpoints (false only in loopback `--no-auth` mode). */
  auth: boolean;
  /** Conditions the user should fix, in words (keychain fallback, …). */
  warnings: string[];
  /** The user paused exposure: the tunnel is stopped and the public listener refuses with 503. */
  paused: boolean;
  /** When the pause began (epoch ms). */
  pausedSince?: number;
  sessions: number;
  secretStore: string;
  servers: ServerStatus[];
  tunnel: TunnelStatus;
}

export interface TunnelStatus {
  mode: TunnelMode;
  state: TunnelState;
  publicUrl: string | undefined;
  reason: string | undefined;
  /**
   * Per-server hostnames (server -> hostname): each server's own connector URL is `https://<hostname>/mcp`,
   * the path Claude handles in every case (claude-ai-mcp#878), instead of `/mcp/<server>`.
   */
  serverHostnames?: Record<string, string>;
}

/** What `GET /api/exposure` (and pause/resume) answer. */
export interface ExposureStatus {
  paused: boolean;
  pausedSince?: number;
  /** The tunnel a resume brings back; `quick` comes back with a new address. */
  resumeTunnel?: TunnelMode;
  tunnel: TunnelStatus;
}

export interface ServerInput {
  name: string;
  spec: ServerSpecInput;
  options?: ServerOptionsInput;
}

export interface AdminContext {
  hub: Hub;
  bus: EventBus;
  gate: ToolGate;
  configFile: ConfigFile;
  status: () => Omit<StatusSnapshot, 'servers' | 'tunnel'>;
  /** The OAuth server, when it runs. */
  auth: () => Auth | undefined;
  /** The live connection timeline, when OAuth runs. */
  timeline?: () => ConnectionTimeline | undefined;
  tunnel: {
    manager: TunnelManager;
    start: (mode: 'quick' | 'named') => Promise<void>;
    stop: () => Promise<void>;
    saveNamed: (token: string, hostname: string) => Promise<void>;
  };
  /** Pause exposure: tunnel stopped, public listener refusing, open streams closed; children keep running. */
  exposure: {
    state: () => PauseRecord;
    pause: () => Promise<void>;
    resume: () => Promise<void>;
  };
  /** The secret store, opened on first use. */
  secrets: () => Promise<SecretStore>;
  /** Applies a config the file now holds; the demo config is replaced by the first real server. */
  apply: (config: FerryConfig) => Promise<void>;
  /** The `ferry` block of the config now in force (tool policy defaults). */
  settings: () => Pick<FerryConfig['ferry'], 'servers' | 'toolPolicy'>;
}

/**
 * Every admin operation once, transport-free: the headless HTTP listener and Electron's IPC both call
 * these. Config changes go to the file first (validated, atomic) and only then to the running servers.
 */
export class AdminApi {
  readonly #decisions: Stamped<ConsentResolvedEvent>[] = [];

  constructor(private readonly ctx: AdminContext) {
    ctx.bus.on('consent.resolved', (event) => {
      this.#decisions.push(event);
      if (this.#decisions.length > CONSENT_HISTORY) this.#decisions.shift();
    });
  }

  /** A server's tools, resources and prompts as clients see them, for the window's tools list. */
  catalog(name: string): ServerCatalogView {
    this.server(name);
    return exposedCatalog(this.ctx.hub, name);
  }

  /** Calls one tool of a server from the window; Activity records it as coming from "Ferry window". */
  async callTool(name: string, input: { tool: string; arguments: Record<string, unknown> }): Promise<Result> {
    const server = this.server(name);
    if (server.state !== 'ready' || this.ctx.hub.isPerSession(name)) {
      throw new AdminError(
        'conflict',
        this.ctx.hub.isPerSession(name)
          ? `"${name}" runs one process per client session, so the window cannot call it on its own`
          : `"${name}" is ${server.state}: start it before calling its tools`,
      );
    }
    if (!exposedCatalog(this.ctx.hub, name).tools.some((t) => t.name === input.tool))
      throw new AdminError('not_found', `"${name}" has no tool named "${input.tool}"`);
    return this.ctx.hub.callFromWindow(name, input.tool, input.arguments);
  }

  /** Newest first: approved, denied, expired, remembered and replaced requests since Ferry started. */
  consentHistory(): Stamped<ConsentResolvedEvent>[] {
    return [...this.#decisions].reverse();
  }

  /** What approving this consent gives the client: which servers, how many tools, which destructive. */
  consentExposure(id: string): ConsentExposure {
    const consent = this.consents().find((c) => c.id === id);
    if (!consent) throw new AdminError('not_found', `no waiting consent ${id}`);
    let path = '/mcp';
    try {
      path = new URL(consent.resource).pathname.replace(/\/+$/, '');
    } catch {
      // an unparsable resource cannot have been accepted; treat it as the aggregate endpoint
    }
    const one = /^\/mcp\/([^/]+)$/.exec(path);
    const names = one ? [decodeURIComponent(one[1] as string)] : this.ctx.hub.serverNames();
    return {
      scope: one ? 'server' : 'all',
      servers: names
        .filter((n) => this.ctx.hub.hasServer(n))
        .map((n) => {
          const view = exposedCatalog(this.ctx.hub, n);
          return {
            name: n,
            tools: view.known ? view.tools.length : undefined,
            destructive: view.tools
              .filter((t) => t.annotations.destructiveHint === true && t.annotations.readOnlyHint !== true)
              .map((t) => (one ? t.name : (t.exposedName ?? t.name))),
          };
        }),
    };
  }

  status(): StatusSnapshot {
    return { ...this.ctx.status(), servers: this.ctx.hub.statuses(), tunnel: this.tunnelStatus() };
  }

  tunnelStatus(): TunnelStatus {
    const { manager } = this.ctx.tunnel;
    return {
      mode: manager.mode,
      state: manager.state,
      publicUrl: manager.publicUrl,
      reason: manager.reason,
      serverHostnames: { ...manager.serverHostnames },
    };
  }

  /** Starts (or switches) the tunnel; resolves once it is starting, not when connected (watch events). */
  async startTunnel(mode: unknown = 'quick'): Promise<TunnelStatus> {
    if (mode !== 'quick' && mode !== 'named')
      throw new AdminError('invalid_input', 'mode must be "quick" or "named"');
    await this.ctx.tunnel.start(mode);
    return this.tunnelStatus();
  }

  exposure(): ExposureStatus {
    const { paused, since, resumeTunnel } = this.ctx.exposure.state();
    return {
      paused,
      ...(since !== undefined ? { pausedSince: since } : {}),
      ...(paused && resumeTunnel !== undefined ? { resumeTunnel } : {}),
      tunnel: this.tunnelStatus(),
    };
  }

  /** Takes Ferry off the internet without quitting it; kept across restarts until resumed. */
  async pauseExposure(): Promise<ExposureStatus> {
    await this.ctx.exposure.pause();
    return this.exposure();
  }

  /** Brings the public surface back (a quick tunnel with a new address). */
  async resumeExposure(): Promise<ExposureStatus> {
    try {
      await this.ctx.exposure.resume();
    } catch (error) {
      // Resumed (the listener answers again) but the tunnel did not come back: say so, the state is current.
      throw new AdminError('conflict', `resumed, but the tunnel did not start: ${(error as Error).message}`);
    }
    return this.exposure();
  }

  async stopTunnel(): Promise<TunnelStatus> {
    await this.ctx.tunnel.stop();
    return this.tunnelStatus();
  }

  /** Saves a named tunnel: the token goes to the keychain, the hostname to the config. */
  async configureNamedTunnel(input: unknown): Promise<TunnelStatus> {
    const { token, hostname } = (input ?? {}) as { token?: unknown; hostname?: unknown };
    const issues = [];
    if (typeof token !== 'string' || !/^[A-Za-z0-9+/=_-]{40,4096}$/.test(token.trim())) {
      issues.push({
        path: 'token',
        message: 'paste the tunnel token from the Cloudflare dashboard (a long base64 string)',
        fix: 'copy it again from Networks > Tunnels > your tunnel > Install connector',
      });
    }
    if (typeof hostname !== 'string' || !HOSTNAME.test(hostname.trim())) {
      issues.push({
        path: 'hostname',
        message: 'a hostname such as mcp.example.com',
        fix: 'use the public hostname you routed to this tunnel',
      });
    }
    if (issues.length > 0)
      throw new AdminError('invalid_input', 'the named tunnel settings have problems', issues);
    await this.ctx.tunnel.saveNamed((token as string).trim(), (hostname as string).trim().toLowerCase());
    return this.tunnelStatus();
  }

  servers(): ServerStatus[] {
    return this.ctx.hub.statuses();
  }

  server(name: string): ServerStatus {
    const found = this.ctx.hub.statuses().find((s) => s.name === name);
    if (!found) throw new AdminError('not_found', `no server named "${name}"`);
    return found;
  }

  /** Takes what a form or a pasted snippet sent: validated field by field before anything is written. */
  async addServer(input: { name: string; spec: unknown; options?: unknown }): Promise<ServerStatus> {
    const issues = validateServerInput(input.name, input.spec, input.options);
    if (issues.length > 0)
      throw new AdminError('invalid_input', 'the server definition has problems', issues);
    const valid = input as ServerInput;
    // Secret-looking env values go to the secret store as `ferry import` moves them, never into the file.
    const planned = changedEnv(valid.name, {}, { set: valid.spec.env ?? {}, remove: [] });
    if (planned.issues.length > 0)
      throw new AdminError('invalid_input', 'the server definition has problems', planned.issues);
    const spec = valid.spec.env ? { ...valid.spec, env: planned.env } : valid.spec;
    const undo = await this.#storeSecrets(planned.secrets);
    await this.#edit((file) => file.addServer(valid.name, spec, valid.options), undo);
    return this.server(valid.name);
  }

  async updateServer(
    name: string,
    patch: ServerSpecPatch,
    options?: ServerOptionsInput,
    envChanges?: { set: Record<string, string>; remove: string[] },
  ): Promise<ServerStatus> {
    this.server(name);
    const { config } = await this.ctx.configFile.load().catch((error: unknown) => {
      throw error instanceof ConfigError
        ? new AdminError('config_broken', error.message, error.issues)
        : error;
    });
    const current = config.mcpServers[name];
    if (!current) throw new AdminError('not_found', `no server named "${name}"`);
    // The edited server is checked as a whole first (form-relative field paths), then spec and options go
    // to the file in one atomic write: a bad field can never leave half an edit saved.
    const spec = applyServerPatch({ ...current }, patch);
    const planned = envChanges ? changedEnv(name, current.env, envChanges) : undefined;
    if (planned) spec.env = planned.env;
    const mergedOptions = options === undefined ? undefined : { ...config.ferry.servers[name], ...options };
    const issues = [...(planned?.issues ?? []), ...validateServerInput(name, spec, mergedOptions)];
    if (issues.length > 0)
      throw new AdminError('invalid_input', 'the server definition has problems', issues);
    // Only a whole, valid edit reaches the secret store, and only a fully stored one reaches the config.
    const undo = await this.#storeSecrets(planned?.secrets ?? []);
    // Checked whole just above: the spec is a valid server definition.
    await this.#edit((file) => file.replaceServer(name, spec as ServerSpecInput, mergedOptions), undo);
    await this.#forgetUnusedSecrets(name, secretRefs(current.env));
    return this.server(name);
  }

  /**
   * Stores each planned secret, remembering what it replaced; resolves with the undo. A store that cannot be
   * opened or written refuses the edit with everything put back, so the config never names a missing secret.
   */
  async #storeSecrets(
    secrets: readonly { envVar: string; key: string; value: string }[],
  ): Promise<() => Promise<void>> {
    const done: { key: string; previous: string | undefined }[] = [];
    const undo = async () => {
      if (done.length === 0) return;
      const store = await this.ctx.secrets();
      for (const { key, previous } of done.reverse()) {
        try {
          if (previous === undefined) await store.delete(key);
          else await store.set(key, previous);
        } catch {
          // Keep undoing the rest; the error that made us undo is the one reported.
        }
      }
    };
    if (secrets.length === 0) return undo;
    const store = await this.#openSecrets(
      `${secrets.map((s) => s.envVar).join(', ')} looks like a secret, but the secret store cannot be opened`,
    );
    for (const { envVar, key, value } of secrets) {
      try {
        const previous = await store.get(key);
        await store.set(key, value);
        done.push({ key, previous });
      } catch (error) {
        await undo();
        throw new AdminError(
          'unavailable',
          `${envVar} could not be saved in the secret store, so nothing was changed: ${(error as Error).message}`,
        );
      }
    }
    return undo;
  }

  /** The secret store for an edit that must put secrets there: `unavailable`, with `why`, when it cannot open. */
  async #openSecrets(why: string): Promise<SecretStore> {
    try {
      return await this.ctx.secrets();
    } catch (error) {
      throw new AdminError('unavailable', `${why}: ${(error as Error).message}`);
    }
  }

  /** Deletes secrets an edit (or a removal) stopped referencing, unless another server still uses them. */
  async #forgetUnusedSecrets(server: string, before: ReturnType<typeof secretRefs>): Promise<void> {
    if (before.length === 0) return;
    const stillUsed = new Set(
      Object.values((await this.ctx.configFile.load()).config.mcpServers).flatMap((spec) =>
        secretRefs(spec.env).map((ref) => ref.key),
      ),
    );
    const orphaned = before.filter((ref) => !stillUsed.has(ref.key));
    if (orphaned.length === 0) return;
    try {
      const store = await this.ctx.secrets();
      await Promise.all(orphaned.map((ref) => store.delete(ref.key)));
    } catch (error) {
      this.ctx.bus.log(
        'warn',
        'ferry',
        `could not delete the secrets "${server}" no longer uses: ${(error as Error).message}`,
      );
    }
  }

  async setDisabled(name: string, disabled: boolean): Promise<ServerStatus> {
    this.server(name);
    await this.#edit((file) => file.setDisabled(name, disabled));
    return this.server(name);
  }

  /**
   * Adds every server of a pasted Claude Desktop snippet (or of Claude Desktop's own config) at once, as
   * `ferry import` does: secret-looking env values go to the secret store and the config holds only
   * `${secret:…}` references; what cannot be imported is listed with the reason.
   */
  async importServers(input: {
    servers?: Record<string, unknown>;
    fromClaudeDesktop?: boolean;
    overwrite?: boolean;
    /** Only say what would be imported (nothing written, the secret store untouched), for the user to confirm. */
    preview?: boolean;
  }): Promise<ImportReport> {
    let entries = input.servers;
    let source = 'the pasted snippet';
    if (input.fromClaudeDesktop) {
      source = claudeDesktopConfigPath();
      entries = await readSourceServers(source).catch((error: unknown) => {
        if (!(error instanceof ConfigError)) throw error;
        // The file's own message ends in CLI advice ("give the path explicitly"); the window has other ways.
        if (error.code === 'config_not_found')
          throw new AdminError(
            'not_found',
            `Claude Desktop config not found at ${source}. Install Claude Desktop and add its servers there, or paste a snippet instead`,
          );
        throw new AdminError('invalid_input', error.message);
      });
    }
    if (!entries || Object.keys(entries).length === 0)
      throw new AdminError('invalid_input', `there is no server to import in ${source}`);
    const clashFix = 'remove or rename the one Ferry has first';
    if (input.preview) {
      return previewImport(entries, source, {
        target: this.ctx.configFile,
        moveSecrets: 'detected',
        overwrite: input.overwrite === true,
        clashFix,
        secretStore: storeKind(this.ctx.status().secretStore),
      }).catch((error: unknown) => {
        throw error instanceof ConfigError
          ? new AdminError('config_broken', error.message, error.issues)
          : error;
      });
    }
    const store = await this.#openSecrets(
      'the secret store cannot be opened, so secrets would end up in the config',
    );
    let result;
    try {
      result = await importServers(entries, source, {
        target: this.ctx.configFile,
        secrets: store,
        moveSecrets: 'detected',
        overwrite: input.overwrite === true,
        clashFix,
      });
    } catch (error) {
      if (error instanceof ConfigError) throw new AdminError('config_broken', error.message, error.issues);
      throw error;
    }
    if (result.report.imported.length > 0 && result.config) await this.ctx.apply(result.config);
    return result.report;
  }

  /** Removes the server from the config and forgets the secrets only it referenced. */
  async removeServer(name: string): Promise<void> {
    this.server(name);
    const { config } = await this.ctx.configFile.load().catch(() => ({ config: undefined }));
    const refs = secretRefs(config?.mcpServers[name]?.env);
    await this.#edit((file) => file.removeServer(name));
    await this.#forgetUnusedSecrets(name, refs);
  }

  async restartServer(name: string): Promise<ServerStatus> {
    this.server(name);
    await this.ctx.hub.restartServer(name);
    return this.server(name);
  }

  consents(): PendingConsent[] {
    return this.#auth().consents.pending();
  }

  async approveConsent(id: string, options: { remember?: boolean } = {}): Promise<PendingConsent> {
    return this.#auth().consents.approve(id, options);
  }

  denyConsent(id: string): PendingConsent {
    return this.#auth().consents.deny(id);
  }

  /** The user's clients: the doctor's own, while a run holds its token, is Ferry itself and not listed. */
  clients(): ClientSummary[] {
    return this.#auth()
      .listClients()
      .filter((client) => client.clientId !== SELF_CLIENT_ID);
  }

  /** Approvals remembered by "Approve and remember", each bound to one browser, client, redirect URI and resource. */
  rememberedApprovals(): RememberedApproval[] {
    return this.#auth().listRemembered();
  }

  async forgetRememberedApproval(id: string): Promise<{ forgotten: true }> {
    if (!(await this.#auth().forgetRemembered(id))) {
      throw new AdminError('not_found', `no remembered approval ${id}`);
    }
    return { forgotten: true };
  }

  /** Revokes everything of a client at once: grants, refresh tokens, remembered consent, open sessions. */
  async revokeClient(clientId: string): Promise<{ revokedGrants: number; closedSessions: number }> {
    const auth = this.#auth();
    if (!auth.store.hasConnection(clientId)) {
      throw new AdminError('not_found', `no client ${clientId}`);
    }
    const grants = await auth.store.deleteClient(clientId);
    await auth.forgetClient(clientId);
    const closedSessions = await this.ctx.hub.closeSessionsOfGrants(grants, 'client revoked');
    this.ctx.bus.emit({
      type: 'auth',
      kind: 'client.revoked',
      clientId,
      detail: `revoked ${grants.length} grant(s), closed ${closedSessions} session(s)`,
    });
    return { revokedGrants: grants.length, closedSessions };
  }

  #auth(): Auth {
    const auth = this.ctx.auth();
    if (!auth)
      throw new AdminError(
        'unavailable',
        'OAuth is off (ferry serve --no-auth): there are no consents or clients',
      );
    return auth;
  }

  /**
   * Replays Claude's connector handshake against `url` (default: Ferry's own public connector URL) and
   * explains each step. The throwaway client its registration check creates is removed afterwards. With
   * `withToken`, the checks after sign-in run too, with a token Ferry mints for its own URL (selfToken.ts):
   * made when those checks start, revoked when the run ends, however it ends. One run at a time.
   */
  async doctor(input: {
    url?: string;
    token?: string;
    withToken?: boolean;
    callTool?: string;
    slowTool?: string;
  }): Promise<DoctorReport> {
    const { runDoctor } = await import('../doctor/index.js');
    const url = input.url ?? this.ctx.status().mcpUrl;
    if (!url) throw new AdminError('unavailable', 'Ferry has no public URL yet');
    const auth = this.ctx.auth();
    if (input.withToken) selfTokenAllowed(auth, url, input.token);
    if (this.#doctorRunning)
      throw new AdminError('conflict', 'the doctor is already running: wait for its result');
    this.#doctorRunning = true;
    const timeline = this.ctx.timeline?.();
    const saved = timeline?.checkpoint();
    let minted: SelfToken | undefined;
    try {
      const report = await runDoctor({
        url,
        advice: WINDOW_ADVICE,
        ...(input.token ? { token: input.token } : {}),
        ...(input.withToken && auth
          ? {
              clientName: SELF_CLIENT_NAME,
              mintToken: async () => {
                minted = await auth.mintSelfToken(url);
                return minted.value;
              },
            }
          : {}),
        ...(input.callTool ? { callTool: { name: input.callTool } } : {}),
        ...(input.slowTool ? { slowTool: { name: input.slowTool } } : {}),
      });
      if (report.testClientId && auth?.store.hasClient(report.testClientId)) {
        await auth.store.deleteClient(report.testClientId);
      }
      // Every failure of a paused Ferry has one cause, whatever the edge or the listener answered.
      return this.ctx.exposure.state().paused ? pausedReport(report) : report;
    } finally {
      if (minted) await this.#revokeSelfToken(minted);
      // The doctor's own requests look like Claude's: the live timeline goes back to what it showed before.
      if (url === this.ctx.status().mcpUrl && saved) timeline?.restore(saved);
      this.#doctorRunning = false;
    }
  }

  #doctorRunning = false;

  /** Ends the doctor's token however the run ended; a failure is logged (the grant expires on its own). */
  async #revokeSelfToken(token: SelfToken): Promise<void> {
    try {
      await token.revoke();
      await this.ctx.hub.closeSessionsOfGrants([token.grantId], 'the doctor finished');
    } catch (error) {
      this.ctx.bus.log(
        'warn',
        'auth',
        `could not revoke the doctor's token at once (it expires within ${SELF_TOKEN_TTL_SECONDS} s): ${(error as Error).message}`,
      );
    }
  }

  /** Claude's real requests mapped onto the expected sequence, with the likely cause when it stalls. */
  timeline(): TimelineSnapshot | undefined {
    return this.ctx.timeline?.()?.snapshot();
  }

  /** Every tool of every running server with its policy, pin state and hidden-instruction flags. */
  tools(): ToolView[] {
    return this.ctx.gate.list(this.ctx.hub.toolCatalogs());
  }

  /**
   * Sets (or with `null` removes) one tool's own policy in the config; every open session's lists follow at
   * once. A tool not listed yet can be given a policy too (a `deny` before a server grows that tool).
   */
  async setToolPolicy(server: string, tool: string, policy: ToolPolicy | null): Promise<ToolPolicyResult> {
    this.server(server);
    if (tool.length === 0 || tool.length > 128)
      throw new AdminError('invalid_input', 'a tool name has 1 to 128 characters');
    await this.#edit((file) => file.setToolPolicy(server, tool, policy));
    const effective = this.ctx.gate.policyOf(server, tool, this.#presented(server, tool));
    return { server, tool, policy: effective.policy, policySource: effective.source };
  }

  /** One tool with the definition Ferry pinned next to the one its server presents now (the review diff). */
  tool(server: string, tool: string): ToolView {
    this.server(server);
    const found = this.#presented(server, tool);
    if (!found) throw new AdminError('not_found', `"${server}" lists no tool named "${tool}" now`);
    return this.ctx.gate.detail(server, found);
  }

  /** The server's own default tool policy and the Ferry-wide fallback. */
  serverToolPolicy(server: string): ServerToolPolicy {
    this.server(server);
    const settings = this.ctx.settings();
    const own = Object.hasOwn(settings.servers, server) ? settings.servers[server] : undefined;
    return {
      server,
      defaultToolPolicy: own?.defaultToolPolicy ?? null,
      fallback: settings.toolPolicy.default,
    };
  }

  /**
   * Sets (or with `null` removes) a server's default tool policy in the config. Like a tool's own policy,
   * it applies at once to every open session and never restarts the child.
   */
  async setServerToolPolicy(server: string, policy: ToolPolicy | null): Promise<ServerToolPolicy> {
    this.server(server);
    await this.#edit((file) => file.setServerToolPolicy(server, policy));
    return this.serverToolPolicy(server);
  }

  #presented(server: string, tool: string) {
    return this.ctx.hub
      .toolCatalogs()
      .find((c) => c.server === server)
      ?.tools.find((t) => t.name === tool);
  }

  /** Accepts the definition a held tool now presents (after the user reviewed the diff in `review`). */
  acceptTool(server: string, tool: string): ToolView {
    this.ctx.gate.accept(server, tool);
    const view = this.tools().find((t) => t.server === server && t.name === tool);
    if (!view) throw new AdminError('not_found', `the tool "${tool}" of "${server}" is not listed any more`);
    return view;
  }

  approvals(): PendingApproval[] {
    return this.ctx.gate.approvals.pending();
  }

  /**
   * Lets a waiting call run. `always` also sets the tool's policy to `allow` in the config, so its later
   * calls (and the ones waiting now) run without asking.
   */
  async approveToolCall(id: string, remember: 'once' | 'always' = 'once'): Promise<PendingApproval> {
    const approval = this.ctx.gate.approvals.approve(id, remember === 'always');
    if (remember === 'always') await this.setToolPolicy(approval.server, approval.tool, 'allow');
    return approval;
  }

  denyToolCall(id: string): PendingApproval {
    return this.ctx.gate.approvals.deny(id);
  }

  /** The audit trail, newest first (from memory: the newest `auditMemory` records). */
  audit(limit = 100, filter: AuditFilter = {}): AuditRecord[] {
    return this.ctx.gate.auditTrail(clampLimit(limit), filter);
  }

  /** The audit trail as JSON Lines, oldest first, from every file on disk (rotated ones included). */
  auditExport(query: Omit<AuditQuery, 'limit'>): AdminDownload {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return new AdminDownload(
      `ferry-audit-${stamp}.jsonl`,
      'application/x-ndjson',
      this.ctx.gate.auditExport(auditFilter(query)),
    );
  }

  calls(limit = 100): Stamped<Extract<CoreEvent, { type: 'call.end' }>>[] {
    return this.ctx.bus.calls.toArray(clampLimit(limit));
  }

  logs(limit = 200): Stamped<Extract<CoreEvent, { type: 'log' }>>[] {
    return this.ctx.bus.logs.toArray(clampLimit(limit));
  }

  /** `onWriteFailed` runs when the file was not written (the running servers are then left alone too). */
  async #edit(
    change: (file: ConfigFile) => Promise<FerryConfig>,
    onWriteFailed?: () => Promise<void>,
  ): Promise<void> {
    let config: FerryConfig;
    try {
      config = await change(this.ctx.configFile);
    } catch (error) {
      await onWriteFailed?.();
      if (error instanceof ConfigError && error.code === 'server_exists') {
        // Said once, at the name field: the file's message carries its path and its fix inline.
        const { message, fix } = splitFix(error.message, error.file);
        throw new AdminError('conflict', message, [{ path: 'name', message, fix }]);
      }
      if (error instanceof ConfigError) {
        const code =
          error.code === 'server_exists'
            ? 'conflict'
            : error.code === 'server_not_found'
              ? 'not_found'
              : error.code === 'config_invalid' && error.issues.length > 0
                ? 'invalid_input'
                : 'config_broken';
        // Field issues are shown at their fields; the message must not list them again, with file paths.
        throw new AdminError(
          code,
          code === 'invalid_input' ? 'the change would make the config invalid' : error.message,
          error.issues,
        );
      }
      throw error;
    }
    await this.ctx.apply(config);
  }
}

/** What a skipped doctor check says in the window, which has controls where the CLI has flags. */
const WINDOW_ADVICE: DoctorAdvice = {
  token:
    'needs an access token: tick "Also run the checks after sign-in" for Ferry\'s own URL, or paste a token',
  callTool: 'name one in "Tool to call" to call it',
  slowTool: 'no slow tool named in "Slow tool"',
};

/**
 * Refuses a self-token run Ferry must not make: without OAuth there is nothing to mint, a token for another
 * URL would hand Ferry's credential to someone else, and a pasted token besides is ambiguous.
 */
function selfTokenAllowed(auth: Auth | undefined, url: string, token: string | undefined): void {
  if (!auth)
    throw new AdminError(
      'conflict',
      'OAuth is off (ferry serve --no-auth): the checks after sign-in need no token',
    );
  const issue = (message: string, fix: string) =>
    new AdminError('invalid_input', message, [{ path: 'withToken', message, fix }]);
  if (token) throw issue('a pasted token and a token made by Ferry cannot both be used', 'choose one');
  if (auth.resources.canonical(url) !== url)
    throw issue(
      `Ferry makes tokens only for its own connector URLs, not for ${url}`,
      'paste an access token for that URL instead',
    );
}

/**
 * The env after per-variable edits, planned without touching the secret store: removed names go, set names
 * get their new value, the rest stay as the config has them (the window never sees values). A secret-looking
 * value becomes a `${secret:…}` reference, and its value is listed in `secrets` to store once the whole edit
 * is known to be valid.
 */
function changedEnv(
  server: string,
  current: Record<string, string> | undefined,
  changes: { set: Record<string, string>; remove: string[] },
): {
  env: Record<string, string>;
  secrets: { envVar: string; key: string; value: string }[];
  issues: ConfigIssue[];
} {
  const env = new Map(Object.entries(current ?? {}));
  const secrets: { envVar: string; key: string; value: string }[] = [];
  const issues: ConfigIssue[] = [];
  for (const key of changes.remove) env.delete(key);
  for (const [key, value] of Object.entries(changes.set)) {
    if (!shouldMoveSecret(key, value) || parseSecretRef(value) !== undefined) {
      env.set(key, value);
      continue;
    }
    let ref: string;
    try {
      ref = secretKeyFor(server, key);
    } catch {
      issues.push({
        path: `env.${key}`,
        message: `${key} looks like a secret, but a secret cannot be stored under this name`,
        fix: 'use letters, digits, ".", "_" or "-" in the variable name',
      });
      continue;
    }
    secrets.push({ envVar: key, key: ref, value });
    env.set(key, secretRef(ref));
  }
  return { env: Object.fromEntries(env), secrets, issues };
}

/** The store kind the status names ("memory (OS keychain unavailable)" is memory). */
function storeKind(named: string): SecretStore['kind'] {
  return named === 'keychain' || named === 'file' ? named : 'memory';
}

/** "<file>: what. Fix: how." as its two halves, without the file (the window names the file elsewhere). */
function splitFix(text: string, file: string): { message: string; fix: string } {
  const bare = text.startsWith(`${file}: `) ? text.slice(file.length + 2) : text;
  const at = bare.indexOf(' Fix: ');
  const trim = (part: string) => part.replace(/\.\s*$/, '');
  return at === -1
    ? { message: trim(bare), fix: '' }
    : { message: trim(bare.slice(0, at)), fix: trim(bare.slice(at + 6)) };
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

function clampLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(1, Math.min(Math.trunc(limit), 5000)) : 100;
}

/** The admin query (`q` for the text) as the audit log's filter, unset parameters left out. */
export function auditFilter(query: Omit<AuditQuery, 'limit'>): AuditFilter {
  const { server, tool, client, decision, outcome, since, until, q } = query;
  const filter: AuditFilter = {};
  if (server !== undefined) filter.server = server;
  if (tool !== undefined) filter.tool = tool;
  if (client !== undefined) filter.client = client;
  if (decision !== undefined) filter.decision = decision;
  if (outcome !== undefined) filter.outcome = outcome;
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  if (q !== undefined) filter.text = q;
  return filter;
}
