import type { ServerStatus, TunnelStatus } from '../../api/types.js';

/**
 * The Status cards' values, each said once: a card's label already names the thing, so its value never
 * repeats the label or a word the badge next to it shows.
 */

/**
 * Which kind of tunnel, next to its state badge: only while one runs. A stopped tunnel has no kind
 * worth naming (its mode is `off` too, which printed `off (off)`).
 */
export function tunnelKind(tunnel: Pick<TunnelStatus, 'mode' | 'state'>): string | undefined {
  if (tunnel.state === 'off' || tunnel.mode === 'off') return undefined;
  // "quick", not "quick tunnel": the card is headed Tunnel.
  return tunnel.mode;
}

/** The Servers row's value: "2 of 3 ready" (the label says servers), "none yet" without any. */
export function serversReady(servers: Pick<ServerStatus, 'state'>[]): string {
  if (servers.length === 0) return 'none yet';
  const ready = servers.filter((s) => s.state === 'ready').length;
  return `${ready} of ${servers.length} ready`;
}
