/** Pieces of a message: plain text, or a web address to show as a link. */
export type TextPiece = { text: string; href?: string };

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/g;

/**
 * Splits a message so its web addresses become links (the text stays escaped by React). Trailing
 * punctuation (a sentence's full stop, a closing parenthesis) stays outside the link.
 */
export function splitLinks(message: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  let last = 0;
  for (const match of message.matchAll(URL_PATTERN)) {
    let url = match[0];
    const trailing = /[.,;:!?)\]]+$/.exec(url)?.[0] ?? '';
    url = url.slice(0, url.length - trailing.length);
    const start = match.index;
    if (start > last) pieces.push({ text: message.slice(last, start) });
    pieces.push({ text: url, href: url });
    last = start + url.length;
  }
  if (last < message.length) pieces.push({ text: message.slice(last) });
  return pieces;
}

/** The secret store in the user's words, for forms that say where a secret goes. */
export function secretStoreWords(kind: string): string {
  if (kind === 'keychain') return 'the OS keychain';
  if (kind === 'file')
    return 'Ferry’s secrets file in its data directory (readable by anyone who can read your files)';
  if (kind.startsWith('memory'))
    return 'memory only (the OS keychain is unavailable: it is lost when Ferry stops)';
  return kind;
}
