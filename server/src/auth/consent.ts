import { randomBytes } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { EventBus } from '../events/bus.js';
import type { PendingConsent } from '../events/types.js';
import { DISPLAY_LIMITS, displayText } from '../util/displayText.js';
import { newMatchCode } from './matchCode.js';
import { MCP_SCOPE } from './resources.js';

/** Ferry has one user: whoever sits at the machine that approves. */
export const OWNER_ACCOUNT = 'owner';

export type ConsentStatus = 'pending' | 'approved' | 'denied' | 'expired';

interface Entry {
  consent: PendingConsent;
  uid: string;
  status: ConsentStatus;
  timer: NodeJS.Timeout;
}

export interface ConsentManagerOptions {
  bus: EventBus;
  provider: () => Promise<Provider>;
  /** How long a request waits for the user before it is refused. */
  timeoutMs?: number;
  isRemembered: (clientId: string) => boolean;
  remember: (clientId: string) => Promise<void>;
  now?: () => number;
}

export class ConsentError extends Error {
  constructor(
    readonly code: 'consent_not_found' | 'consent_resolved',
    message: string,
  ) {
    super(message);
    this.name = 'ConsentError';
  }
}

/**
 * Authorization requests wait here for the user's decision, made on this machine (tray, window, CLI or
 * admin API) and never on the public waiting page. Approval stores a Grant and the interaction result;
 * the waiting browser then resumes the authorization and lands on the client's redirect URI.
 */
export class ConsentManager {
  readonly #byId = new Map<string, Entry>();
  readonly #byUid = new Map<string, Entry>();
  readonly #options: ConsentManagerOptions;

  constructor(options: ConsentManagerOptions) {
    this.#options = options;
  }

  pending(): PendingConsent[] {
    return [...this.#byId.values()].filter((e) => e.status === 'pending').map((e) => e.consent);
  }

  statusOf(uid: string): { status: ConsentStatus; consent: PendingConsent } | undefined {
    const entry = this.#byUid.get(uid);
    return entry && { status: entry.status, consent: entry.consent };
  }

  /** Registers the interaction's consent once; a remembered client is approved at once. */
  async open(
    uid: string,
    details: Omit<PendingConsent, 'id' | 'matchCode' | 'createdAt' | 'expiresAt'>,
  ): Promise<PendingConsent> {
    const existing = this.#byUid.get(uid);
    if (existing) return existing.consent;
    const now = (this.#options.now ?? Date.now)();
    const timeoutMs = this.#options.timeoutMs ?? 10 * 60_000;
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
      timer: setTimeout(() => this.#expire(entry), timeoutMs).unref(),
    };
    this.#byId.set(consent.id, entry);
    this.#byUid.set(uid, entry);
    if (this.#options.isRemembered(consent.clientId)) {
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
    if (options.remember) await this.#options.remember(entry.consent.clientId);
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
    outcome: 'approved' | 'denied' | 'expired' | 'remembered',
  ): void {
    entry.status = status;
    clearTimeout(entry.timer);
    // Keep the decision around long enough for the waiting page to pick it up.
    entry.timer = setTimeout(() => this.finish(entry.uid), 10 * 60_000).unref();
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
