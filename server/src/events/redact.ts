const SECRET_KEY =
  /(pass(word|phrase)?|secret|token|api[-_]?key|auth|credential|private[-_]?key|cookie|session)/i;
const SECRET_VALUE =
  /\b(sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*|AKIA[0-9A-Z]{16})\b/g;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;
/** Text kept past the visible window so a secret that starts inside it is still recognised and hidden. */
const SLACK = 120;

/** How long a preview is unless its caller says. */
const PREVIEW_CHARS = 240;

/**
 * A short, secret-free rendering of call arguments or results for the activity view and logs: values
 * under secret-looking keys and strings that look like credentials are replaced. It stops walking once
 * it has enough text, so a 1 MB result costs what 240 characters do (it runs on every call).
 */
export function preview(value: unknown, maxLength = PREVIEW_CHARS): string {
  const budget = maxLength + SLACK;
  const out: string[] = [];
  let size = 0;
  const emit = (text: string): boolean => {
    out.push(text);
    size += text.length;
    return size < budget;
  };
  const walk = (node: unknown, key: string | undefined, depth: number): boolean => {
    if (key !== undefined && SECRET_KEY.test(key) && node !== null && typeof node !== 'object') {
      return emit('"[redacted]"');
    }
    if (node === null || typeof node === 'number' || typeof node === 'boolean') return emit(String(node));
    if (typeof node === 'string')
      return emit(JSON.stringify(node.length > budget ? node.slice(0, budget) : node));
    // bigint, symbol, function: what JSON.stringify would make of them is no use in a preview.
    if (typeof node !== 'object') return emit(node === undefined ? 'null' : `"${typeof node}"`);
    if (depth > 20) return emit('"…"');
    if (Array.isArray(node)) {
      if (!emit('[')) return false;
      for (let i = 0; i < node.length; i++) {
        if (i > 0 && !emit(',')) return false;
        if (!walk(node[i], undefined, depth + 1)) return false;
      }
      return emit(']');
    }
    if (!emit('{')) return false;
    let first = true;
    for (const [k, v] of Object.entries(node)) {
      if (v === undefined) continue;
      if (!first && !emit(',')) return false;
      first = false;
      if (!emit(`${JSON.stringify(k)}:`) || !walk(v, k, depth + 1)) return false;
    }
    return emit('}');
  };
  if (value === undefined) return '';
  walk(value, undefined, 0);
  const text = redactText(out.join(''));
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/**
 * How much of a call's arguments and of its result the events carry whole (Activity's detail, replay):
 * 16 Ki characters each. The bus keeps 500 ended calls and 1000 recent events, so this bounds their memory
 * at about 50 MB in the worst case, while ordinary tool payloads fit entirely.
 */
export const FULL_PAYLOAD_CHARS = 16 * 1024;

/** The whole payload, secrets hidden, cut at `FULL_PAYLOAD_CHARS`. */
export function fullPayload(value: unknown): string {
  return preview(value, FULL_PAYLOAD_CHARS);
}

/**
 * Both renderings of one payload (a call's arguments). Most arguments are short: when the whole text fits in a
 * preview it is the preview, and the payload is walked once instead of twice on every call.
 */
export function previewAndFull(value: unknown): { preview: string; full: string } {
  const full = fullPayload(value);
  return { preview: full.length <= PREVIEW_CHARS ? full : preview(value), full };
}

export function redactText(text: string): string {
  return text.replace(BEARER, '$1[redacted]').replace(SECRET_VALUE, '[redacted]');
}
