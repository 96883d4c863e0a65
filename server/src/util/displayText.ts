/**
 * Text that someone else chose (an OAuth client's name and URIs, an MCP clientInfo, a child's stderr, a user
 * agent), made safe to show on a terminal, in a notification, a tray menu or the window.
 *
 * Pure and dependency-free on purpose: the core, the Electron shell and the window (which bundles it from
 * here) all use this one module, so every surface shows the same text for the same client.
 *
 * Unsafe characters are made visible as escapes (`\x1b`, `\u202e`), never removed: removal would let
 * `clau\u200bde` or `claude\u0008\u0008` pass for a name it is not, while a visible escape shows the user
 * that the name is odd. The escapes are plain ASCII, so sanitizing twice changes nothing.
 */

/**
 * The longest client-chosen text each surface shows, in characters (code points) after escaping. One
 * table so the tray, the notification, the terminal and the window cut a name in the same place; each is
 * short enough that a line such as `<name> → <host> · <match code>` keeps its match code visible in a
 * tray menu (whose width the OS caps) and on an 80-column terminal.
 */
export const DISPLAY_LIMITS = {
  /** OAuth client_name, MCP clientInfo name: what the user recognises an app by. */
  clientName: 32,
  /** The host a browser is sent back to, or a client's own URI host. */
  host: 40,
  /** A full URI (client_uri, redirect_uri, a CIMD client id) shown under the name. */
  uri: 200,
  /** One log line (a child's stderr, a reason, an error) on a terminal or in a menu. */
  line: 2000,
} as const;

/**
 * Characters that can move the cursor, rewrite or hide text, or reorder it:
 * - `\p{Cc}`: C0 controls (ESC, BEL, CR, LF, backspace, tab…), DEL and the C1 controls (CSI U+009B…);
 * - `\p{Cf}`: format characters: bidi embeddings, overrides, isolates and marks (U+202A–202E,
 *   U+2066–2069, U+200E/200F, U+061C), zero-width space/joiners (U+200B–200D), word joiner (U+2060),
 *   BOM (U+FEFF), soft hyphen, tag characters and the like;
 * - `\p{Zl}`/`\p{Zp}`: the line and paragraph separators U+2028/2029, which some terminals break on;
 * - `\p{Cs}`: a lone surrogate half (a well-formed pair is one code point and never matches).
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

const ELLIPSIS = '…';

/** `\x1b` below U+0100, `\u202e` in the BMP, `\u{e0041}` beyond it. */
function escapeCodePoint(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/** Every unsafe character replaced by its visible escape; nothing cut. */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, escapeCodePoint);
}

/**
 * At most `limit` characters, counted in code points so a surrogate pair (an emoji, a rare CJK character)
 * is never cut in half; a cut text ends in `…` (which counts towards the limit).
 */
export function cutText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const characters = Array.from(text);
  if (characters.length <= limit) return text;
  return `${characters.slice(0, Math.max(0, limit - 1)).join('')}${ELLIPSIS}`;
}

/** Client-chosen text as every surface shows it: unsafe characters escaped, then cut to `limit`. */
export function displayText(text: string, limit: number = DISPLAY_LIMITS.line): string {
  return cutText(escapeUnsafe(text), limit);
}
