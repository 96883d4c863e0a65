const SECRET_KEY =
  /(pass(word|phrase)?|secret|token|api[-_]?key|auth|credential|private[-_]?key|cookie|session)/i;
const SECRET_VALUE =
  /\b(sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*|AKIA[0-9A-Z]{16})\b/g;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;

/**
 * A short, secret-free rendering of call arguments or results for the activity view and logs:
 * values under secret-looking keys and strings that look like credentials are replaced.
 */
export function preview(value: unknown, maxLength = 240): string {
  let text: string;
  try {
    text = JSON.stringify(value, (key, inner: unknown) =>
      key && SECRET_KEY.test(key) && inner !== null && typeof inner !== 'object' ? '[redacted]' : inner,
    );
  } catch {
    text = String(value);
  }
  if (text === undefined) return '';
  text = redactText(text);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

export function redactText(text: string): string {
  return text.replace(BEARER, '$1[redacted]').replace(SECRET_VALUE, '[redacted]');
}
