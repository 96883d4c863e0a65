import type { Desktop } from '../desktop.js';
import { ApprovalNotifier } from '../approval/notifier.js';
import { ConsentNotifier } from '../consent/notifier.js';

/** The notifications of decisions waiting for the user: connection requests and tool calls on "ask". */
export function register(desktop: Desktop): void {
  const consents = new ConsentNotifier(desktop.host, desktop.platform, {
    approve: (id) => void desktop.perform({ type: 'approve', id }),
    deny: (id) => void desktop.perform({ type: 'deny', id }),
    openConsents: () => desktop.window.show('consents'),
  });
  const approvals = new ApprovalNotifier(desktop.host, desktop.platform, {
    allow: (id, remember) => void desktop.perform({ type: 'allow-call', id, remember }),
    deny: (id) => void desktop.perform({ type: 'deny-call', id }),
    openApprovals: () => desktop.window.show('approvals'),
  });
  const { events } = desktop.core;
  const stops = [
    events.on('consent.requested', (event) => consents.requested(event.consent)),
    events.on('consent.resolved', (event) => consents.resolved(event.id)),
    events.on('approval.requested', (event) => approvals.requested(event.approval)),
    events.on('approval.resolved', (event) => approvals.resolved(event.id)),
  ];
  desktop.onDispose(() => {
    for (const stop of stops) stop();
    consents.dispose();
    approvals.dispose();
  });
}
