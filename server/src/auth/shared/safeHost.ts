/** The host of a URI for a person to read; the URI itself when it does not parse. */
export function safeHost(uri: string): string {
  try {
    return new URL(uri).host;
  } catch {
    return uri;
  }
}
