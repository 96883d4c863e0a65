/**
 * Claude sends scopes that no strict server accepts (`claudeai`, `" offline_access"`, a hard-coded
 * `read write`, `+`-joined values after double encoding), and treats `invalid_scope` as fatal. So Ferry
 * never rejects a scope string: it keeps the values it knows and drops the rest.
 */

// Whitespace of any kind (Unicode included), `+` and `,` from double-encoded or comma-joined lists, and
// their percent-encoded forms when a client encoded twice. No supported scope contains any of them.
const SEPARATORS = /(?:[\s+,]|%20|%2b|%2c|%09|%0a|%0d)+/i;

/**
 * The supported values found in `raw`, in order of first appearance, without duplicates, space-joined;
 * `fallback` when none are found. Matching is exact (scopes are case-sensitive, RFC 6749 §3.3). Accepts
 * a string or an array of strings; anything else yields `fallback`. Never throws.
 */
export function normalizeScope(raw: unknown, supported: readonly string[], fallback: string): string {
  const tokens = Array.isArray(raw)
    ? (raw as unknown[])
        .filter((value) => typeof value === 'string')
        .flatMap((value) => value.split(SEPARATORS))
    : typeof raw === 'string'
      ? raw.split(SEPARATORS)
      : [];
  const kept: string[] = [];
  for (const token of tokens) {
    if (token !== '' && supported.includes(token) && !kept.includes(token)) kept.push(token);
  }
  return kept.length > 0 ? kept.join(' ') : fallback;
}

/**
 * Rewrites the `scope` of an `/authorize` query or a `/token` form body in place and returns the new value.
 * An absent `scope` stays absent (a refresh without one means "as granted"). Repeated `scope` parameters
 * are merged rather than left for the provider to reject. When the result is empty (pass `''` as
 * `fallback` for `/token`, where a fallback could exceed the grant) the parameter is removed and
 * undefined is returned.
 */
export function normalizeScopeParam(
  params: URLSearchParams | Record<string, unknown>,
  supported: readonly string[],
  fallback: string,
): string | undefined {
  if (params instanceof URLSearchParams) {
    if (!params.has('scope')) return undefined;
    const scope = normalizeScope(params.getAll('scope'), supported, fallback);
    if (scope === '') params.delete('scope');
    else params.set('scope', scope);
    return scope === '' ? undefined : scope;
  }
  if (!Object.hasOwn(params, 'scope')) return undefined;
  const scope = normalizeScope(params.scope, supported, fallback);
  if (scope === '') delete params.scope;
  else params.scope = scope;
  return scope === '' ? undefined : scope;
}

/**
 * Rewrites an `/authorize` query so every scope variant a client is known to send ends in a code:
 * - every `scope` parameter is merged and normalized; Ferry's resource scope is always requested, because
 *   a grant without it is no access at all (a bare `offline_access` used to end in `access_denied`);
 * - `consent` is added to `prompt`: oidc-provider drops `offline_access` unless the prompt asks for
 *   consent, and Ferry asks the user (or finds their remembered decision) on every authorization anyway,
 *   so an existing browser session never skips that decision. `prompt=none` is left alone: the client
 *   asked not to be prompted and gets the spec's `consent_required`.
 */
export function normalizeAuthorizationQuery(
  params: URLSearchParams,
  supported: readonly string[],
  required: string,
): void {
  const scope = normalizeScope(params.getAll('scope'), supported, required);
  params.set('scope', scope.split(' ').includes(required) ? scope : `${required} ${scope}`);
  const prompts = new Set((params.get('prompt') ?? '').split(' ').filter(Boolean));
  if (!prompts.has('none')) {
    prompts.add('consent');
    params.set('prompt', [...prompts].join(' '));
  }
}
