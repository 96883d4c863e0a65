/**
 * Size bounds for dynamic client registration (RFC 7591). A registration is kept in memory until approved and
 * in the state file afterwards; without these an anonymous `POST /register` could store tens of kilobytes a
 * time. Every limit is far above what any real client sends (Claude's whole body is about 250 bytes) and
 * counts characters (UTF-16 code units, JavaScript's `length`).
 */
export const REGISTRATION_LIMITS = {
  /** Whole `POST /register` body. A client with every URI field at its maximum still fits. */
  bodyBytes: 16 * 1024,
  /**
   * Free text a person reads. Screens cut names to 32 characters anyway (`DISPLAY_LIMITS`); 200 leaves room
   * for any real product name, in any script, and its version.
   */
  text: { client_name: 200, software_id: 200, software_version: 200 },
  /**
   * Informational URIs (shown, linked, or fetched by oidc-provider for `jwks_uri`/`sector_identifier_uri`).
   * The same bound as a redirect URI (`MAX_REDIRECT_URI_LENGTH`, checked with the redirect rules): longer
   * URLs break in browsers and proxies anyway.
   */
  uriChars: 2000,
  uriFields: [
    'client_uri',
    'logo_uri',
    'tos_uri',
    'policy_uri',
    'jwks_uri',
    'sector_identifier_uri',
    'initiate_login_uri',
  ],
  /** `contacts`: e-mail addresses. RFC 5321 allows 64 + 1 + 255 characters; nobody lists more than a few. */
  contactChars: 320,
  contacts: 10,
  /**
   * `scope` is dropped before storage (Ferry grants per request), but is still read: a few dozen scope
   * names fit in 1,000 characters.
   */
  scopeChars: 1000,
} as const;

export interface RegistrationProblem {
  error: 'invalid_client_metadata';
  description: string;
}

/**
 * The first field of a registration body over its bound, as an RFC 7591 `invalid_client_metadata` error
 * naming it; undefined when every bounded field fits. Types are oidc-provider's to check: only strings and
 * arrays are measured here. Redirect URIs are bounded by `validateRegistrationRedirects`.
 */
export function registrationMetadataProblem(body: Record<string, unknown>): RegistrationProblem | undefined {
  const limits = REGISTRATION_LIMITS;
  const fields: [string, number][] = [
    ...Object.entries(limits.text),
    ...limits.uriFields.map((field): [string, number] => [field, limits.uriChars]),
    ['scope', limits.scopeChars],
  ];
  for (const [field, max] of fields) {
    const value = body[field];
    if (typeof value === 'string' && value.length > max) return tooLong(field, max);
  }
  const { contacts } = body;
  if (Array.isArray(contacts)) {
    if (contacts.length > limits.contacts) {
      return {
        error: 'invalid_client_metadata',
        description: `contacts: at most ${limits.contacts} entries`,
      };
    }
    const index = contacts.findIndex((c) => typeof c === 'string' && c.length > limits.contactChars);
    if (index >= 0) return tooLong(`contacts[${index}]`, limits.contactChars);
  }
  return undefined;
}

function tooLong(field: string, max: number): RegistrationProblem {
  return { error: 'invalid_client_metadata', description: `${field}: longer than ${max} characters` };
}
