/** The stateless revision Claude opens with since August 2026. */
const STATELESS = '2026-07-28';

/** How Activity names the MCP revision a call came in: "MCP 2026-07-28 (stateless)", or "—" if unknown. */
export function revisionLabel(protocol: string | undefined): string {
  if (!protocol) return '—';
  return protocol === STATELESS ? `MCP ${protocol} (stateless)` : `MCP ${protocol}`;
}
