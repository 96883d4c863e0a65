import type { StatusSnapshot } from '../../api/types.js';
import { CopyButton } from '../../components/CopyButton.js';
import { useFerry } from '../../state/context.js';
import { serverConnectorUrl } from '../../util/connectorUrls.js';

/** The public origin Claude sees: the connected tunnel's, else what the core reports. */
function publicOrigin(status: StatusSnapshot): string {
  const { tunnel } = status;
  return tunnel.state === 'connected' && tunnel.publicUrl ? tunnel.publicUrl : status.publicUrl;
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
        <input
          id={id}
          className="mono url"
          readOnly
          value={own.url}
          onFocus={(e) => e.currentTarget.select()}
        />
        <CopyButton text={own.url} what={`the URL of ${name} alone`} />
      </div>
      <p className={own.recommended ? 'note note-hint' : 'note note-info'}>{own.note}</p>
    </div>
  );
}
