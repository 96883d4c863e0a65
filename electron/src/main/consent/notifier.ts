import { DISPLAY_LIMITS, displayText, type PendingConsent } from '#core';
import type { ElectronHost, NotificationLike } from '../host.js';

export interface ConsentActions {
  approve(id: string): void;
  deny(id: string): void;
  /** The fallback wherever a notification cannot carry buttons, or cannot be shown at all. */
  openConsents(): void;
}

/**
 * One native notification per connection request: who asks, where the browser goes back to, and the match
 * code the waiting page shows. Approve / Deny buttons where the platform has notification actions (macOS);
 * elsewhere a click opens the Consents screen. (Windows toast buttons report back only through a URL
 * scheme registered for the app, which any web page could open as well: nothing may approve that way.)
 * Resolved requests take their notification away.
 */
export class ConsentNotifier {
  readonly #shown = new Map<string, NotificationLike>();

  constructor(
    private readonly host: Pick<ElectronHost, 'Notification'>,
    private readonly platform: NodeJS.Platform,
    private readonly actions: ConsentActions,
  ) {}

  requested(consent: PendingConsent): void {
    if (!this.host.Notification.isSupported()) {
      this.actions.openConsents();
      return;
    }
    const buttons = this.platform === 'darwin';
    // The client chose its name and redirect: escaped and cut like on every other surface, so the
    // match code still fits the body.
    const name = displayText(consent.clientName, DISPLAY_LIMITS.clientName);
    const host = displayText(consent.redirectHost, DISPLAY_LIMITS.host);
    const notification = new this.host.Notification({
      title: `${name} wants to use your MCP servers`,
      body: `Returns to ${host} · match code ${consent.matchCode}${buttons ? '' : ' · click to review'}`,
      urgency: 'critical',
      timeoutType: 'never',
      ...(buttons
        ? {
            actions: [
              { type: 'button' as const, text: 'Approve' },
              { type: 'button' as const, text: 'Deny' },
            ],
            closeButtonText: 'Later',
          }
        : {}),
    });
    notification.on('action', (_event, index) => {
      if (index === 0) this.actions.approve(consent.id);
      else if (index === 1) this.actions.deny(consent.id);
    });
    notification.on('click', () => this.actions.openConsents());
    notification.on('close', () => {
      if (this.#shown.get(consent.id) === notification) this.#shown.delete(consent.id);
    });
    // Held until resolved: a notification that is garbage-collected loses its click handlers.
    this.#shown.set(consent.id, notification);
    notification.show();
  }

  resolved(id: string): void {
    const notification = this.#shown.get(id);
    this.#shown.delete(id);
    notification?.close();
  }

  get pending(): number {
    return this.#shown.size;
  }

  dispose(): void {
    for (const notification of this.#shown.values()) notification.close();
    this.#shown.clear();
  }
}
