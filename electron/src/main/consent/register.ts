import type { Desktop } from '../desktop.js';
import { ConsentNotifier } from './notifier.js';

export function register(desktop: Desktop): void {
  const notifier = new ConsentNotifier(desktop.host, desktop.platform, {
    approve: (id) => void desktop.perform({ type: 'approve', id }),
    deny: (id) => void desktop.perform({ type: 'deny', id }),
    openConsents: () => desktop.window.show('consents'),
  });
  const { events } = desktop.core;
  const stops = [
    events.on('consent.requested', (event) => notifier.requested(event.consent)),
    events.on('consent.resolved', (event) => notifier.resolved(event.id)),
  ];
  desktop.onDispose(() => {
    for (const stop of stops) stop();
    notifier.dispose();
  });
}
