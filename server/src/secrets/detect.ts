/**
 * Heuristics for `import --move-secrets detected`: which env values should leave the config for the secret
 * store. Biased towards moving: a false positive only hides a harmless value in the keychain (it is still
 * passed to the server), a false negative leaves a credential in a plain-text file.
 */

const SECRET_NAME =
  /KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|PWD|AUTH|CREDENTIAL|PRIVATE|COOKIE|SESSION|BEARER/i;
/** Shell variables that match SECRET_NAME but hold directories. */
const NOT_SECRET_NAMES = new Set(['PWD', 'OLDPWD']);
/** Flags such as AUTH_ENABLED=true; nothing to protect. */
const FLAG_VALUE = /^(true|false|yes|no|on|off)$/i;

/** Prefixes of well-known token formats (OpenAI/Anthropic, GitHub, GitLab, Slack, AWS, Google, Stripe, ...). */
const TOKEN_PREFIX =
  /^(sk-|sk_(live|test)_|rk_(live|test)_|pk_live_|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|xox[abposr]-|xapp-|AKIA|ASIA|AIza|ya29\.|npm_|hf_|pplx-|lin_api_|ntn_|secret_|shpat_|shpss_|SG\.|dop_v1_|figd_)/;
const JWT = /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*$/;
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
/** `scheme://user:password@host`: database URLs carry their password inline. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;
const BEARER = /^(Bearer|Basic|Token)\s+\S{8,}/i;
const OPAQUE = /^[A-Za-z0-9+/=_.~-]+$/;

export function looksSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET_NAMES.has(name.toUpperCase());
}

export function looksSecretValue(value: string): boolean {
  if (TOKEN_PREFIX.test(value) && value.length >= 16) return true;
  if (JWT.test(value) || PEM_PRIVATE_KEY.test(value) || URL_WITH_PASSWORD.test(value) || BEARER.test(value)) {
    return true;
  }
  return looksRandom(value);
}

/** Whether `import` with `moveSecrets: 'detected'` moves this env value into the secret store. */
export function shouldMoveSecret(name: string, value: string): boolean {
  if (value.trim() === '' || FLAG_VALUE.test(value)) return false;
  return looksSecretName(name) || looksSecretValue(value);
}

/**
 * A long token of mixed letters and digits with high character entropy: most API keys without a known
 * prefix. Paths, URLs and words are excluded by shape (leading `/`, `.`, `~`, no digits) before entropy.
 */
function looksRandom(value: string): boolean {
  if (value.length < 24 || !OPAQUE.test(value) || /^[/.~]/.test(value)) return false;
  if (!/[A-Za-z]/.test(value) || !/\d/.test(value)) return false;
  return shannonEntropy(value) >= 3.5;
}

/** Bits per character of the string's own character distribution. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
