import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { serializeByKey } from '../util/queue.js';

/**
 * "Approve and remember", bound to what only the user has: their own browser. On approval the waiting
 * browser receives a random secret in an httpOnly cookie; a later authorization request is approved
 * without asking only when it comes with that cookie *and* names exactly the same client, redirect URI
 * and resource, asking for no scope beyond what was approved. Anything a script can replay without the
 * user's browser (a public client id, Claude's redirect URI, its own PKCE challenge) is not enough.
 *
 * Record layout (`remembered-approvals.json`, mode 0600): `{ version: 1, approvals: [{ id, browser,
 * clientId, redirectUri, resource, scopes, createdAt, lastUsedAt?, expiresAt }] }` where `browser` is
 * `base64url(sha256(cookie secret))`: the file alone lets nobody act as the browser.
 */

/** What a remembered approval covers, exactly. */
export interface ApprovalScope {
  clientId: string;
  redirectUri: string;
  resource: string;
  scopes: string[];
}

export interface RememberedApproval extends ApprovalScope {
  id: string;
  /** Seconds since the epoch, like the rest of the OAuth state. */
  createdAt: number;
  lastUsedAt?: number;
  expiresAt: number;
}

interface StoredApproval extends RememberedApproval {
  browser: string;
}

export const REMEMBERED_LIMITS = Object.freeze({
  /** A remembered approval lasts as long as a grant may (GRANT_TTL_SECONDS); then the user is asked again. */
  ttlSeconds: 180 * 24 * 60 * 60,
  /** A person remembers a handful of apps; the oldest go first past this, so the file stays small. */
  maxApprovals: 100,
});

/** The cookie's name: `__Host-` (Secure, Path=/, no Domain: bound to the issuer's host) wherever https allows it. */
export function browserCookieName(secure: boolean): string {
  return secure ? '__Host-ferry-browser' : 'ferry-browser';
}

/** The browser secret from a Cookie header, if it carries a well-formed one. */
export function browserSecretFrom(cookieHeader: string | undefined, secure: boolean): string | undefined {
  if (!cookieHeader) return undefined;
  const name = browserCookieName(secure);
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    if (/^[A-Za-z0-9_-]{43}$/.test(value)) return value;
  }
  return undefined;
}

/** `Set-Cookie` for the browser secret: httpOnly, SameSite=Lax (sent on the top-level navigation from claude.ai back to /authorize), Secure on https. */
export function browserCookie(secret: string, secure: boolean, maxAgeSeconds: number): string {
  return [
    `${browserCookieName(secure)}=${secret}`,
    'Path=/',
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export const newBrowserSecret = (): string => randomBytes(32).toString('base64url');

const digest = (secret: string): string => createHash('sha256').update(secret).digest('base64url');

export class RememberedApprovals {
  readonly #file: string;
  readonly #approvals: StoredApproval[];
  readonly #now: () => number;

  private constructor(file: string, approvals: StoredApproval[], now: () => number) {
    this.#file = file;
    this.#approvals = approvals;
    this.#now = now;
  }

  /**
   * Loads the approvals of `dataDir`. `legacyCleared` is true when an earlier version's unbound list
   * (`remembered-clients.json`, client ids only) was found and deleted: honouring it is the hole this
   * replaces, so those clients are asked again once.
   */
  static async open(
    dataDir: string,
    now: () => number = () => Math.floor(Date.now() / 1000),
  ): Promise<{ approvals: RememberedApprovals; legacyCleared: boolean }> {
    const file = path.join(dataDir, 'remembered-approvals.json');
    const legacy = path.join(dataDir, 'remembered-clients.json');
    const legacyCleared = await rm(legacy).then(
      () => true,
      () => false,
    );
    let stored: StoredApproval[] = [];
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { approvals?: unknown };
      if (Array.isArray(parsed.approvals)) stored = parsed.approvals.filter(isStoredApproval);
    } catch {
      // Missing or unreadable: nothing is remembered, so the user is asked. The safe direction.
    }
    const approvals = new RememberedApprovals(file, stored, now);
    approvals.#dropExpired();
    return { approvals, legacyCleared };
  }

  /** The approval this browser holds for exactly this request, if any; its use is recorded. */
  async match(secret: string | undefined, request: ApprovalScope): Promise<RememberedApproval | undefined> {
    if (!secret) return undefined;
    this.#dropExpired();
    const browser = digest(secret);
    const found = this.#approvals.find(
      (a) =>
        a.browser === browser &&
        a.clientId === request.clientId &&
        a.redirectUri === request.redirectUri &&
        a.resource === request.resource &&
        request.scopes.every((scope) => a.scopes.includes(scope)),
    );
    if (!found) return undefined;
    found.lastUsedAt = this.#now();
    await this.#save();
    return publicView(found);
  }

  /** Remembers `request` for the browser holding `secret`; a repeat replaces the earlier record. */
  async add(secret: string, request: ApprovalScope): Promise<RememberedApproval> {
    const browser = digest(secret);
    const now = this.#now();
    const same = (a: StoredApproval) =>
      a.browser === browser &&
      a.clientId === request.clientId &&
      a.redirectUri === request.redirectUri &&
      a.resource === request.resource;
    this.#remove(same);
    const approval: StoredApproval = {
      id: randomBytes(9).toString('base64url'),
      browser,
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      resource: request.resource,
      scopes: [...request.scopes],
      createdAt: now,
      expiresAt: now + REMEMBERED_LIMITS.ttlSeconds,
    };
    this.#approvals.push(approval);
    while (this.#approvals.length > REMEMBERED_LIMITS.maxApprovals) this.#approvals.shift();
    await this.#save();
    return publicView(approval);
  }

  list(): RememberedApproval[] {
    this.#dropExpired();
    return this.#approvals.map(publicView);
  }

  /** Forgets one approval; false when there was none with that id. */
  async remove(id: string): Promise<boolean> {
    const removed = this.#remove((a) => a.id === id);
    if (removed) await this.#save();
    return removed > 0;
  }

  /** Forgets every approval of a client (part of revoking it). */
  async removeClient(clientId: string): Promise<number> {
    const removed = this.#remove((a) => a.clientId === clientId);
    if (removed) await this.#save();
    return removed;
  }

  #remove(predicate: (a: StoredApproval) => boolean): number {
    let removed = 0;
    for (let i = this.#approvals.length - 1; i >= 0; i--) {
      if (predicate(this.#approvals[i] as StoredApproval)) {
        this.#approvals.splice(i, 1);
        removed++;
      }
    }
    return removed;
  }

  #dropExpired(): void {
    const now = this.#now();
    this.#remove((a) => a.expiresAt <= now);
  }

  /** Serialized, and each write takes the state as it is when it runs: the newest state always lands last. */
  #save(): Promise<void> {
    return serializeByKey(this.#file, () =>
      writeFileAtomic(this.#file, JSON.stringify({ version: 1, approvals: this.#approvals })),
    );
  }
}

function publicView(stored: StoredApproval): RememberedApproval {
  const { browser: _browser, ...view } = stored;
  return { ...view, scopes: [...view.scopes] };
}

function isStoredApproval(value: unknown): value is StoredApproval {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' &&
    typeof v.browser === 'string' &&
    typeof v.clientId === 'string' &&
    typeof v.redirectUri === 'string' &&
    typeof v.resource === 'string' &&
    Array.isArray(v.scopes) &&
    v.scopes.every((s) => typeof s === 'string') &&
    typeof v.createdAt === 'number' &&
    typeof v.expiresAt === 'number'
  );
}
