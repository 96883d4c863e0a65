import type { Desktop } from '../desktop.js';
import { mcpUrl } from '../tray/model.js';

/**
 * Remembers whether the servers are exposed, whoever changed it (tray, window, a failure), so the next
 * launch restores it; and tells the user when the outside world needs them: a quick tunnel came back with a
 * new address (the connector in Claude must be updated) or the tunnel failed.
 */
export function register(desktop: Desktop): void {
  const { events } = desktop.core;
  const stops = [
    events.on('tunnel.state', (event) => {
      if (desktop.stopping) return;
      // A pause stops the tunnel without the user's "stop exposing": the next launch must still know what
      // to bring back on resume (the core keeps the pause itself).
      if (event.state === 'off' && desktop.core.admin.exposure().paused) return;
      if (event.state === 'starting' && event.mode !== 'off')
        void desktop.settings.update({ exposed: true, tunnelMode: event.mode });
      else if (event.state === 'off') void desktop.settings.update({ exposed: false });
      if (event.state === 'failed')
        desktop.report('Ferry’s tunnel failed', event.reason ?? 'cloudflared stopped; see the logs');
    }),
    events.on('tunnel.url-changed', (event) => {
      const { Notification } = desktop.host;
      if (!Notification.isSupported()) return;
      const url = mcpUrl(event.current);
      const notification = new Notification({
        title: 'Ferry’s address changed',
        body: `Update the connector in Claude to ${url} (click to copy it)`,
      });
      notification.on('click', () => {
        desktop.host.clipboard.writeText(url);
        desktop.window.show('status');
      });
      notification.show();
    }),
  ];
  desktop.onDispose(() => {
    for (const stop of stops) stop();
  });
}
