import { DISPLAY_LIMITS, displayText, type PendingConsent } from '#core';
import type { ElectronHost } from '../host.js';
import { DecisionNotifier } from '../notify/decisionNotifier.js';

export interface ConsentActions {
  approve(id: string): void;
  deny(id: string): void;
  /** The fallback wherever a notification cannot carry buttons, or cannot be shown at all. */
  openConsents(): void;
}

/**
 * One notification per connection request: who asks, where the browser goes back to, and the match code
 * the waiting page shows, with Approve / Deny where there are buttons, else the Consents screen.
 */
export class ConsentNotifier extends DecisionNotifier {
  constructor(
    host: Pick<ElectronHost, 'Notification'>,
    platform: NodeJS.Platform,
    private readonly actions: ConsentActions,
  ) {
    super(host, platform, () => actions.openConsents());
  }

  requested(consent: PendingConsent): void {
    // The client chose its name and redirect: escaped and cut like on every other surface, so the
    // match code still fits the body.
    const name = displayText(consent.clientName, DISPLAY_LIMITS.clientName);
    const host = displayText(consent.redirectHost, DISPLAY_LIMITS.host);
    const { id } = consent;
    this.show({
      id,
      title: `${name} wants to use your MCP servers`,
      body: `Returns to ${host} · match code ${consent.matchCode}`,
      buttons: [
        { text: 'Approve', press: () => this.actions.approve(id) },
        { text: 'Deny', press: () => this.actions.deny(id) },
      ],
    });
  }
}
