import type { Desktop } from '../desktop.js';
import { ApprovalNotifier } from './notifier.js';

export function register(desktop: Desktop): void {
  const notifier = new ApprovalNotifier(desktop.host, desktop.platform, {
    allow: (id, remember) => void desktop.perform({ type: 'allow-call', id, remember }),
    deny: (id) => void desktop.perform({ type: 'deny-call', id }),
    openApprovals: () => desktop.window.show('approvals'),
  });
  const { events } = desktop.core;
  const stops = [
    events.on('approval.requested', (event) => notifier.requested(event.approval)),
    events.on('approval.resolved', (event) => notifier.resolved(event.id)),
  ];
  desktop.onDispose(() => {
    for (const stop of stops) stop();
    notifier.dispose();
  });
}
