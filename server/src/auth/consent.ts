import { randomBytes } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { EventBus } from '../events/bus.js';
import type { PendingConsent } from '../events/types.js';
import { DISPLAY_LIMITS, displayText } from '../util/displayText.js';
import { FerryError } from '../util/errors.js';
import { newMatchCode } from './matchCode.js';
import { KeyedRateLimit } from './policy/rateLimit.js';
import { MCP_SCOPE } from './resources.js';
import { newBrowserSecret, type ApprovalScope, type RememberedApproval } from './rememberedApprovals.js';

/** Ferry has one user: whoever sits at the machine that approves. */
export const OWNER_ACCOUNT = 'owner';

export type ConsentStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'replaced';

/**
 * Every bound on waiting requests, in one place. Anyone who can reach the public URL can open the
 * waiting page, so these decide how much of the user's attention (and Ferry's memory) a script can take.
 */
export const CONSENT_LIMITS = Object.freeze({
  /** How long a request waits for the user before the browser is sent back with `access_denied`. */
  timeoutMs: 10 * 60_000,
  /** How long a decided request is kept for its waiting page to pick the decision up. */
  decidedKeepMs: 10 * 60_000,
  /** Requests waiting at once, all clients together: more is a flood, not a person connecting apps. */
  maxPending: 20,
  /** Waiting requests of one client (one per resource it connects at a time, in practice). */
  maxPendingPerClient: 3,
  /** New requests one client may open in a burst, then one every `perClientRefillSeconds`. */
  perClientBurst: 10,
  perClientRefillSeconds: 6,
  /** Clients whose request rate is tracked; the least recently seen is forgotten past this. */
  trackedClients: 1_000,
});

interface Entry {
  consent: PendingConsent;
  uid: string;
  status: ConsentStatus;
  timer: NodeJS.Timeout;
  /** The browser secret seen on the waiting page (its cookie), if it had one. */
  browser: string | undefined;
  /** A new browser secret to hand to the waiting browser once it comes back ("remember" on a fresh browser). */
  cookieToSet?: string;
  /** What the request asks for, exactly as sent (the consent holds the display forms). */
  request: ApprovalScope;
}

export interface ConsentManagerOptions {
  bus: EventBus;
  provider: () => Promise<Provider>;
  /** Overrides `CONSENT_LIMITS.timeoutMs` (tests). */
  timeoutMs?: number;
  /** The remembered approval this browser holds for exactly this request, if any. */
  rememberedFor: (
    browser: string | undefined,
    request: ApprovalScope,
  ) => Promise<RememberedApproval | undefined>;
  /** Remembers the request for the browser holding `browser`. */
  remember: (browser: string, request: ApprovalScope) => Promise<unknown>;
  now?: () => number;
}

export type ConsentErrorCode =
  'consent_not_found' | 'consent_resolved' | 'consent_rate_limited' | 'consent_full';

export class ConsentError extends FerryError {
  constructor(
    override readonly code: ConsentErrorCode,
    message: string,
    /** For the refusals a client may retry: whole seconds until it makes sense. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ConsentError';
  }
}

type Details = Omit<PendingConsent, 'id' | 'matchCode' | 'createdAt' | 'expiresAt'>;

/**
 * Authorization requests wait here for the user's decision, made on this machine (tray, window, CLI or
 * admin API) and never on the public waiting page. Approval stores a Grant and the interaction result;
 * the waiting browser then resumes the authorization and lands on the client's redirect URI.
 *
 * A script that loops on `/authorize` must not flood the user: a repeat from the same client for the
 * same redirect URI and resource replaces the earlier request (one entry, not thousands), each client
 * is rate-limited and capped, and past the overall cap new requests are refused with a page that says so.
 */
export class ConsentManager {
  readonly #byId = new Map<string, Entry>();
  readonly #byUid = new Map<string, Entry>();
  readonly #rates: KeyedRateLimit;
  readonly #options: ConsentManagerOptions;

  constructor(options: ConsentManagerOptions) {
    this.#options = options;
    this.#rates = new KeyedRateLimit({
      capacity: CONSENT_LIMITS.perClientBurst,
      refillPerSecond: 1 / CONSENT_LIMITS.perClientRefillSeconds,
      maxKeys: CONSENT_LIMITS.trackedClients,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  pending(): PendingConsent[] {
    return [...this.#byId.values()].filter((e) => e.status === 'pending').map((e) => e.consent);
  }

  statusOf(uid: string): { status: ConsentStatus; consent: PendingConsent } | undefined {
    const entry = this.#byUid.get(uid);
    return entry && { status: entry.status, consent: entry.consent };
  }

  /** The browser secret to set on the waiting browser of `uid`, once its request was approved with "remember". */
  cookieFor(uid: string): string | undefined {
    const entry = this.#byUid.get(uid);
    return entry?.status === 'approved' ? entry.cookieToSet : undefined;
  }

  /**
   * Registers the interaction's consent once. A request this browser approved with "remember" (same
   * client, redirect URI and resource, no broader scope) is approved at once; anything else waits for
   * the user, within the limits above (a refusal throws a `ConsentError`).
   */
  async open(uid: string, details: Details, browser?: string): Promise<PendingConsent> {
    const existing = this.#byUid.get(uid);
    if (existing) return existing.consent;
    const request: ApprovalScope = {
      clientId: details.clientId,
      redirectUri: details.redirectUri,
      resource: details.resource,
      scopes: details.scopes,
    };
    const remembered = await this.#options.rememberedFor(browser, request);
    if (!remembered) this.#admit(details);
    const now = (this.#options.now ?? Date.now)();
    const timeoutMs = this.#options.timeoutMs ?? CONSENT_LIMITS.timeoutMs;
    const consent: PendingConsent = {
      ...forDisplay(details),
      id: randomBytes(12).toString('base64url'),
      matchCode: newMatchCode(),
      createdAt: now,
      expiresAt: now + timeoutMs,
    };
    const entry: Entry = {
      consent,
      uid,
      status: 'pending',
      browser,
      request,
      timer: setTimeout(() => this.#expire(entry), timeoutMs).unref(),
    };
    this.#byId.set(consent.id, entry);
    this.#byUid.set(uid, entry);
    if (remembered) {
      await this.#grant(entry);
      this.#resolve(entry, 'approved', 'remembered');
      return consent;
    }
    this.#options.bus.emit({ type: 'consent.requested', consent });
    return consent;
  }

  async approve(id: string, options: { remember?: boolean } = {}): Promise<PendingConsent> {
    const entry = this.#pendingEntry(id);
    await this.#grant(entry);
    if (options.remember) {
      // Only the waiting browser can carry the decision: a fresh secret is handed to it with the next
      // answer its waiting page gets (the page is reachable only with the interaction's own cookie).
      const browser = entry.browser ?? (entry.cookieToSet = newBrowserSecret());
      await this.#options.remember(browser, entry.request);
      entry.cookieToSet = browser;
    }
    this.#resolve(entry, 'approved', 'approved');
    return entry.consent;
  }

  deny(id: string): PendingConsent {
    const entry = this.#pendingEntry(id);
    this.#resolve(entry, 'denied', 'denied');
    return entry.consent;
  }

  /** Forgets a finished interaction (the browser resumed or aborted it). */
  finish(uid: string): void {
    const entry = this.#byUid.get(uid);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#byUid.delete(uid);
    this.#byId.delete(entry.consent.id);
  }

  close(): void {
    for (const entry of this.#byId.values()) clearTimeout(entry.timer);
    this.#byId.clear();
    this.#byUid.clear();
    this.#rates.clear();
  }

  /** Applies the rate limit and the caps to a request about to wait; throws when it may not. */
  #admit(details: Details): void {
    const rate = this.#rates.take(details.clientId);
    if (!rate.ok) {
      this.#options.bus.emit({
        type: 'auth',
        kind: 'request.rejected',
        clientId: details.clientId,
        detail: `connection request from "${details.clientName}" refused: too many in a short time`,
      });
      throw new ConsentError(
        'consent_rate_limited',
        'this app asked to connect too often; wait a little and try again',
        rate.retryAfterSeconds,
      );
    }
    // A repeat (Claude retrying, a user clicking Connect twice) replaces the request it repeats.
    const waiting = [...this.#byId.values()].filter((e) => e.status === 'pending');
    const mine = waiting.filter((e) => e.consent.clientId === details.clientId);
    const repeat = mine.find(
      (e) => e.consent.redirectUri === details.redirectUri && e.consent.resource === details.resource,
    );
    if (repeat) return this.#resolve(repeat, 'replaced', 'replaced');
    if (mine.length >= CONSENT_LIMITS.maxPendingPerClient) {
      return this.#resolve(mine[0] as Entry, 'replaced', 'replaced');
    }
    if (waiting.length >= CONSENT_LIMITS.maxPending) {
      this.#options.bus.log(
        'warn',
        'auth',
        `connection request from "${details.clientName}" refused: ${CONSENT_LIMITS.maxPending} requests are already waiting (approve or deny them in Ferry)`,
      );
      throw new ConsentError(
        'consent_full',
        'too many connection requests are waiting in Ferry; try again once they are answered',
        60,
      );
    }
  }

  #pendingEntry(id: string): Entry {
    const entry = this.#byId.get(id);
    if (!entry) throw new ConsentError('consent_not_found', `no consent request ${id} (it may have expired)`);
    if (entry.status !== 'pending') {
      throw new ConsentError('consent_resolved', `consent request ${id} was already ${entry.status}`);
    }
    return entry;
  }

  async #grant(entry: Entry): Promise<void> {
    const provider = await this.#options.provider();
    const interaction = await provider.Interaction.find(entry.uid);
    if (!interaction) {
      this.#resolve(entry, 'expired', 'expired');
      throw new ConsentError('consent_not_found', 'the authorization request expired before it was approved');
    }
    const { consent } = entry;
    const grant = new provider.Grant({ accountId: OWNER_ACCOUNT, clientId: consent.clientId });
    // Every requested scope must be granted both as an OIDC scope and as the resource's scope, or the
    // provider finds the grant incomplete and starts another interaction.
    grant.addOIDCScope(consent.scopes.join(' '));
    grant.addResourceScope(consent.resource, MCP_SCOPE);
    const grantId = await grant.save();
    interaction.result = { login: { accountId: OWNER_ACCOUNT }, consent: { grantId } };
    await interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)));
  }

  #expire(entry: Entry): void {
    if (entry.status === 'pending') this.#resolve(entry, 'expired', 'expired');
  }

  #resolve(
    entry: Entry,
    status: ConsentStatus,
    outcome: 'approved' | 'denied' | 'expired' | 'remembered' | 'replaced',
  ): void {
    entry.status = status;
    clearTimeout(entry.timer);
    // Keep the decision around long enough for the waiting page to pick it up.
    entry.timer = setTimeout(() => this.finish(entry.uid), CONSENT_LIMITS.decidedKeepMs).unref();
    const { consent } = entry;
    this.#options.bus.emit({
      type: 'consent.resolved',
      id: consent.id,
      clientId: consent.clientId,
      clientName: consent.clientName,
      outcome,
    });
  }
}

/**
 * A PendingConsent is a display model (tray, notification, terminal, window, waiting page): the client
 * chose its name and URIs, so they are escaped and cut here, once, before any surface sees them. The
 * client id stays exact: the grant is stored under it.
 */
function forDisplay(
  details: Omit<PendingConsent, 'id' | 'matchCode' | 'createdAt' | 'expiresAt'>,
): Omit<PendingConsent, 'id' | 'matchCode' | 'createdAt' | 'expiresAt'> {
  return {
    ...details,
    clientName: displayText(details.clientName, DISPLAY_LIMITS.clientName),
    ...(details.clientUri !== undefined
      ? { clientUri: displayText(details.clientUri, DISPLAY_LIMITS.uri) }
      : {}),
    redirectUri: displayText(details.redirectUri, DISPLAY_LIMITS.uri),
    redirectHost: displayText(details.redirectHost, DISPLAY_LIMITS.host),
  };
}
