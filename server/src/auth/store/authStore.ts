import { writeFileAtomic } from '../../util/atomicWrite.js';
import { StoreAdapter, type AdapterHost } from './adapter.js';
import { hashClientSecret, isHashedClientSecret } from './clientSecret.js';
import { authStateIoError, AuthStoreError } from './errors.js';
import { isExpired, ModelTable } from './modelTable.js';
import { readStateFile, serializeState } from './stateFile.js';
import {
  isDurable,
  isPersistedModel,
  PERSISTED_MODELS,
  type Adapter,
  type AuthStoreOptions,
  type ClientSummary,
  type GrantSummary,
  type StoredEntry,
} from './types.js';
import { WriteBehind } from './writeBehind.js';

const DEFAULT_GRACE_SECONDS = 30;
const DEFAULT_FLUSH_DELAY_MS = 50;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
const DEFAULT_MAX_ENTRIES = 10_000;
/** `touchClient` writes at most this often per client: last use is for people, not for accounting. */
const TOUCH_RESOLUTION_SECONDS = 60;
/**
 * Never-approved registrations kept in memory; one more drops the oldest. At the registration rate limit
 * (burst 20, then one every 3 s) a flood needs about 50 minutes to push out a registration, far longer than
 * the 15 minutes an authorization request lives, so a real client is never dropped while its user decides.
 * With registration bodies capped at 16 KiB that is at most about 16 MiB of memory.
 */
export const MAX_UNAPPROVED_CLIENTS = 1_000;

/**
 * oidc-provider's storage for one Ferry instance. Client, Grant and RefreshToken are kept in a JSON file
 * (docs/oauth-storage.md) so connections survive a restart; everything short-lived (sessions, interactions,
 * codes, access tokens, replay markers) lives in bounded memory. Expired entries are never returned and are
 * swept periodically. Wire it up as `adapter: (name) => store.adapterFor(name)`.
 */
export class AuthStore {
  readonly #tables = new Map<string, ModelTable>();
  readonly #adapters = new Map<string, StoreAdapter>();
  readonly #now: () => number;
  readonly #maxEntries: number;
  readonly #maxUnapproved: number;
  readonly #writer: WriteBehind;
  readonly #host: AdapterHost;
  #sweepTimer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #grantOnlyLastUsed = new Map<string, number>();

  private constructor(
    readonly file: string,
    options: AuthStoreOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntriesPerModel ?? DEFAULT_MAX_ENTRIES;
    this.#maxUnapproved = options.maxUnapprovedClients ?? MAX_UNAPPROVED_CLIENTS;
    for (const model of PERSISTED_MODELS) this.#tables.set(model, new ModelTable(model));
    const onWriteError = options.onWriteError;
    this.#writer = new WriteBehind(
      () => this.#write(),
      options.flushDelayMs ?? DEFAULT_FLUSH_DELAY_MS,
      (error) => onWriteError?.(error instanceof Error ? error : new Error(String(error))),
    );
    const refreshGraceSeconds = options.refreshGraceSeconds ?? DEFAULT_GRACE_SECONDS;
    this.#host = {
      refreshGraceSeconds,
      nowSeconds: () => this.#nowSeconds(),
      table: (model) => this.#table(model),
      changed: (durable) => (durable ? this.#persist() : Promise.resolve()),
      grantSaved: (clientId) => this.#grantSaved(clientId),
      clientSaved: (_clientId, entry) => {
        if (entry.approvedAt === undefined) this.#dropOldestUnapproved();
      },
    };
    this.#sweepTimer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
    // The sweep is housekeeping: it must never keep the process alive on its own.
    this.#sweepTimer.unref();
  }

  /**
   * Loads `file` (a missing file is a fresh start). Throws AuthStoreError `auth_state_corrupt`,
   * `auth_state_version` or `auth_state_io` rather than start over a file it cannot read: the next write
   * would destroy every client and grant in it.
   */
  static async open(file: string, options: AuthStoreOptions = {}): Promise<AuthStore> {
    const state = await readStateFile(file);
    const store = new AuthStore(file, options);
    if (state !== undefined) {
      const now = store.#nowSeconds();
      for (const model of PERSISTED_MODELS) {
        const table = store.#table(model);
        for (const [key, entry] of state[model]) if (!isExpired(entry, now)) table.set(key, entry);
      }
      // Written at once, so that a clear secret or a never-approved client does not stay on disk until the
      // next change happens to rewrite the file.
      if (store.#migrateLoaded()) await store.#persist();
    }
    return store;
  }

  /**
   * Brings clients from files of earlier Ferry versions to today's rules; true when the file must be
   * rewritten. Clear client secrets are hashed; a client with a grant but no `approvedAt` (written before it
   * was recorded) is approved as of its oldest grant; a never-approved one stays, in memory only.
   */
  #migrateLoaded(): boolean {
    let rewrite = false;
    const grants = this.#table('Grant');
    for (const [clientId, entry] of this.#table('Client').entries()) {
      const secret = entry.payload.client_secret;
      if (typeof secret === 'string' && !isHashedClientSecret(secret)) {
        entry.payload.client_secret = hashClientSecret(secret);
        rewrite = true;
      }
      if (entry.approvedAt !== undefined) continue;
      const grantTimes = grants.keysByClient(clientId).map((id) => grants.peek(id)?.createdAt ?? Infinity);
      if (grantTimes.length > 0) entry.approvedAt = Math.min(...grantTimes);
      rewrite = true;
    }
    return rewrite;
  }

  /** The adapter oidc-provider asks for, one per model name. */
  adapterFor(name: string): Adapter {
    let adapter = this.#adapters.get(name);
    if (adapter === undefined) this.#adapters.set(name, (adapter = new StoreAdapter(name, this.#host)));
    return adapter;
  }

  /**
   * Synchronous and O(1): Ferry calls it on every MCP request, so deleting a client or revoking a grant cuts
   * off access tokens already handed out (they live until expiry otherwise).
   */
  grantExists(grantId: string): boolean {
    return this.#table('Grant').live(grantId, this.#nowSeconds()) !== undefined;
  }

  hasClient(clientId: string): boolean {
    return this.#table('Client').live(clientId, this.#nowSeconds()) !== undefined;
  }

  /** The `client_name` of a registered client (O(1): the audit trail asks on every tool call). */
  registeredName(clientId: string): string | undefined {
    const name = this.#table('Client').live(clientId, this.#nowSeconds())?.payload.client_name;
    return typeof name === 'string' ? name : undefined;
  }

  /**
   * A registered client, or one known only by its grants: clients resolved from a Client ID Metadata
   * Document (Claude's included) are never stored as Client rows, yet the user must see and revoke them.
   */
  hasConnection(clientId: string): boolean {
    return this.hasClient(clientId) || this.#liveGrantIds(clientId).length > 0;
  }

  #liveGrantIds(clientId: string): string[] {
    const now = this.#nowSeconds();
    const grants = this.#table('Grant');
    return grants.keysByClient(clientId).filter((id) => {
      const grant = grants.peek(id);
      return grant !== undefined && !isExpired(grant, now);
    });
  }

  /** Every registered client with its live grants, oldest client first. Times are epoch seconds. */
  listClients(): ClientSummary[] {
    const now = this.#nowSeconds();
    const grants = this.#table('Grant');
    const clients: ClientSummary[] = [];
    for (const [clientId, entry] of this.#table('Client').entries()) {
      if (isExpired(entry, now)) continue;
      const { client_name: clientName, redirect_uris: redirectUris } = entry.payload;
      const summary: ClientSummary = {
        clientId,
        state: isDurable('Client', entry) ? 'approved' : 'registered',
        redirectUris: Array.isArray(redirectUris)
          ? redirectUris.filter((uri): uri is string => typeof uri === 'string')
          : [],
        createdAt: entry.createdAt,
        grants: [],
      };
      if (typeof clientName === 'string') summary.clientName = clientName;
      if (entry.lastUsedAt !== undefined) summary.lastUsedAt = entry.lastUsedAt;
      for (const grantId of grants.keysByClient(clientId)) {
        const grant = grants.peek(grantId);
        if (grant !== undefined && !isExpired(grant, now)) summary.grants.push(grantSummary(grantId, grant));
      }
      clients.push(summary);
    }
    // Metadata-document clients have grants but no Client row.
    const listed = new Set(clients.map((c) => c.clientId));
    const grantOnly = new Map<string, ClientSummary>();
    for (const [grantId, grant] of grants.entries()) {
      const clientId = grant.payload.clientId;
      if (typeof clientId !== 'string' || listed.has(clientId) || isExpired(grant, now)) continue;
      let summary = grantOnly.get(clientId);
      if (!summary) {
        summary = { clientId, state: 'approved', redirectUris: [], createdAt: grant.createdAt, grants: [] };
        const lastUsed = this.#grantOnlyLastUsed.get(clientId);
        if (lastUsed !== undefined) summary.lastUsedAt = lastUsed;
        grantOnly.set(clientId, summary);
      }
      summary.createdAt = Math.min(summary.createdAt, grant.createdAt);
      summary.grants.push(grantSummary(grantId, grant));
    }
    return [...clients, ...grantOnly.values()];
  }

  /**
   * Records that `clientId` just made an authenticated request (`at`: epoch seconds, default now). Written
   * at most once a minute per client; the write is not awaited. An unknown client is ignored.
   */
  touchClient(clientId: string, at: number = this.#nowSeconds()): void {
    const entry = this.#table('Client').live(clientId, this.#nowSeconds());
    if (entry === undefined && !this.#closed && this.#liveGrantIds(clientId).length > 0) {
      // Metadata-document clients: last use is kept in memory only (there is no row to put it in).
      this.#grantOnlyLastUsed.set(clientId, at);
      return;
    }
    if (entry === undefined || this.#closed) return;
    if (entry.lastUsedAt !== undefined && at - entry.lastUsedAt < TOUCH_RESOLUTION_SECONDS) return;
    entry.lastUsedAt = at;
    if (isDurable('Client', entry)) this.#persistInBackground();
  }

  /**
   * Removes the client, its grants and every token, code or other entry issued to it, and waits until that is
   * on disk. Returns the grant ids that went with it (the caller closes streams opened under them); empty
   * when there was nothing to remove (see `hasClient` to tell an unknown client apart).
   */
  async deleteClient(clientId: string): Promise<string[]> {
    const { durable, grantIds } = this.#removeClient(clientId);
    if (durable) await this.#persist();
    return grantIds;
  }

  /**
   * Removes dynamically registered clients older than `maxAgeSeconds` that never had a Grant: claude.ai
   * registers a new client on each fresh connection attempt, and abandoned ones would pile up in memory
   * (never on disk: only approved clients are written). Returns the ids removed.
   */
  async sweepUnapprovedClients(maxAgeSeconds: number): Promise<string[]> {
    const cutoff = this.#nowSeconds() - maxAgeSeconds;
    const grants = this.#table('Grant');
    const stale: string[] = [];
    for (const [clientId, entry] of this.#table('Client').entries()) {
      if (
        entry.approvedAt === undefined &&
        entry.createdAt <= cutoff &&
        grants.keysByClient(clientId).length === 0
      )
        stale.push(clientId);
    }
    let durable = false;
    for (const clientId of stale) if (this.#removeClient(clientId).durable) durable = true;
    if (durable) await this.#persist();
    return stale;
  }

  /** Drops every expired entry; returns how many. Runs on its own timer too. */
  sweep(): number {
    const now = this.#nowSeconds();
    let removed = 0;
    let persistedChanged = false;
    for (const [model, table] of this.#tables) {
      const count = table.sweep(now);
      removed += count;
      if (count > 0 && isPersistedModel(model)) persistedChanged = true;
    }
    if (persistedChanged && !this.#closed) this.#persistInBackground();
    return removed;
  }

  /** Writes pending changes now; rejects with `auth_state_io` if the write fails. */
  async flush(): Promise<void> {
    await this.#writer.flush();
  }

  /** Stops the sweep timer and writes pending changes. Changes to persisted models afterwards are refused. */
  async close(): Promise<void> {
    if (this.#sweepTimer !== undefined) clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
    this.#closed = true;
    await this.#writer.flush();
  }

  #nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  #table(model: string): ModelTable {
    let table = this.#tables.get(model);
    if (table === undefined) this.#tables.set(model, (table = new ModelTable(model, this.#maxEntries)));
    return table;
  }

  #grantSaved(clientId: string): void {
    const client = this.#table('Client').peek(clientId);
    if (client !== undefined && client.approvedAt === undefined) client.approvedAt = this.#nowSeconds();
  }

  /** Keeps at most `maxUnapprovedClients` never-approved clients, dropping the oldest registrations. */
  #dropOldestUnapproved(): void {
    const unapproved: string[] = [];
    // O(clients) per registration, which the registration rate limit keeps rare.
    for (const [clientId, entry] of this.#table('Client').entries())
      if (entry.approvedAt === undefined) unapproved.push(clientId);
    for (const clientId of unapproved.slice(0, Math.max(0, unapproved.length - this.#maxUnapproved)))
      this.#removeClient(clientId);
  }

  /** `durable`: something that is in the state file went, so the file must be rewritten. */
  #removeClient(clientId: string): { durable: boolean; grantIds: string[] } {
    const grantIds = new Set<string>();
    this.#grantOnlyLastUsed.delete(clientId);
    const client = this.#table('Client').delete(clientId);
    let durable = client !== undefined && isDurable('Client', client);
    for (const [model, table] of this.#tables) {
      for (const key of table.keysByClient(clientId)) {
        const entry = table.delete(key);
        if (entry === undefined) continue;
        if (isDurable(model, entry)) durable = true;
        if (model === 'Grant') grantIds.add(key);
        else if (typeof entry.payload.grantId === 'string') grantIds.add(entry.payload.grantId);
      }
    }
    // A token may name a grant stored under another client id only if something wrote it that way; its
    // grant goes too, so no access outlives the client.
    for (const grantId of grantIds) if (this.#table('Grant').delete(grantId) !== undefined) durable = true;
    return { durable, grantIds: [...grantIds] };
  }

  #persist(): Promise<void> {
    if (this.#closed)
      return Promise.reject(
        new AuthStoreError(
          'auth_store_closed',
          this.file,
          `The OAuth state store for ${this.file} is closed; the change was not saved. Fix: this is a bug in ` +
            'Ferry shutdown order (the OAuth server must stop before its store closes).',
        ),
      );
    return this.#writer.schedule();
  }

  /** For changes nobody waits on; a failure reaches `onWriteError` through the writer's timer. */
  #persistInBackground(): void {
    this.#writer.schedule().catch(() => undefined);
  }

  async #write(): Promise<void> {
    try {
      await writeFileAtomic(
        this.file,
        serializeState((model) => this.#table(model).entries(), this.#nowSeconds()),
        { mode: 0o600 },
      );
    } catch (error) {
      throw authStateIoError(this.file, 'write', error);
    }
  }
}

function grantSummary(grantId: string, entry: StoredEntry): GrantSummary {
  const { openid, resources } = entry.payload as { openid?: { scope?: unknown }; resources?: unknown };
  const summary: GrantSummary = { grantId, createdAt: entry.createdAt };
  if (typeof openid?.scope === 'string' && openid.scope !== '') summary.scope = openid.scope;
  if (resources !== null && typeof resources === 'object' && !Array.isArray(resources)) {
    const scopes = Object.entries(resources).filter(
      (pair): pair is [string, string] => typeof pair[1] === 'string',
    );
    if (scopes.length > 0) summary.resources = Object.fromEntries(scopes);
  }
  if (entry.expiresAt !== undefined) summary.expiresAt = entry.expiresAt;
  return summary;
}
