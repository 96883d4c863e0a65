import { hashClientSecret, isHashedClientSecret } from './clientSecret.js';
import type { ModelTable } from './modelTable.js';
import { hashTokenId } from './tokenHash.js';
import { isDurable, isHashedModel, type Adapter, type AdapterPayload, type StoredEntry } from './types.js';

/** What an adapter needs from the store that owns it. */
export interface AdapterHost {
  readonly refreshGraceSeconds: number;
  /** Epoch seconds. */
  nowSeconds(): number;
  table(model: string): ModelTable;
  /**
   * Called after every change; settles once the change is on disk when `durable` (it touched an entry that
   * belongs in the state file, see `isDurable`), at once otherwise.
   */
  changed(durable: boolean): Promise<void>;
  /** A Grant was saved for `clientId`: the client is approved, goes to the state file and is never swept. */
  grantSaved(clientId: string): void;
  /** A Client was saved: a never-approved one counts against the cap on those kept in memory. */
  clientSaved(clientId: string, entry: StoredEntry): void;
}

/**
 * oidc-provider's adapter for one model, over the store's tables. Payloads are cloned in and out: the provider
 * mutates what `find` returns (Grant scopes, for one), and such edits must not change stored state behind the
 * store's back without ever being written. Every method is async, even the synchronous lookups, so that a
 * throw reaches oidc-provider as a rejection.
 */
export class StoreAdapter implements Adapter {
  readonly #hashed: boolean;

  constructor(
    readonly model: string,
    private readonly host: AdapterHost,
  ) {
    this.#hashed = isHashedModel(model);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const table = this.host.table(this.model);
    const now = this.host.nowSeconds();
    const key = this.#key(id);
    const stored = structuredClone(payload);
    if (this.#hashed) delete stored.jti;
    // oidc-provider built its registration response from its own copy, so the client still gets the raw
    // secret once; only the hash is kept (compared by the override in provider.ts).
    if (
      this.model === 'Client' &&
      typeof stored.client_secret === 'string' &&
      !isHashedClientSecret(stored.client_secret)
    )
      stored.client_secret = hashClientSecret(stored.client_secret);
    // An update (Client re-registration, Grant gaining scopes, Session touch) keeps when it was first stored.
    const previous = table.live(key, now);
    const entry: StoredEntry = { payload: stored, createdAt: previous?.createdAt ?? now };
    if (typeof expiresIn === 'number') entry.expiresAt = now + expiresIn;
    if (previous?.lastUsedAt !== undefined) entry.lastUsedAt = previous.lastUsedAt;
    if (previous?.approvedAt !== undefined) entry.approvedAt = previous.approvedAt;
    table.set(key, entry);
    if (this.model === 'Grant' && typeof stored.clientId === 'string') this.host.grantSaved(stored.clientId);
    if (this.model === 'Client') this.host.clientSaved(key, entry);
    await this.host.changed(isDurable(this.model, entry));
  }

  /**
   * Refresh token rotation grace. oidc-provider consumes a refresh token when it rotates it, and when it later
   * finds a consumed one it treats that as token theft: it destroys the token and revokes the whole grant. A
   * client whose refresh response was lost (network drop, tunnel restart, a tab closed mid-request) retries
   * with the old token and would lose its grant. So for `refreshGraceSeconds` after the consumption, `find`
   * returns the token without `consumed`; the retry succeeds and gets a fresh token (the `consume` it triggers
   * keeps the first timestamp, so retries cannot stretch the window). After the window the token comes back
   * consumed and reuse detection applies as usual. The cost: a token stolen and replayed inside the window is
   * not detected, the same trade-off as the "reuse interval" of hosted identity providers.
   */
  async find(id: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(this.#read(this.#key(id), id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const key = this.host.table(this.model).keyByUid(uid);
    if (key !== undefined) return Promise.resolve(this.#read(key, undefined));
    // An Interaction's uid is its id; oidc-provider finds those with `find`, this covers any other caller.
    return this.model === 'Interaction' ? this.find(uid) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const key = this.host.table(this.model).keyByUserCode(userCode);
    return Promise.resolve(key === undefined ? undefined : this.#read(key, undefined));
  }

  /**
   * Marks the entry used. Only the first call sets `consumed`: a grace-window retry consumes again, and must
   * not restart the window. An unknown or expired id is a no-op, like an UPDATE that matches no row.
   */
  async consume(id: string): Promise<void> {
    const entry = this.host.table(this.model).live(this.#key(id), this.host.nowSeconds());
    if (entry === undefined || entry.payload.consumed !== undefined) return;
    entry.payload.consumed = this.host.nowSeconds();
    await this.host.changed(isDurable(this.model, entry));
  }

  async destroy(id: string): Promise<void> {
    const entry = this.host.table(this.model).delete(this.#key(id));
    if (entry === undefined) return;
    await this.host.changed(isDurable(this.model, entry));
  }

  /** Deletes this model's entries of the grant only; oidc-provider calls it once per token model. */
  async revokeByGrantId(grantId: string): Promise<void> {
    const table = this.host.table(this.model);
    const keys = table.keysByGrant(grantId);
    if (keys.length === 0) return;
    let durable = false;
    for (const key of keys) {
      const entry = table.delete(key);
      if (entry !== undefined && isDurable(this.model, entry)) durable = true;
    }
    await this.host.changed(durable);
  }

  #key(id: string): string {
    return this.#hashed ? hashTokenId(id) : id;
  }

  /** `id` is the presented value, needed to put `jti` back on hashed models. */
  #read(key: string, id: string | undefined): AdapterPayload | undefined {
    const now = this.host.nowSeconds();
    const entry = this.host.table(this.model).live(key, now);
    if (entry === undefined) return undefined;
    const payload = structuredClone(entry.payload);
    if (this.#hashed && id !== undefined) payload.jti = id;
    // The rotation grace, see find().
    if (
      this.model === 'RefreshToken' &&
      typeof payload.consumed === 'number' &&
      now - payload.consumed < this.host.refreshGraceSeconds
    )
      delete payload.consumed;
    return payload;
  }
}
