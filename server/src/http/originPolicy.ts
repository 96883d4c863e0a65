import type { IncomingMessage } from 'node:http';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * DNS-rebinding defence for the public listener: the Host header must name this machine's loopback or
 * the configured public host, and a browser Origin (if any) must be one of those origins. The public
 * host changes with the tunnel, so it is read through a function on every request.
 */
export class OriginPolicy {
  constructor(
    private readonly publicUrl: () => URL,
    private readonly extraHosts: () => string[],
    private readonly options: { loopbackOnly?: boolean } = {},
  ) {}

  hostAllowed(req: IncomingMessage): boolean {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!host) return false;
    const name = hostnameOf(host);
    if (LOOPBACK_HOSTS.has(name)) return true;
    if (this.options.loopbackOnly) return false;
    const publicUrl = this.publicUrl();
    if (host === publicUrl.host.toLowerCase() || name === publicUrl.hostname.toLowerCase()) return true;
    return this.extraHosts().some((allowed) => {
      const lower = allowed.toLowerCase();
      return lower === host || lower === name;
    });
  }

  originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    // Server-to-server clients (Claude's backend, SDKs) send no Origin: nothing to check.
    if (origin === undefined) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (LOOPBACK_HOSTS.has(url.hostname.toLowerCase())) return true;
    if (url.origin === this.publicUrl().origin) return true;
    return this.extraHosts().some((allowed) => allowed.toLowerCase() === url.host.toLowerCase());
  }
}

function hostnameOf(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
