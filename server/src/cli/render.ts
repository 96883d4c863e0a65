import type { Stamped, CoreEvent } from '../events/types.js';
import { DISPLAY_LIMITS, displayText } from '../util/displayText.js';
import { EVENT_LOG_SOURCE } from '../events/eventLog.js';

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);
export const dim = paint(2);
export const bold = paint(1);
export const red = paint(31);
export const green = paint(32);
export const yellow = paint(33);
export const cyan = paint(36);

/**
 * Any text from an event, as a terminal may print it: event fields carry what clients, children and
 * remote servers chose (names, stderr lines, reasons), and a raw ESC, CR or bidi override in them could
 * rewrite earlier lines or the clipboard. Every interpolated field goes through this; the colours are
 * added around it afterwards.
 */
export function safe(text: string, limit: number = DISPLAY_LIMITS.line): string {
  return displayText(text, limit);
}

function time(at: number): string {
  return dim(new Date(at).toISOString().slice(11, 19));
}

/** One terminal line per event worth a person's attention; `verbose` adds calls and child stderr. */
export function renderEvent(event: Stamped<CoreEvent>, verbose: boolean): string | undefined {
  switch (event.type) {
    case 'server.status': {
      const color =
        event.state === 'ready'
          ? green
          : event.state === 'crashed'
            ? red
            : event.state === 'restarting'
              ? yellow
              : dim;
      const reason = event.reason ? ` ${dim('—')} ${safe(event.reason)}` : '';
      return `${time(event.at)} ${bold(safe(event.server))} ${color(event.state)}${reason}`;
    }
    case 'call.end': {
      if (!verbose && event.outcome === 'ok') return undefined;
      const color = event.outcome === 'ok' ? green : event.outcome === 'tool-error' ? yellow : red;
      const error = event.error ? ` ${dim(safe(event.error))}` : '';
      return `${time(event.at)} ${cyan(safe(`${event.server}/${event.target}`))} ${color(event.outcome)} ${dim(`${event.durationMs.toFixed(1)} ms`)}${error}`;
    }
    case 'log': {
      // Restatements of events this function prints itself (for the Logs screen).
      if (event.source === EVENT_LOG_SOURCE) return undefined;
      if (event.level === 'debug' || (!verbose && event.level === 'info')) return undefined;
      const color = event.level === 'error' ? red : event.level === 'warn' ? yellow : dim;
      return `${time(event.at)} ${color(event.level)} ${dim(`[${safe(event.source)}]`)} ${safe(event.message)}`;
    }
    case 'session.opened':
      return verbose
        ? `${time(event.at)} session opened on ${safe(event.endpoint)}${event.clientName ? ` by ${safe(event.clientName, DISPLAY_LIMITS.clientName)}` : ''}`
        : undefined;
    case 'consent.resolved':
      return `${time(event.at)} consent for ${bold(safe(event.clientName, DISPLAY_LIMITS.clientName))} ${event.outcome === 'denied' || event.outcome === 'expired' ? red(event.outcome) : green(event.outcome)}`;
    case 'auth':
      if (
        !verbose &&
        !['client.registered', 'token.issued', 'request.rejected', 'token.rejected'].includes(event.kind)
      )
        return undefined;
      return `${time(event.at)} ${event.kind === 'request.rejected' || event.kind === 'token.rejected' ? yellow(event.kind) : dim(event.kind)} ${safe(event.detail)}`;
    case 'approval.resolved':
      return `${time(event.at)} tool call ${cyan(safe(`${event.server}/${event.tool}`))} ${event.outcome === 'approved' ? green(event.outcome) : red(event.outcome)}`;
    case 'tool.held':
      return `${time(event.at)} ${yellow('held')} ${cyan(safe(`${event.server}/${event.tool}`))} ${dim(event.pin === 'changed' ? 'its definition changed: review and accept it (POST /api/tools/<server>/<tool>/accept)' : `new, with hidden-instruction markers (${event.flags.join(', ')}): review and accept it`)}`;
    case 'exposure.state':
      return event.paused
        ? `${time(event.at)} ${yellow('paused')} exposure: the tunnel is stopped and MCP and OAuth requests get 503 until resumed (POST /api/exposure/resume)`
        : `${time(event.at)} ${green('resumed')} exposure${event.resumeTunnel === 'quick' ? dim(' (a quick tunnel gets a new address: update the connector in Claude)') : ''}`;
    case 'session.closed':
      return verbose ? `${time(event.at)} session closed (${safe(event.reason ?? 'ended')})` : undefined;
    default:
      return undefined;
  }
}
