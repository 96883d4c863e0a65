import { isIP } from 'node:net';
import { isPublicAddress } from '../../auth/policy/publicAddress.js';
import { FIRST_REQUEST_HEADERS, initializeRequest } from '../claude.js';
import type { CheckSpec } from '../context.js';
import { pass, problem, skip } from './common.js';
import { isTlsFailure } from '../probe.js';
import type { Evidence } from '../types.js';

function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);
}

const TUNNEL_FIX =
  "Connect through Ferry's tunnel and run the doctor on the tunnel URL (https://<name>.trycloudflare.com/mcp) " +
  'to see what Claude sees.';

export const reachability: CheckSpec = {
  id: 'reachability',
  title: 'Public address: https, port 443, public IPv4',
  need:
    "https on port 443 at a host name that resolves to a public IPv4 address: Claude connects from Anthropic's " +
    'servers on the internet.',
  async run(ctx) {
    const { url } = ctx;
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      ctx.unreachable = 'no http(s) URL to connect to';
      return problem(
        'fail',
        'reachability',
        `"${ctx.raw}" is not an absolute https URL`,
        'Give the full connector URL as you would paste it into Claude, e.g. https://<name>.trycloudflare.com/mcp.',
      );
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const started = performance.now();
    const evidence = (extra: Partial<Evidence>): Evidence => ({
      request: { method: 'LOOKUP', url: host, headers: {} },
      ms: Math.round((performance.now() - started) * 10) / 10,
      ...extra,
    });
    let addresses: Array<{ address: string; family: number }>;
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await ctx.lookup(host);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'lookup failed';
        ctx.unreachable = `${host} does not resolve`;
        return problem(
          'fail',
          'reachability',
          `${host} does not resolve (${code})`,
          "Check the host name. A quick tunnel's name changes every time it starts: copy the current URL from Ferry.",
          evidence({ error: code }),
        );
      }
    }
    const list = addresses.map((a) => a.address).join(', ');
    const found = evidence({ bodyExcerpt: addresses.map((a) => `${a.address} (IPv${a.family})`).join(', ') });
    if (addresses.length === 0) {
      ctx.unreachable = `${host} has no addresses`;
      return problem('fail', 'reachability', `${host} has no addresses`, 'Check the DNS records.', found);
    }
    if (addresses.every((a) => isLoopback(a.address))) {
      ctx.loopback = true;
      return problem(
        'warn',
        'reachability',
        `${host === list ? `${host} is a loopback address` : `${host} resolves to loopback (${list})`}: fine for local testing, Claude cannot reach it`,
        TUNNEL_FIX,
        found,
      );
    }
    const problems: string[] = [];
    const publicV4 = addresses
      .filter((a) => a.family === 4 && isPublicAddress(a.address))
      .map((a) => a.address);
    if (publicV4.length === 0) {
      const publicV6 = addresses.some((a) => a.family === 6 && isPublicAddress(a.address));
      problems.push(
        publicV6
          ? `${host} has only IPv6 addresses (${list}): Claude needs an IPv4 (A) record`
          : `${host} resolves only to private addresses (${list}): Claude connects from the internet`,
      );
    }
    if (url.protocol !== 'https:') problems.push('the URL is plain http: Claude connects over https only');
    else if (url.port !== '' && url.port !== '443')
      problems.push(`the URL uses port ${url.port}: Claude connects to port 443 only`);
    if (problems.length > 0) {
      return problem('fail', 'reachability', problems.join('; '), TUNNEL_FIX, found);
    }
    return pass(`${host} resolves to ${publicV4.join(', ')} (public IPv4); https on port 443`, found);
  },
};

export const tls: CheckSpec = {
  id: 'tls',
  title: 'Connection and TLS',
  need: 'A TLS certificate valid for the host name: Claude verifies it like a browser does.',
  skipIf: (ctx) => ctx.unreachable,
  async run(ctx) {
    const url = ctx.url as URL;
    // Claude's first request is also the first TLS handshake: send it here, judge its answer in the next check.
    const exchange = await ctx.probe.send({
      method: 'POST',
      url: url.href,
      headers: { ...FIRST_REQUEST_HEADERS },
      body: JSON.stringify(initializeRequest(0)),
    });
    ctx.firstPost = exchange;
    if (!exchange.status) {
      const code = exchange.error ?? 'network';
      ctx.unreachable = `nothing answered at ${url.origin} (${code})`;
      if (isTlsFailure(code)) {
        return problem(
          'fail',
          'unreachable',
          `the TLS handshake failed: ${code} (${exchange.errorMessage ?? ''})`,
          `Serve a certificate that is valid for ${url.hostname} and chains to a public CA (a Cloudflare tunnel does this for you).`,
          exchange.evidence,
        );
      }
      const fix =
        code === 'ECONNREFUSED'
          ? `Nothing listens at ${url.host}: start Ferry (or the server), or check the port.`
          : code === 'timeout'
            ? `No answer within ${Math.round(ctx.probe.timeoutMs / 1000)} s: check that the server runs and that no firewall drops the connection.`
            : `The connection failed (${code}): check the host, the tunnel and the server.`;
      return problem(
        'fail',
        'unreachable',
        `no answer from ${url.origin}: ${code}${exchange.errorMessage ? ` (${exchange.errorMessage})` : ''}`,
        fix,
        exchange.evidence,
      );
    }
    if (url.protocol === 'http:') {
      return skip(`plain http: no TLS to check (answered HTTP ${exchange.status})`, exchange.evidence);
    }
    return pass(
      `TLS handshake and certificate accepted; answered HTTP ${exchange.status} in ${Math.round(exchange.headersMs)} ms`,
      exchange.evidence,
    );
  },
};
