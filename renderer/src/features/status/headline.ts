import type { ClientSummary, StatusSnapshot } from '../../api/types.js';
import type { CallRow } from '../../state/store.js';
import { DISPLAY_LIMITS, displayText } from '../../util/displayText.js';
import { ago, isLoopbackUrl, plural } from '../../util/format.js';

export type HeadlineAction =
  | { kind: 'review-consents' }
  | { kind: 'start-tunnel'; mode: 'quick' | 'named'; label: string }
  | { kind: 'copy-url'; label: string }
  | { kind: 'restart'; server: string }
  | { kind: 'resume' }
  | { kind: 'none' };

export interface Headline {
  tone: 'good' | 'busy' | 'bad' | 'off';
  /** The whole state in one line ("Online at https://… · Claude connected · last call 20 s ago"). */
  title: string;
  /** What is missing and what the main button does about it. */
  detail: string | undefined;
  action: HeadlineAction;
}

export interface HeadlineInput {
  status: StatusSnapshot;
  connectorUrl: string;
  consentsWaiting: number;
  /** Authorized clients (undefined without OAuth or while loading). */
  clients: readonly ClientSummary[] | undefined;
  calls: readonly CallRow[];
  now: number;
}

/** Epoch seconds or ms (the auth store keeps seconds). */
const ms = (time: number) => (time < 1e11 ? time * 1000 : time);

/**
 * What Status says first: reachable or not, who is connected, when the last call came, or what is missing
 * with the one action that fixes it. The order of the checks is the order a new user meets the problems.
 */
export function headline(input: HeadlineInput): Headline {
  const { status, connectorUrl, consentsWaiting, clients, calls, now } = input;
  const local = isLoopbackUrl(connectorUrl);
  const origin = connectorUrl.replace(/\/mcp$/, '');
  const crashed = status.servers.filter((s) => s.state === 'crashed');
  const lastCall = calls.at(-1);
  const client = [...(clients ?? [])]
    .filter((c) => c.grants.length > 0)
    .sort((a, b) => ms(b.lastUsedAt ?? b.createdAt) - ms(a.lastUsedAt ?? a.createdAt))[0];
  const connected = client
    ? `${displayText(client.clientName ?? 'a client', DISPLAY_LIMITS.clientName)} connected`
    : status.sessions > 0
      ? `${plural(status.sessions, 'session')} open`
      : undefined;
  const parts = [local ? `Running on this computer at ${origin}` : `Online at ${origin}`];
  if (connected) parts.push(connected);
  if (lastCall) parts.push(`last call ${ago(lastCall.startedAt, now)}`);
  if (crashed.length > 0) parts.push(`${plural(crashed.length, 'server')} crashed`);
  const title = parts.join(' · ');

  if (status.paused) {
    // The user's own choice outranks everything else: nothing below can be fixed while paused.
    return {
      tone: 'off',
      title: 'Paused · Claude cannot reach your servers',
      detail: status.auth
        ? 'The tunnel is stopped and MCP and OAuth requests are refused; your servers keep running. A quick tunnel comes back with a new address: update the connector in Claude after resuming.'
        : 'MCP requests are refused; your servers keep running.',
      action: { kind: 'resume' },
    };
  }
  if (status.auth && consentsWaiting > 0) {
    return {
      tone: 'busy',
      title: `${plural(consentsWaiting, 'connection request')} waiting for your approval`,
      detail: 'Check that the match code matches the one in your browser, then approve it.',
      action: { kind: 'review-consents' },
    };
  }
  const { tunnel } = status;
  if (local && status.auth) {
    if (tunnel.state === 'starting' || tunnel.state === 'installing' || tunnel.state === 'reconnecting') {
      return {
        tone: 'busy',
        title: 'Starting the tunnel…',
        detail:
          'claude.ai can reach Ferry once the tunnel is connected; the connector URL then appears here.',
        action: { kind: 'none' },
      };
    }
    const mode = tunnel.mode === 'named' ? 'named' : 'quick';
    const start = {
      kind: 'start-tunnel',
      mode,
      label: tunnel.state === 'failed' ? `Retry ${mode} tunnel` : `Start ${mode} tunnel`,
    } as const;
    if (connected) {
      // A client on this computer got through; claude.ai still cannot.
      return {
        tone: crashed.length > 0 ? 'bad' : 'good',
        title,
        detail: 'Only clients on this computer can reach it: start a tunnel for claude.ai.',
        action: start,
      };
    }
    return {
      tone: tunnel.state === 'failed' ? 'bad' : 'off',
      // The reason is said once, under Tunnel: cloudflared's own words often start with "failed" too.
      title:
        tunnel.state === 'failed'
          ? 'Claude cannot reach Ferry: the tunnel is down'
          : 'Claude cannot reach Ferry yet: it only runs on this computer',
      detail:
        tunnel.state === 'failed'
          ? 'Why is under Tunnel, below; retry once that is sorted out.'
          : 'Start a tunnel to get a public https address for claude.ai.',
      action: start,
    };
  }
  if (!status.auth) {
    return {
      tone: crashed.length > 0 ? 'bad' : 'good',
      title,
      detail:
        'OAuth is off (--no-auth): only MCP clients on this computer can connect, and no approval is asked.',
      action: { kind: 'copy-url', label: 'Copy local URL' },
    };
  }
  if (crashed.length > 0) {
    const first = crashed[0]?.name as string;
    return {
      tone: 'bad',
      title,
      detail: `"${first}" crashed: its tools are missing until it runs again.`,
      action: { kind: 'restart', server: first },
    };
  }
  if (!connected) {
    return {
      tone: 'busy',
      title: `${title} · no client connected yet`,
      detail: 'Add the connector URL in claude.ai (Settings › Connectors › Add custom connector).',
      action: { kind: 'copy-url', label: 'Copy connector URL' },
    };
  }
  return {
    tone: 'good',
    title,
    detail: undefined,
    action: { kind: 'copy-url', label: 'Copy connector URL' },
  };
}
