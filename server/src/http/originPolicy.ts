import type { IncomingMessage } from 'node:http';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export interface OriginPolicyOptions {
  /** Refuse every Host but loopback (no OAuth: nothing from the tunnel may reach Ferry). */
  loopbackOnly?: boolean;
  /** The listener's own local origin; the same listener reached as localhost or 127.0.0.1 is not foreign. */
  localUrl?: () => URL | undefined;
  /** Browser origins allowed besides Ferry's own (`ferry.allowedOrigins`: MCP Inspector by default). */
  allowedOrigins?: () => string[];
}

/**
 * DNS-rebinding and cross-origin defence for the public listener: the Host header must name this
 * machine's loopback or the configured public host, and a browser Origin (if any) must be Ferry's own
 * origin or one the user allowed by name. Any other page, including one on another localhost port,
 * gets 403 and no CORS headers. The public host changes with the tunnel, so it is read per request.
 */
export class OriginPolicy {
  constructor(
    private readonly publicUrl: () => URL,
    private readonly extraHosts: () => string[],
    private readonly options: OriginPolicyOptions = {},
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
    if (url.origin === this.publicUrl().origin) return true;
    const local = this.options.localUrl?.();
    if (
      local &&
      LOOPBACK_HOSTS.has(url.hostname) &&
      url.protocol === local.protocol &&
      url.port === local.port
    )
      return true;
    if ((this.options.allowedOrigins?.() ?? []).some((allowed) => sameOrigin(allowed, url))) return true;
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

function sameOrigin(allowed: string, url: URL): boolean {
  try {
    return new URL(allowed).origin === url.origin;
  } catch {
    return false;
  }
}
