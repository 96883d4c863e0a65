import type { StatusSnapshot } from '../../api/types.js';
import { RECOMMENDED_NOTE, serverConnectorUrl } from '../../util/connectorUrls.js';

/**
 * Under the connector URL: why it is the one to use (claude-ai-mcp#878), and the servers that also have a
 * hostname of their own, for adding one server alone.
 */
export function ConnectorNote({ status }: { status: StatusSnapshot }) {
  const hostnames = status.tunnel.serverHostnames ?? {};
  const own = Object.keys(hostnames)
    .sort()
    .map((server) => serverConnectorUrl(status.publicUrl, server, hostnames));
  return (
    <p className="note note-hint" data-testid="connector-note">
      {RECOMMENDED_NOTE}{' '}
      {own.length > 0 ? (
        <>
          One server alone:{' '}
          {own.map(({ server, url }, index) => (
            <span key={server}>
              {index > 0 && ', '}
              {server} at <span className="mono">{url}</span>
            </span>
          ))}
          .
        </>
      ) : (
        <>
          To add one server alone, avoid <span className="mono">/mcp/&lt;server&gt;</span> (it has failed in
          Claude right after sign-in): give the server a hostname of its own with a named tunnel, see{' '}
          <a href="#/servers">Servers</a>.
        </>
      )}
    </p>
  );
}
