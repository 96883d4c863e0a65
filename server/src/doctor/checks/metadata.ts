import { PROTOCOL_VERSION, UA_BACKEND } from '../claude.js';
import type { CheckSpec, Outcome } from '../context.js';
import { jsonObject, type Exchange } from '../probe.js';
import type { Evidence } from '../types.js';
import { answered, hasAsMetadata, pass, pathOf, problem, reachedWithAuth, skip } from './common.js';

const METADATA_HEADERS = {
  accept: 'application/json',
  'mcp-protocol-version': PROTOCOL_VERSION,
  'user-agent': UA_BACKEND,
};

const PRM = '/.well-known/oauth-protected-resource';

/** Where Claude looks for the protected-resource metadata: RFC 9728 path insertion, then the root. */
export function prmUrls(url: URL): { suffixed: string; root: string } {
  return { suffixed: `${url.origin}${PRM}${pathOf(url)}`, root: `${url.origin}${PRM}` };
}

/** JSON with sorted keys, for "identical documents" regardless of key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The verdict on one protected-resource metadata fetch that did not produce a JSON document. */
function prmMissing(exchange: Exchange, where: string, url: string): Outcome {
  const { status } = exchange;
  if (status === 401 || status === 403) {
    return problem(
      'fail',
      'resource-metadata',
      `the metadata at ${where} answered HTTP ${status}: it is behind auth`,
      `Serve ${url} without auth: it is how Claude learns where to sign in.`,
      exchange.evidence,
    );
  }
  if (status >= 300 && status < 400) {
    return problem(
      'fail',
      'resource-metadata',
      `the metadata at ${where} redirects (HTTP ${status}) to ${exchange.headers.get('location') ?? '?'}`,
      `Serve the document at ${url} itself (200, application/json).`,
      exchange.evidence,
    );
  }
  return problem(
    'fail',
    'resource-metadata',
    status === 200
      ? `the metadata at ${where} is not a JSON object`
      : `no protected-resource metadata at ${where} (${answered(exchange)})`,
    `Serve the protected-resource metadata (RFC 9728) at ${url}, without auth, as application/json.`,
    exchange.evidence,
  );
}

export const prmSuffixed: CheckSpec = {
  id: 'prm-suffixed',
  title: 'Protected-resource metadata at the path-suffixed URL',
  need: 'GET /.well-known/oauth-protected-resource<path of the URL> (RFC 9728) answered 200 with JSON, without auth.',
  skipIf: reachedWithAuth,
  async run(ctx) {
    const url = ctx.url as URL;
    const { suffixed, root } = prmUrls(url);
    if (pathOf(url) === '') return skip('the URL has no path: only the root document applies (next check)');
    const exchange = await ctx.probe.send({ method: 'GET', url: suffixed, headers: METADATA_HEADERS });
    const related: Evidence[] = [];
    // A challenge pointing somewhere else: Claude follows it first, so it must answer too.
    const pointed = ctx.resourceMetadataUrl;
    if (pointed && pointed !== suffixed && pointed !== root) {
      const other = await ctx.probe.send({ method: 'GET', url: pointed, headers: METADATA_HEADERS });
      related.push(other.evidence);
      if (!jsonObject(other.text) || other.status !== 200) {
        const outcome = prmMissing(other, pointed, pointed);
        return {
          ...outcome,
          detail: `resource_metadata in the 401 points to ${pointed}, which fails: ${outcome.detail}`,
        };
      }
    }
    const doc = exchange.status === 200 ? jsonObject(exchange.text) : undefined;
    if (!doc)
      return {
        ...prmMissing(exchange, `${PRM}${pathOf(url)}`, suffixed),
        ...(related.length ? { related } : {}),
      };
    ctx.prmSuffixed = doc;
    ctx.prm = doc;
    ctx.prmEvidence = exchange.evidence;
    return pass(`served at ${PRM}${pathOf(url)} (HTTP 200, no token asked)`, exchange.evidence, related);
  },
};

export const prmRoot: CheckSpec = {
  id: 'prm-root',
  title: 'Protected-resource metadata at the root, identical',
  need: 'GET /.well-known/oauth-protected-resource answered 200 with the same JSON as the suffixed URL, without auth.',
  skipIf: reachedWithAuth,
  async run(ctx) {
    const url = ctx.url as URL;
    const { root } = prmUrls(url);
    const exchange = await ctx.probe.send({ method: 'GET', url: root, headers: METADATA_HEADERS });
    const doc = exchange.status === 200 ? jsonObject(exchange.text) : undefined;
    if (!doc) {
      const outcome = prmMissing(exchange, PRM, root);
      return ctx.prmSuffixed
        ? {
            ...outcome,
            fix: `Claude also fetches ${root}: serve the same JSON there as at the suffixed URL.`,
          }
        : outcome;
    }
    if (!ctx.prm) {
      ctx.prm = doc;
      ctx.prmEvidence = exchange.evidence;
    }
    if (!ctx.prmSuffixed) return pass(`served at ${PRM} (HTTP 200, no token asked)`, exchange.evidence);
    if (canonical(doc) === canonical(ctx.prmSuffixed)) {
      return pass(`served at ${PRM} too, identical to the suffixed document`, exchange.evidence);
    }
    const keys = [...new Set([...Object.keys(doc), ...Object.keys(ctx.prmSuffixed)])].filter(
      (k) => canonical(doc[k]) !== canonical(ctx.prmSuffixed?.[k]),
    );
    return problem(
      'fail',
      'resource-metadata',
      `the root document differs from the suffixed one (${keys.map((k) => `"${k}"`).join(', ')})`,
      'Serve the same document at both paths: Claude fetches both and may use either.',
      exchange.evidence,
    );
  },
};

export const prmResource: CheckSpec = {
  id: 'prm-resource',
  title: 'Metadata names this exact URL and its authorization server',
  need:
    '"resource" equal to the connector URL byte for byte (no trailing-slash drift) and "authorization_servers" ' +
    'with the absolute URL of the authorization server.',
  skipIf: (ctx) => reachedWithAuth(ctx) ?? (ctx.prm ? undefined : 'no protected-resource metadata to read'),
  reads: (ctx) => ctx.prmEvidence,
  run(ctx) {
    const doc = ctx.prm as Record<string, unknown>;
    const raw = ctx.raw;
    const servers = doc.authorization_servers;
    const first = Array.isArray(servers) ? (servers as unknown[])[0] : undefined;
    const issuer = absoluteUrl(first);
    // Known before judging "resource", so a wrong resource does not also cost the metadata checks that follow.
    if (issuer) ctx.issuer = issuer;
    const outcome = ((): Outcome => {
      const resource = doc.resource;
      if (typeof resource !== 'string') {
        return problem(
          'fail',
          'resource-metadata',
          'the metadata has no "resource"',
          `Add "resource": "${raw}" to the protected-resource metadata.`,
        );
      }
      if (resource !== raw) {
        const drift = resource.replace(/\/+$/, '') === raw.replace(/\/+$/, '');
        return problem(
          'fail',
          'resource-metadata',
          drift
            ? `"resource" is "${resource}" but the connector URL is "${raw}": trailing-slash drift (Claude compares them byte for byte)`
            : `"resource" is "${resource}", not the connector URL "${raw}"`,
          drift
            ? `Make "resource" exactly "${raw}", or add the connector in Claude as "${resource}".`
            : `Build "resource" from the public URL (the tunnel host) exactly as users paste it: "${raw}".`,
        );
      }
      if (!issuer) {
        return problem(
          'fail',
          'resource-metadata',
          Array.isArray(servers) && servers.length > 0
            ? `"authorization_servers" holds ${JSON.stringify(first)}, not an absolute URL`
            : 'the metadata has no "authorization_servers"',
          'Add "authorization_servers": ["<issuer URL of the authorization server>"].',
        );
      }
      const methods = doc.bearer_methods_supported;
      if (Array.isArray(methods) && !methods.includes('header')) {
        return problem(
          'warn',
          'resource-metadata',
          `"bearer_methods_supported" is ${JSON.stringify(methods)}, without "header"`,
          'Claude sends the token in the Authorization header: list "header".',
        );
      }
      return pass(`"resource" is exactly the connector URL; authorization server ${issuer}`);
    })();
    return Promise.resolve(outcome);
  },
};

interface AsCandidate {
  label: string;
  url: string;
}

/** Where Claude looks for authorization-server metadata, the RFC 8414 location first. */
export function asMetadataUrls(issuer: URL, mcp: URL): AsCandidate[] {
  const path = issuer.pathname === '/' ? '' : issuer.pathname.replace(/\/$/, '');
  const out: AsCandidate[] = [
    { label: 'RFC 8414', url: `${issuer.origin}/.well-known/oauth-authorization-server${path}` },
    { label: 'OpenID', url: `${issuer.origin}/.well-known/openid-configuration${path}` },
  ];
  if (path)
    out.push({ label: 'OpenID (appended)', url: `${issuer.origin}${path}/.well-known/openid-configuration` });
  // Claude also tries the MCP path inserted (the 2025-03 spec's guess when the MCP server is its own AS).
  const mcpPath = pathOf(mcp);
  if (!path && mcpPath && issuer.origin === mcp.origin) {
    out.push({
      label: 'path-suffixed',
      url: `${issuer.origin}/.well-known/oauth-authorization-server${mcpPath}`,
    });
  }
  return out;
}

export const asMetadata: CheckSpec = {
  id: 'as-metadata',
  title: 'Authorization-server metadata (RFC 8414, OpenID, path-suffixed)',
  need:
    'The authorization-server metadata at /.well-known/oauth-authorization-server (and the OpenID and ' +
    'path-suffixed forms Claude also tries), "issuer" equal to the authorization server URL.',
  skipIf: reachedWithAuth,
  async run(ctx) {
    const mcp = ctx.url as URL;
    const fallback = !ctx.issuer;
    const issuerText = ctx.issuer ?? mcp.origin;
    const issuer = new URL(issuerText);
    const found: Array<{ candidate: AsCandidate; doc: Record<string, unknown>; exchange: Exchange }> = [];
    const missing: Array<{ candidate: AsCandidate; exchange: Exchange }> = [];
    for (const candidate of asMetadataUrls(issuer, mcp)) {
      const exchange = await ctx.probe.send({ method: 'GET', url: candidate.url, headers: METADATA_HEADERS });
      const doc = exchange.status === 200 ? jsonObject(exchange.text) : undefined;
      if (doc && (typeof doc.issuer === 'string' || typeof doc.authorization_endpoint === 'string')) {
        found.push({ candidate, doc, exchange });
      } else missing.push({ candidate, exchange });
    }
    const all = [...found.map((f) => f.exchange.evidence), ...missing.map((m) => m.exchange.evidence)];
    const primary = found[0];
    const origin = fallback ? ` (no authorization_servers known: assumed ${issuerText})` : '';
    if (!primary) {
      return problem(
        'fail',
        'auth-server-metadata',
        `no authorization-server metadata at ${missing.map((m) => `${m.candidate.url} (${answered(m.exchange)})`).join(', ')}${origin}`,
        `Serve RFC 8414 metadata at ${asMetadataUrls(issuer, mcp)[0]?.url ?? ''}.`,
        all[0],
        all.slice(1),
      );
    }
    ctx.asMetadata = primary.doc;
    ctx.asEvidence = primary.exchange.evidence;
    ctx.issuer ??= issuerText;
    const evidence = primary.exchange.evidence;
    const related = all.filter((e) => e !== evidence);
    if (primary.doc.issuer !== issuerText) {
      return problem(
        'warn',
        'auth-server-metadata',
        `"issuer" is ${JSON.stringify(primary.doc.issuer)}, but the protected-resource metadata names ${issuerText}`,
        `Make them the same string (RFC 8414 §3.3): "issuer": "${issuerText}".`,
        evidence,
        related,
      );
    }
    if (missing.length > 0) {
      return problem(
        'warn',
        'auth-server-metadata',
        `found at ${found.map((f) => f.candidate.label).join(', ')}; missing at ${missing.map((m) => `${m.candidate.url} (${answered(m.exchange)})`).join(', ')}${origin}`,
        `Serve the same document at ${missing.map((m) => m.candidate.url).join(' and ')} too: Claude tries them.`,
        evidence,
        related,
      );
    }
    return pass(
      `found at ${found.map((f) => f.candidate.label).join(', ')} (${found.length} paths), issuer ${issuerText}${origin}`,
      evidence,
      related,
    );
  },
};

export const asPkce: CheckSpec = {
  id: 'as-pkce',
  title: 'PKCE S256 advertised',
  need: '"code_challenge_methods_supported" including "S256": without it Claude never starts the sign-in.',
  skipIf: hasAsMetadata,
  reads: (ctx) => ctx.asEvidence,
  run(ctx) {
    const methods = (ctx.asMetadata as Record<string, unknown>).code_challenge_methods_supported;
    if (!Array.isArray(methods)) {
      return Promise.resolve(
        problem(
          'fail',
          'pkce-s256',
          'the metadata has no "code_challenge_methods_supported"',
          'Add "code_challenge_methods_supported": ["S256"] to the authorization-server metadata (and support PKCE).',
        ),
      );
    }
    if (!methods.includes('S256')) {
      return Promise.resolve(
        problem(
          'fail',
          'pkce-s256',
          `"code_challenge_methods_supported" is ${JSON.stringify(methods)}, without "S256"`,
          'Support PKCE with S256 and list it: "code_challenge_methods_supported": ["S256"].',
        ),
      );
    }
    return Promise.resolve(pass(`"code_challenge_methods_supported": ${JSON.stringify(methods)}`));
  },
};

function absoluteUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    new URL(value);
    return value;
  } catch {
    return undefined;
  }
}

export const asRegistration: CheckSpec = {
  id: 'as-registration',
  title: 'Endpoints, registration and public clients advertised',
  need:
    '"authorization_endpoint", "token_endpoint", "registration_endpoint" (dynamic registration) and/or ' +
    '"client_id_metadata_document_supported": true, "token_endpoint_auth_methods_supported" with "none", ' +
    'response type "code", grants authorization_code and refresh_token.',
  skipIf: hasAsMetadata,
  reads: (ctx) => ctx.asEvidence,
  run(ctx) {
    const doc = ctx.asMetadata as Record<string, unknown>;
    const failures: string[] = [];
    const warnings: string[] = [];
    if (!absoluteUrl(doc.authorization_endpoint)) failures.push('no "authorization_endpoint"');
    if (!absoluteUrl(doc.token_endpoint)) failures.push('no "token_endpoint"');
    const registration = absoluteUrl(doc.registration_endpoint);
    const cimd = doc.client_id_metadata_document_supported === true;
    if (!registration && !cimd)
      failures.push('neither "registration_endpoint" nor client metadata documents');
    else if (!registration)
      warnings.push('no "registration_endpoint" (Claude must use its metadata document)');
    else if (!cimd)
      warnings.push('no "client_id_metadata_document_supported": true (Claude falls back to registration)');
    const auth = doc.token_endpoint_auth_methods_supported;
    if (!Array.isArray(auth) || !auth.includes('none')) {
      warnings.push(
        `"token_endpoint_auth_methods_supported" ${Array.isArray(auth) ? `is ${JSON.stringify(auth)}` : 'is missing'}, without "none" (Claude is a public client)`,
      );
    }
    const responses = doc.response_types_supported;
    if (Array.isArray(responses) && !responses.includes('code'))
      warnings.push('"response_types_supported" lacks "code"');
    const grants = doc.grant_types_supported;
    if (Array.isArray(grants)) {
      for (const grant of ['authorization_code', 'refresh_token']) {
        if (!grants.includes(grant)) warnings.push(`"grant_types_supported" lacks "${grant}"`);
      }
    }
    const fix =
      'Advertise what Claude uses: "registration_endpoint", "client_id_metadata_document_supported": true, ' +
      '"token_endpoint_auth_methods_supported" including "none", "response_types_supported": ["code"], ' +
      '"grant_types_supported": ["authorization_code", "refresh_token"].';
    if (failures.length > 0) {
      return Promise.resolve(
        problem('fail', 'auth-server-metadata', [...failures, ...warnings].join('; '), fix),
      );
    }
    if (warnings.length > 0)
      return Promise.resolve(problem('warn', 'oauth-registration', warnings.join('; '), fix));
    return Promise.resolve(
      pass(
        'authorization, token and registration endpoints, metadata documents and public clients advertised',
      ),
    );
  },
};

export const rootAliases: CheckSpec = {
  id: 'root-aliases',
  title: 'Root /authorize, /token and /register exist',
  need:
    '/authorize, /token and /register at the origin root, when the metadata points elsewhere: Claude has been ' +
    'seen ignoring the advertised endpoints.',
  skipIf: hasAsMetadata,
  async run(ctx) {
    const origin = (ctx.url as URL).origin;
    const doc = ctx.asMetadata as Record<string, unknown>;
    const aliases = [
      { name: 'authorize', advertised: doc.authorization_endpoint, method: 'GET' },
      { name: 'token', advertised: doc.token_endpoint, method: 'POST' },
      { name: 'register', advertised: doc.registration_endpoint, method: 'GET' },
    ];
    const missing: string[] = [];
    const evidence: Evidence[] = [];
    let probed = 0;
    for (const alias of aliases) {
      const url = `${origin}/${alias.name}`;
      if (alias.advertised === undefined || alias.advertised === url) continue;
      probed++;
      const exchange = await ctx.probe.send({
        method: alias.method,
        url,
        headers:
          alias.method === 'POST'
            ? { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': UA_BACKEND }
            : { 'user-agent': UA_BACKEND },
        // An empty token request: any answer but 404 shows the route exists, and it cannot grant anything.
        ...(alias.method === 'POST' ? { body: 'grant_type=authorization_code' } : {}),
      });
      evidence.push(exchange.evidence);
      const absent =
        exchange.status === 0 ||
        exchange.status === 404 ||
        (exchange.status === 405 && alias.name !== 'register');
      if (absent) missing.push(`/${alias.name} (${answered(exchange)})`);
    }
    if (probed === 0) return pass('the advertised endpoints are the root paths already');
    if (missing.length > 0) {
      return problem(
        'warn',
        undefined,
        `missing at the root: ${missing.join(', ')}; the metadata points elsewhere`,
        `Serve ${missing.map((m) => m.split(' ')[0]).join(', ')} at ${origin} too (a redirect or proxy to the advertised endpoint will do).`,
        evidence[0],
        evidence.slice(1),
      );
    }
    return pass('the root aliases answer (not 404)', evidence[0], evidence.slice(1));
  },
};
