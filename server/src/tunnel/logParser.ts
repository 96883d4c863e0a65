/** What a cloudflared stderr line (zerolog console format) tells Ferry. */
export type TunnelLogFact =
  | { kind: 'url'; url: string }
  | { kind: 'registered'; connIndex: number; location?: string }
  | { kind: 'unregistered'; connIndex: number }
  | { kind: 'failed'; message: string }
  | { kind: 'log'; level: 'info' | 'warn' | 'error' | 'debug'; message: string };

const QUICK_URL = /https:\/\/([a-z0-9-]+(?:\.[a-z0-9-]+)*)\.trycloudflare\.com\b/;
const LEVEL = /^\S+\s+(DBG|INF|WRN|ERR|FTL)\s+(.*)$/;

/**
 * Splits cloudflared's output into lines and recognises the ones that matter. The `cloudflared` package
 * matches any trycloudflare URL in raw chunks, including `https://api.trycloudflare.com` from the failure
 * message, and reports it as the tunnel URL; this parser only takes the URL from the creation box.
 */
export class TunnelLogParser {
  #partial = '';
  #inBox = false;

  push(chunk: string): TunnelLogFact[] {
    const text = this.#partial + chunk;
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    if (this.#partial.length > 16_384) this.#partial = this.#partial.slice(-16_384);
    return lines.flatMap((line) => this.#line(line.replace(/\r$/, '')));
  }

  #line(line: string): TunnelLogFact[] {
    if (!line.trim()) return [];
    const facts: TunnelLogFact[] = [];
    if (line.includes('Your quick Tunnel has been created')) this.#inBox = true;
    const url = QUICK_URL.exec(line);
    if (url && this.#inBox && url[1] !== 'api') {
      facts.push({ kind: 'url', url: url[0] });
      this.#inBox = false;
    }
    const level = LEVEL.exec(line);
    const message = level ? (level[2] as string) : line;
    if (
      /failed to request quick Tunnel|failed to unmarshal quick Tunnel|Provided Tunnel token is not valid|Unauthorized: Invalid tunnel secret|failed to parse token/i.test(
        message,
      )
    ) {
      facts.push({ kind: 'failed', message: message.trim() });
    }
    const registered = /Registered tunnel connection connIndex=(\d+)/.exec(message);
    if (registered) {
      const location = /location=([A-Za-z0-9]+)/.exec(message)?.[1];
      facts.push({ kind: 'registered', connIndex: Number(registered[1]), ...(location ? { location } : {}) });
    }
    const unregistered = /Unregistered tunnel connection connIndex=(\d+)/.exec(message);
    if (unregistered) facts.push({ kind: 'unregistered', connIndex: Number(unregistered[1]) });
    if (level) {
      const lvl =
        level[1] === 'ERR' || level[1] === 'FTL'
          ? 'error'
          : level[1] === 'WRN'
            ? 'warn'
            : level[1] === 'DBG'
              ? 'debug'
              : 'info';
      facts.push({ kind: 'log', level: lvl, message: message.trim() });
    } else if (!line.startsWith('+') && !line.startsWith('|')) {
      facts.push({ kind: 'log', level: 'info', message: line.trim() });
    }
    return facts;
  }
}
