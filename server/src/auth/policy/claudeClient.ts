/**
 * What Ferry knows about Claude as an OAuth client (see /work/shared/claude-connector.md, steps 4a and 5).
 */

/** Claude's callbacks, byte for byte: Claude compares them exactly, so must we. */
export const CLAUDE_REDIRECT_URIS: readonly string[] = Object.freeze([
  'https://claude.ai/api/mcp/auth_callback',
  'https://claude.com/api/mcp/auth_callback',
]);

/** Hosts where nothing but {@link CLAUDE_REDIRECT_URIS} may ever receive a code, whatever the user adds. */
export const CLAUDE_HOSTS: readonly string[] = Object.freeze(['claude.ai', 'claude.com']);

export const CLAUDE_CLIENT_METADATA_URL = 'https://claude.ai/oauth/mcp-oauth-client-metadata';

/**
 * Pinned copy of Claude's Client ID Metadata Document. The real one sits behind a bot challenge that
 * server-side fetches cannot pass, so fetching it would fail every CIMD sign-in.
 */
export const CLAUDE_CLIENT_METADATA = deepFreeze({
  client_id: CLAUDE_CLIENT_METADATA_URL,
  client_name: 'Claude',
  client_uri: 'https://claude.ai',
  redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
});

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const inner of Object.values(value) as unknown[]) {
    if (typeof inner === 'object' && inner !== null) deepFreeze(inner);
  }
  return Object.freeze(value);
}
