/**
 * What oidc-provider hands an adapter and expects back: a JSON-safe record. The named fields are the ones the
 * store reads (for indexes, expiry and the grace rule); everything else is opaque and kept verbatim.
 */
export interface AdapterPayload {
  [key: string]: unknown;
  jti?: string;
  kind?: string;
  iat?: number;
  exp?: number;
  /** Epoch seconds at which the token was used up (set by `consume`). */
  consumed?: number;
  grantId?: string;
  clientId?: string;
  accountId?: string;
  /** Session only: the id interactions and tokens refer to the session by. */
  uid?: string;
  /** DeviceCode only. */
  userCode?: string;
}

/**
 * oidc-provider's storage contract, one instance per model. The package ships no types; this mirrors the
 * `Adapter` interface of @types/oidc-provider so the two stay assignable if those types are ever added.
 */
export interface Adapter {
  /** `expiresIn` is in seconds; undefined means the entry never expires (Client). */
  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/** Models written to the state file; every other model lives in memory only. */
export const PERSISTED_MODELS = ['Client', 'Grant', 'RefreshToken'] as const;
export type PersistedModel = (typeof PERSISTED_MODELS)[number];

export function isPersistedModel(model: string): model is PersistedModel {
  return (PERSISTED_MODELS as readonly string[]).includes(model);
}

/**
 * Whether `entry` belongs in the state file. A Client is written only once approved (its first Grant): claude.ai
 * registers a client on every connection attempt, and a registration alone must not grow the file. Until then
 * it lives in memory, where oidc-provider still finds it.
 */
export function isDurable(model: string, entry: StoredEntry): boolean {
  return isPersistedModel(model) && (model !== 'Client' || entry.approvedAt !== undefined);
}

/** Models whose ids are bearer credentials: keyed by their hash so the raw value is never stored. */
export function isHashedModel(model: string): boolean {
  return model === 'RefreshToken';
}

/** One stored record. Times are epoch seconds, like oidc-provider's own `iat`/`exp`/`consumed`. */
export interface StoredEntry {
  payload: AdapterPayload;
  createdAt: number;
  /** Absent: never expires. Expired once `expiresAt <= now`, the same test as oidc-provider's `isExpired`. */
  expiresAt?: number;
  /** Client only: the last authenticated MCP request (see `touchClient`). */
  lastUsedAt?: number;
  /** Client only: when a Grant was first saved for it; unapproved clients are swept. */
  approvedAt?: number;
}

export interface AuthStoreOptions {
  /** Clock in epoch milliseconds (`Date.now` by default); tests inject their own. */
  now?: () => number;
  /** How long a rotated refresh token still works for a retry; default 30 seconds. 0 disables the grace. */
  refreshGraceSeconds?: number;
  /** Changes are written this long after the first of them, together; default 50 ms. */
  flushDelayMs?: number;
  /** Period of the expiry sweep; default 60 s. */
  sweepIntervalMs?: number;
  /** Size cap for each in-memory model (least recently used evicted first); default 10,000. */
  maxEntriesPerModel?: number;
  /**
   * How many registered, never-approved clients are kept (in memory); registering one more drops the oldest.
   * Default `MAX_UNAPPROVED_CLIENTS` (1,000).
   */
  maxUnapprovedClients?: number;
  /**
   * A background write (one no caller awaits: `touchClient`, a sweep) failed. The change stays in memory and
   * is retried with the next write. Without it such failures only surface from the next `flush()`.
   */
  onWriteError?: (error: Error) => void;
}

export interface GrantSummary {
  grantId: string;
  /** OpenID scope (`openid.scope` of the Grant), when any. */
  scope?: string;
  /** Scope granted per resource indicator (RFC 8707), as oidc-provider stores it. */
  resources?: Record<string, string>;
  createdAt: number;
  expiresAt?: number;
}

export interface ClientSummary {
  clientId: string;
  /**
   * `registered`: a registration nobody approved yet, kept in memory only (forgotten on restart, swept after a
   * day). `approved`: it has (or had) a grant; kept in the state file.
   */
  state: 'registered' | 'approved';
  clientName?: string;
  redirectUris: string[];
  createdAt: number;
  lastUsedAt?: number;
  grants: GrantSummary[];
}
