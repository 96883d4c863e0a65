/**
 * What no text Ferry shows may contain once a client, a child or a remote server chose it: C0 controls,
 * DEL, C1 controls (CSI U+009B among them), bidi marks, embeddings, overrides and isolates, zero-width and
 * invisible formatting characters, line and paragraph separators. Line feed is left out: terminals and
 * captured output are made of lines; the tests that need it check for it on their own.
 */
export const RAW_CONTROL =
  // eslint-disable-next-line no-control-regex -- matching raw control characters is the whole point here
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060\u2066-\u2069\ufeff]/;

/**
 * A client name that tries everything a terminal acts on: an OSC 52 clipboard write ended by BEL, a carriage
 * return and an erase-line to overwrite what was printed before, a C1 CSI moving the cursor up, a backspace,
 * a right-to-left override so the rest reads backwards, an isolate, a zero-width space, a line separator;
 * then padding, so only a cut keeps what follows the name (the match code) visible. The whole name stays within
 * the 200 characters a registration may give `client_name` (REGISTRATION_LIMITS), far past every display cut.
 */
export const HOSTILE_NAME =
  'Claude\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007\r\u001b[2K\u009b1A\u0008\u202eia.edualc' +
  '\u2066\u200b\u2028'.repeat(2) +
  'x'.repeat(120);

/** How HOSTILE_NAME reads once escaped (before any cut). */
export const HOSTILE_NAME_SHOWN =
  'Claude\\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\\x07\\x0d\\x1b[2K\\x9b1A\\x08\\u202eia.edualc' +
  '\\u2066\\u200b\\u2028'.repeat(2) +
  'x'.repeat(120);
