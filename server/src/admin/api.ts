import { ConfigError } from '../config/errors.js';
import type { ConfigFile, ServerOptionsInput, ServerSpecInput, ServerSpecPatch } from '../config/save.js';
import type { FerryConfig } from '../config/schema.js';
import { validateServerInput } from '../config/serverInput.js';
import type { EventBus } from '../events/bus.js';
import type { Stamped, CoreEvent } from '../events/types.js';
import type { Hub, ServerStatus } from '../hub/hub.js';
import type { Auth } from '../auth/index.js';
import { ConsentError } from '../auth/consent.js';
import type { ClientSummary } from '../auth/store/index.js';
import type { PendingConsent } from '../events/types.js';
import { secretRefs } from '../secrets/resolve.js';
import type { SecretStore } from '../secrets/types.js';
import { AdminError } from './errors.js';

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
  sessions: number;
  secretStore: string;
  servers: ServerStatus[];
}

export interface ServerInput {
  name: string;
  spec: ServerSpecInput;
  options?: ServerOptionsInput;
}

export interface AdminContext {
  hub: Hub;
  bus: EventBus;
  configFile: ConfigFile;
  status: () => Omit<StatusSnapshot, 'servers'>;
  /** The OAuth server, when it runs. */
  auth: () => Auth | undefined;
  /** The secret store, opened on first use. */
  secrets: () => Promise<SecretStore>;
  /** Applies a config the file now holds; the demo config is replaced by the first real server. */
  apply: (config: FerryConfig) => Promise<void>;
}

/**
 * Every admin operation once, transport-free: the headless HTTP listener and Electron's IPC both call
 * these. Config changes go to the file first (validated, atomic) and only then to the running servers.
 */
export class AdminApi {
  constructor(private readonly ctx: AdminContext) {}

  status(): StatusSnapshot {
    return { ...this.ctx.status(), servers: this.ctx.hub.statuses() };
  }

  servers(): ServerStatus[] {
    return this.ctx.hub.statuses();
  }

  server(name: string): ServerStatus {
    const found = this.ctx.hub.statuses().find((s) => s.name === name);
    if (!found) throw new AdminError('not_found', `no server named "${name}"`);
    return found;
  }

  async addServer(input: ServerInput): Promise<ServerStatus> {
    const issues = validateServerInput(input.name, input.spec, input.options);
    if (issues.length > 0)
      throw new AdminError('invalid_input', 'the server definition has problems', issues);
    await this.#edit((file) => file.addServer(input.name, input.spec, input.options));
    return this.server(input.name);
  }

  async updateServer(
    name: string,
    patch: ServerSpecPatch,
    options?: ServerOptionsInput,
  ): Promise<ServerStatus> {
    this.server(name);
    await this.#edit(async (file) => {
      if (options !== undefined) await file.setServerOptions(name, options);
      return file.updateServer(name, patch);
    });
    return this.server(name);
  }

  async setDisabled(name: string, disabled: boolean): Promise<ServerStatus> {
    this.server(name);
    await this.#edit((file) => file.setDisabled(name, disabled));
    return this.server(name);
  }

  /** Removes the server from the config and forgets the secrets only it referenced. */
  async removeServer(name: string): Promise<void> {
    this.server(name);
    const { config } = await this.ctx.configFile.load().catch(() => ({ config: undefined }));
    const refs = secretRefs(config?.mcpServers[name]?.env);
    await this.#edit((file) => file.removeServer(name));
    const stillUsed = new Set(
      Object.values((await this.ctx.configFile.load()).config.mcpServers).flatMap((spec) =>
        secretRefs(spec.env).map((ref) => ref.key),
      ),
    );
    const orphaned = refs.filter((ref) => !stillUsed.has(ref.key));
    if (orphaned.length === 0) return;
    try {
      const store = await this.ctx.secrets();
      await Promise.all(orphaned.map((ref) => store.delete(ref.key)));
    } catch (error) {
      this.ctx.bus.log(
        'warn',
        'ferry',
        `could not delete the secrets of "${name}": ${(error as Error).message}`,
      );
    }
  }

  async restartServer(name: string): Promise<ServerStatus> {
    this.server(name);
    try {
      await this.ctx.hub.restartServer(name);
    } catch (error) {
      throw new AdminError('conflict', (error as Error).message);
    }
    return this.server(name);
  }

  consents(): PendingConsent[] {
    return this.#auth().consents.pending();
  }

  async approveConsent(id: string, options: { remember?: boolean } = {}): Promise<PendingConsent> {
    try {
      return await this.#auth().consents.approve(id, options);
    } catch (error) {
      throw consentError(error);
    }
  }

  denyConsent(id: string): PendingConsent {
    try {
      return this.#auth().consents.deny(id);
    } catch (error) {
      throw consentError(error);
    }
  }

  clients(): ClientSummary[] {
    return this.#auth().store.listClients();
  }

  /** Revokes everything of a client at once: grants, refresh tokens, remembered consent, open sessions. */
  async revokeClient(clientId: string): Promise<{ revokedGrants: number; closedSessions: number }> {
    const auth = this.#auth();
    if (!auth.store.hasClient(clientId)) {
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

  calls(limit = 100): Stamped<Extract<CoreEvent, { type: 'call.end' }>>[] {
    return this.ctx.bus.calls.toArray(clampLimit(limit));
  }

  logs(limit = 200): Stamped<Extract<CoreEvent, { type: 'log' }>>[] {
    return this.ctx.bus.logs.toArray(clampLimit(limit));
  }

  async #edit(change: (file: ConfigFile) => Promise<FerryConfig>): Promise<void> {
    let config: FerryConfig;
    try {
      config = await change(this.ctx.configFile);
    } catch (error) {
      if (error instanceof ConfigError) {
        const code =
          error.code === 'server_exists'
            ? 'conflict'
            : error.code === 'server_not_found'
              ? 'not_found'
              : error.code === 'config_invalid' && error.issues.length > 0
                ? 'invalid_input'
                : 'config_broken';
        throw new AdminError(code, error.message, error.issues);
      }
      throw error;
    }
    await this.ctx.apply(config);
  }
}

function clampLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(1, Math.min(Math.trunc(limit), 5000)) : 100;
}

function consentError(error: unknown): unknown {
  if (error instanceof ConsentError) {
    return new AdminError(error.code === 'consent_not_found' ? 'not_found' : 'conflict', error.message);
  }
  return error;
}
