import { createHash, randomBytes } from 'node:crypto';
import {
  CLAUDE_CALLBACK,
  CLAUDE_CLIENT_METADATA_URL,
  CLAUDE_REGISTRATION,
  UA_BACKEND,
  UA_BROWSER,
} from '../claude.js';
import type { CheckSpec } from '../context.js';
import { jsonObject } from '../probe.js';
import { answered, hasAsMetadata, pass, problem, skip } from './common.js';

const REGISTRATION_FIX =
  'Accept Claude\'s registration as sent: any "scope" string (store none, or ignore unknown values), the ' +
  `redirect URI ${CLAUDE_CALLBACK}, "token_endpoint_auth_method": "none"; answer 201 with "client_id" and ` +
  'integer timestamps.';

export const registration: CheckSpec = {
  id: 'registration',
  title: "Dynamic client registration with Claude's body",
  need:
    `POST to the registration endpoint with Claude's literal body (client_name "claudeai", scope "claudeai", ` +
    `redirect URI ${CLAUDE_CALLBACK}, auth method "none") answered 201 with "client_id" and integer timestamps.`,
  skipIf: hasAsMetadata,
  async run(ctx) {
    const doc = ctx.asMetadata as Record<string, unknown>;
    const endpoint = typeof doc.registration_endpoint === 'string' ? doc.registration_endpoint : undefined;
    const cimd = doc.client_id_metadata_document_supported === true;
    if (!endpoint) {
      if (cimd) ctx.clientId = CLAUDE_CLIENT_METADATA_URL;
      return skip(
        cimd
          ? `no registration endpoint; Claude uses its metadata document (${CLAUDE_CLIENT_METADATA_URL}) as client_id`
          : 'no registration endpoint advertised',
      );
    }
    const exchange = await ctx.probe.send({
      method: 'POST',
      url: endpoint,
      headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': UA_BACKEND },
      body: JSON.stringify(CLAUDE_REGISTRATION),
    });
    const body = jsonObject(exchange.text);
    // With metadata documents advertised Claude can do without registration: a refusal is then a warning.
    const severity = cimd ? 'warn' : 'fail';
    if (cimd) ctx.clientId = CLAUDE_CLIENT_METADATA_URL;
    const { evidence, status } = exchange;
    if ((status === 201 || status === 200) && typeof body?.client_id === 'string') {
      ctx.clientId = body.client_id;
      ctx.testClientId = body.client_id;
      const timestamps = ['client_id_issued_at', 'client_secret_expires_at'].filter(
        (key) => body[key] !== undefined && !Number.isInteger(body[key]),
      );
      if (timestamps.length > 0) {
        return problem(
          'fail',
          'oauth-registration',
          `registered, but ${timestamps.map((k) => `"${k}" is ${JSON.stringify(body[k])}`).join(' and ')}, not an integer`,
          'Send timestamps as integer seconds since the epoch (RFC 7591).',
          evidence,
        );
      }
      const note = `test client ${body.client_id} (never approved: safe to delete)`;
      if (status === 200) {
        return problem(
          'warn',
          'oauth-registration',
          `registered with HTTP 200 instead of 201: ${note}`,
          'Answer a registration with 201 Created (RFC 7591).',
          evidence,
        );
      }
      return pass(`201 with client_id; registered ${note}`, evidence);
    }
    const error = typeof body?.error === 'string' ? body.error : undefined;
    const description = typeof body?.error_description === 'string' ? body.error_description : '';
    if (status === 429) {
      return problem(
        'warn',
        'oauth-registration',
        `registration rate-limited (HTTP 429${exchange.headers.get('retry-after') ? `, retry after ${exchange.headers.get('retry-after')} s` : ''})`,
        'Wait and run the doctor again. Claude registers a new client on every fresh connection: keep the limit generous.',
        evidence,
      );
    }
    if (status === 401 || status === 403) {
      return problem(
        severity,
        'oauth-registration',
        `registration answered HTTP ${status}: it requires credentials`,
        'Allow open registration (no initial access token): Claude registers anonymously.',
        evidence,
      );
    }
    const words = `${error ?? ''} ${description}`;
    const what = /scope/i.test(words)
      ? `refuses Claude's scope "claudeai" (${error ?? status}: ${description})`
      : /redirect/i.test(words)
        ? `refuses Claude's redirect URI ${CLAUDE_CALLBACK} (${error ?? status}: ${description})`
        : `answered ${answered(exchange)}${error ? ` ${error}` : ''}${description ? `: ${description}` : ''}`;
    return problem(severity, 'oauth-registration', `registration ${what}`, REGISTRATION_FIX, evidence);
  },
};

function pkceChallenge(): string {
  return createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
}

export const authorizeScope: CheckSpec = {
  id: 'authorize-scope',
  title: "Authorization request with Claude's malformed scope",
  need:
    'GET /authorize with scope "claudeai" (not a real scope), PKCE S256, resource=<URL> and Claude\'s redirect ' +
    'URI leads to a login or consent page (302/303 or 200), never invalid_scope. The doctor does not complete it.',
  skipIf: (ctx) =>
    hasAsMetadata(ctx) ??
    (typeof ctx.asMetadata?.authorization_endpoint !== 'string'
      ? 'no authorization endpoint advertised'
      : ctx.clientId
        ? undefined
        : 'no client id (registration did not succeed)'),
  async run(ctx) {
    const endpoint = (ctx.asMetadata as Record<string, unknown>).authorization_endpoint as string;
    let target: URL;
    try {
      target = new URL(endpoint);
    } catch {
      return problem(
        'fail',
        'auth-server-metadata',
        `"authorization_endpoint" is "${endpoint}", not an absolute URL`,
        'Advertise the absolute URL of the authorization endpoint.',
      );
    }
    const query: Record<string, string> = {
      response_type: 'code',
      client_id: ctx.clientId as string,
      redirect_uri: CLAUDE_CALLBACK,
      code_challenge: pkceChallenge(),
      code_challenge_method: 'S256',
      state: randomBytes(12).toString('base64url'),
      scope: 'claudeai',
      resource: ctx.raw,
      prompt: 'consent',
    };
    for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value);
    const exchange = await ctx.probe.send({
      method: 'GET',
      url: target.href,
      headers: { accept: 'text/html,application/xhtml+xml', 'user-agent': UA_BROWSER },
    });
    const { status, evidence } = exchange;
    const location = exchange.headers.get('location');
    if (status >= 300 && status < 400 && location) {
      const next = new URL(location, target);
      if (`${next.origin}${next.pathname}` === CLAUDE_CALLBACK) {
        const error = next.searchParams.get('error');
        const description = next.searchParams.get('error_description') ?? '';
        if (error === 'invalid_scope') {
          return problem(
            'fail',
            'oauth-authorize',
            `sent Claude back with error=invalid_scope for scope "claudeai"${description ? ` (${description})` : ''}`,
            'Split the scope on whitespace, drop values you do not know and continue with the rest (or a default).',
            evidence,
          );
        }
        if (error) {
          return problem(
            'fail',
            'oauth-authorize',
            `sent Claude back with error=${error}${description ? ` (${description})` : ''}`,
            error === 'invalid_target'
              ? `Accept resource=${ctx.raw}: it is the connector URL, byte for byte.`
              : "Accept Claude's authorization request as sent (see the error above).",
            evidence,
          );
        }
        return pass('sent a code straight back (no consent page); the doctor did not redeem it', evidence);
      }
      return pass(
        `redirects (HTTP ${status}) to ${next.origin}${next.pathname}: the login or consent page (not followed)`,
        evidence,
      );
    }
    if (/invalid_scope/.test(exchange.text)) {
      return problem(
        'fail',
        'oauth-authorize',
        `answered HTTP ${status} with invalid_scope for scope "claudeai"`,
        'Split the scope on whitespace, drop values you do not know and continue with the rest (or a default).',
        evidence,
      );
    }
    if (status === 200) return pass('answers with a page (HTTP 200): the login or consent page', evidence);
    const reason = /redirect_uri/i.test(exchange.text)
      ? `refuses Claude's redirect URI ${CLAUDE_CALLBACK}`
      : /resource|invalid_target/i.test(exchange.text)
        ? `refuses resource=${ctx.raw}`
        : `answered ${answered(exchange)}`;
    return problem(
      'fail',
      'oauth-authorize',
      `the authorization request ${reason}`,
      `Accept Claude's request: redirect URI ${CLAUDE_CALLBACK}, PKCE S256, resource=${ctx.raw}, any scope string.`,
      evidence,
    );
  },
};
