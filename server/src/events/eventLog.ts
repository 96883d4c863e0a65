import type { EventBus } from './bus.js';
import type { CoreEvent, LogLevel } from './types.js';

/** The log source of the lines below: the CLI skips them, since it prints the events themselves. */
export const EVENT_LOG_SOURCE = 'ferry:events';

/**
 * Ferry's own happenings as log lines (child crash and restart, consent decisions, tokens issued and
 * refused, tunnel changes), so the Logs screen and `GET /api/logs` tell the whole story in one place.
 */
export function mirrorEventsToLog(bus: EventBus): () => void {
  return bus.subscribe((event) => {
    const line = describe(event);
    // After the event has reached every listener: logging inside emit would hand later listeners the
    // line (seq n+1) before the event (seq n), and streams that drop what is older than the last seen
    // would lose the event.
    if (line) queueMicrotask(() => bus.log(line[0], EVENT_LOG_SOURCE, line[1]));
  });
}

function describe(event: CoreEvent): [LogLevel, string] | undefined {
  switch (event.type) {
    case 'server.status':
      if (event.state === 'crashed')
        return ['error', `server "${event.server}" crashed${event.reason ? `: ${event.reason}` : ''}`];
      if (event.state === 'restarting')
        return ['warn', `server "${event.server}" is restarting${event.reason ? `: ${event.reason}` : ''}`];
      if (event.state === 'ready') return ['info', `server "${event.server}" is ready`];
      if (event.state === 'stopped' || event.state === 'disabled')
        return ['info', `server "${event.server}" ${event.state}`];
      return undefined;
    case 'consent.requested':
      return [
        'info',
        `${event.consent.clientName} asks to connect (match code ${event.consent.matchCode}, returns to ${event.consent.redirectHost})`,
      ];
    case 'consent.resolved':
      return ['info', `consent for ${event.clientName} ${event.outcome}`];
    case 'auth':
      if (event.kind === 'token.rejected' || event.kind === 'request.rejected')
        return [
          'warn',
          `${event.kind === 'token.rejected' ? 'token refused' : 'request refused'}: ${event.detail}`,
        ];
      return ['info', `${event.kind.replace('.', ' ')}: ${event.detail}`];
    case 'tunnel.state':
      return [
        event.state === 'failed' ? 'error' : 'info',
        // "down", not "failed": cloudflared's reasons mostly start with "failed" themselves.
        `tunnel ${event.state === 'failed' && event.reason ? 'down' : event.state}${event.mode !== 'off' ? ` (${event.mode})` : ''}${event.publicUrl && event.state === 'connected' ? ` at ${event.publicUrl}` : ''}${event.reason ? `: ${event.reason}` : ''}`,
      ];
    case 'tunnel.url-changed':
      return ['warn', event.message];
    case 'exposure.state':
      return event.paused
        ? [
            'warn',
            'exposure paused: the tunnel is stopped and MCP and OAuth requests are refused until resumed',
          ]
        : ['info', 'exposure resumed'];
    default:
      return undefined;
  }
}
