import type { StatusSnapshot } from '../../api/types.js';
import { CopyButton } from '../../components/CopyButton.js';
import { useFerry } from '../../state/context.js';
import { serverConnectorUrl } from '../../util/connectorUrls.js';

/** The public origin Claude sees: the connected tunnel's, else what the core reports. */
export function publicOrigin(status: StatusSnapshot): string {
  const { tunnel } = status;
  return tunnel.state === 'connected' && tunnel.publicUrl ? tunnel.publicUrl : status.publicUrl;
}

/**
 * Why a `/mcp/<server>` URL is not recommended, said once for every server that has no hostname of its own.
 */
export function PathRiskNote({ servers }: { servers: readonly string[] }) {
  const state = useFerry();
  if (state.status.state !== 'ready' || !state.status.value.publicUrl) return null;
  const status = state.status.value;
  const origin = publicOrigin(status);
  const risky = servers.filter(
    (name) => !serverConnectorUrl(origin, name, status.tunnel.serverHostnames ?? {}).recommended,
  );
  if (risky.length === 0) return null;
  const example = serverConnectorUrl(origin, risky[0] as string, {});
  return (
    <p className="note note-info" data-testid="path-risk">
      {example.note.replace(` or give ${risky[0] as string} a hostname`, ' or give a server a hostname')}
    </p>
  );
}

/**
 * One server's own connector URL on its card: its own hostname (path exactly /mcp) when it has one, else
 * `/mcp/<name>` with why Claude should be given `/mcp` instead (claude-ai-mcp#878).
 */
export function ServerUrl({ name }: { name: string }) {
  const state = useFerry();
  if (state.status.state !== 'ready' || !state.status.value.publicUrl) return null;
  const status = state.status.value;
  const own = serverConnectorUrl(publicOrigin(status), name, status.tunnel.serverHostnames ?? {});
  const id = `server-url-${name}`;
  return (
    <div className="server-url" data-testid={id}>
      <div className="url-row">
        <label htmlFor={id}>{own.recommended ? 'Own URL' : 'This server alone'}</label>
        {!own.recommended && (
          <span className="muted small" id={`${id}-risk`}>
            (not recommended, see above)
          </span>
        )}
        <input
          id={id}
          className="mono url"
          readOnly
          value={own.url}
          onFocus={(e) => e.currentTarget.select()}
        />
        <CopyButton text={own.url} what={`the URL of ${name} alone`} />
      </div>
      {/* The risk of /mcp/<server> is said once above the list (PathRiskNote), not on every card. */}
      {own.recommended && <p className="note note-hint">{own.note}</p>}
    </div>
  );
}
