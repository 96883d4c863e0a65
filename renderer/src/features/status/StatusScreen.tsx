import { useState } from 'react';
import type { AdminClient } from '../../api/client.js';
import type { StatusSnapshot } from '../../api/types.js';
import { Badge, tunnelTone } from '../../components/Badge.js';
import { CopyButton } from '../../components/CopyButton.js';
import { ToggleButton } from '../../components/ToggleButton.js';
import { Card } from '../../components/Card.js';
import { useLoaded } from '../../components/Loaded.js';
import { ErrorNote } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import type { FerryState } from '../../state/store.js';
import { ago, isLoopbackUrl } from '../../util/format.js';
import { copyAndSay } from '../../util/clipboard.js';
import { useAction, useNow } from '../../util/hooks.js';
import { ConnectorNote } from './ConnectorNote.js';
import { headline, type HeadlineAction } from './headline.js';
import { NamedTunnelForm } from './NamedTunnelForm.js';
import { serversReady, tunnelKind } from './words.js';

/** The URL to paste in Claude: the tunnel's once it is connected, else what the core reports. */
export function connectorUrl(status: StatusSnapshot): string {
  const { tunnel } = status;
  if (tunnel.state === 'connected' && tunnel.publicUrl) {
    try {
      return `${new URL(tunnel.publicUrl).origin}/mcp`;
    } catch {
      // fall back to the core's own view
    }
  }
  return status.mcpUrl;
}

export function StatusScreen() {
  const state = useFerry();
  const loaded = useLoaded(state.status, {
    key: 'status',
    what: 'the status',
    failure: 'Could not load the status.',
  });
  if (!loaded.ready) return loaded.view;
  const status = loaded.value;
  const url = connectorUrl(status);
  const local = isLoopbackUrl(url);
  return (
    <>
      <Headline state={state} status={status} url={url} />
      <Warnings state={state} status={status} />
      <Card id="connect" title="Connect Claude" className="connect">
        <div className="url-row">
          <label htmlFor="connector-url">{local ? 'Local URL' : 'Connector URL'}</label>
          <input
            id="connector-url"
            className="mono url"
            readOnly
            value={url}
            onFocus={(e) => e.currentTarget.select()}
          />
          <CopyButton
            text={url}
            label={local ? 'Copy local URL' : 'Copy'}
            what={local ? 'the local URL (it works only on this computer)' : 'the connector URL'}
          />
        </div>
        <ConnectorNote status={status} />
        {local && status.auth && (
          <p className="note note-info">
            This address only works on this computer. claude.ai reaches Ferry through a tunnel: start one
            below, then use the URL shown here.
          </p>
        )}
        {!status.auth ? (
          <ol className="steps">
            <li>
              OAuth is off (<code>--no-auth</code>): MCP clients on this computer connect to the URL above
              without signing in, and nothing asks for approval.
            </li>
            <li>claude.ai cannot use this Ferry: restart it without --no-auth to connect Claude.</li>
          </ol>
        ) : (
          <ol className="steps">
            <li>
              In claude.ai open <strong>Settings › Connectors</strong> and choose{' '}
              <strong>Add custom connector</strong>.
            </li>
            <li>
              Paste the URL above, save, then click <strong>Connect</strong>.
            </li>
            <li>
              Your browser shows a match code. Approve the request with the same code under{' '}
              <a href="#/consents">Consents</a>; the browser then returns to Claude and your tools are live.
            </li>
          </ol>
        )}
      </Card>
      <div className="grid">
        <TunnelCard status={status} />
        <Card id="access" title="Access">
          <dl className="facts">
            <dt>OAuth</dt>
            <dd>
              {status.auth ? (
                <Badge tone="good">on</Badge>
              ) : (
                <>
                  <Badge tone="off">off</Badge> <span className="muted">(--no-auth: loopback only)</span>
                </>
              )}
            </dd>
            <dt>Sessions</dt>
            <dd data-testid="sessions">{status.sessions}</dd>
            <dt>Servers</dt>
            <dd>
              <a href="#/servers">{serversReady(status.servers)}</a>
            </dd>
          </dl>
        </Card>
        <Card id="about" title="This Ferry">
          <dl className="facts">
            <dt>Version</dt>
            <dd>{status.version}</dd>
            <dt>Running since</dt>
            <dd>
              <Since at={status.startedAt} /> (pid {status.pid})
            </dd>
            <dt>Config</dt>
            <dd className="mono break">{status.configPath}</dd>
            <dt>Secrets</dt>
            <dd>{status.secretStore}</dd>
            <dt>Local URL</dt>
            <dd className="mono break">{status.localUrl}</dd>
          </dl>
        </Card>
      </div>
    </>
  );
}

/** The whole state in one line, with the one main button that fixes what is missing. */
function Headline({ state, status, url }: { state: FerryState; status: StatusSnapshot; url: string }) {
  const store = useStore();
  const now = useNow(5000);
  const act = useStatusAction();
  const line = headline({
    status,
    connectorUrl: url,
    consentsWaiting: state.consents.state === 'ready' ? state.consents.value.length : 0,
    clients: state.clients.state === 'ready' ? state.clients.value : undefined,
    calls: state.calls,
    now,
  });
  const { action } = line;
  const local = isLoopbackUrl(url);
  const fix = fixOf(action, store.client);
  return (
    <section
      className={`card headline headline-${line.tone}`}
      aria-label="Ferry status"
      data-testid="headline"
    >
      <p className="headline-text">
        <strong>{line.title}</strong>
        {line.detail && <span className="muted">{line.detail}</span>}
      </p>
      {action.kind === 'review-consents' ? (
        <a className="button-link primary" href="#/consents">
          Review the request
        </a>
      ) : action.kind === 'copy-url' ? (
        <button
          type="button"
          className="primary"
          onClick={() =>
            void copyAndSay(
              url,
              local ? 'Copied the local URL (it works only on this computer)' : 'Copied the connector URL',
              (text) => store.announce(text),
            )
          }
        >
          {action.label}
        </button>
      ) : fix ? (
        <button
          type="button"
          className="primary"
          disabled={act.busy}
          onClick={() => void act.run(fix.run, fix.done)}
        >
          {fix.label}
        </button>
      ) : null}
      {act.error && <ErrorNote error={act.error} onDismiss={act.clear} />}
    </section>
  );
}

/** The operation behind a headline's main button, its words, and what is announced once it is done. */
function fixOf(
  action: HeadlineAction,
  client: AdminClient,
): { label: string; run: () => Promise<unknown>; done: string } | undefined {
  switch (action.kind) {
    case 'start-tunnel':
      return {
        label: action.label,
        run: () => client.startTunnel(action.mode),
        done: `Starting the ${action.mode} tunnel`,
      };
    case 'restart':
      return {
        label: `Restart ${action.server}`,
        run: () => client.restartServer(action.server),
        done: `Restarting ${action.server}`,
      };
    case 'resume':
      return { label: 'Resume exposure', run: () => client.resumeExposure(), done: 'Exposure resumed' };
    default:
      return undefined;
  }
}

function Since({ at }: { at: number }) {
  const now = useNow(10_000);
  return <>{ago(at, now)}</>;
}

function TunnelCard({ status }: { status: StatusSnapshot }) {
  const store = useStore();
  const { tunnel } = status;
  const start = useAction(async (mode: 'quick' | 'named') => {
    await store.client.startTunnel(mode);
    store.announce(`Starting the ${mode} tunnel`);
    void store.reload('status');
  });
  const stop = useAction(async () => {
    await store.client.stopTunnel();
    store.announce('Tunnel stopped');
    void store.reload('status');
  });
  const [showNamed, setShowNamed] = useState(false);
  const running = tunnel.state !== 'off' && tunnel.state !== 'failed';
  const kind = tunnelKind(tunnel);
  return (
    <Card id="tunnel" title="Tunnel">
      <dl className="facts">
        <dt>State</dt>
        <dd data-testid="tunnel-state">
          <Badge tone={tunnelTone(tunnel.state)}>{tunnel.state}</Badge>
          {kind && <span className="muted"> ({kind})</span>}
        </dd>
        {tunnel.publicUrl && (
          <>
            <dt>Public URL</dt>
            <dd className="mono break">{tunnel.publicUrl}</dd>
          </>
        )}
        {tunnel.reason && (
          <>
            <dt>Why</dt>
            <dd>{tunnel.reason}</dd>
          </>
        )}
      </dl>
      {!status.auth && (
        <p className="muted">A tunnel needs OAuth: restart ferry serve without --no-auth to use one.</p>
      )}
      <PauseControl status={status} />
      <p className="actions">
        {!running && !status.paused && (
          <button
            type="button"
            className="primary"
            disabled={!status.auth || start.busy}
            onClick={() => void start.run('quick')}
          >
            {tunnel.state === 'failed' ? 'Retry quick tunnel' : 'Start quick tunnel'}
          </button>
        )}
        {running && !status.paused && (
          <button type="button" disabled={stop.busy} onClick={() => void stop.run()}>
            Stop tunnel
          </button>
        )}
        <ToggleButton open={showNamed} onToggle={setShowNamed}>
          Named tunnel…
        </ToggleButton>
      </p>
      {start.error && (
        <ErrorNote title="The tunnel did not start." error={start.error} onDismiss={start.clear} />
      )}
      {stop.error && <ErrorNote title="The tunnel did not stop." error={stop.error} onDismiss={stop.clear} />}
      {showNamed && (
        <NamedTunnelForm
          disabled={!status.auth}
          secretStore={status.secretStore}
          onStart={() => void start.run('named')}
        />
      )}
    </Card>
  );
}

/**
 * Pause takes Ferry off the internet without quitting it (tunnel stopped, requests refused, servers kept
 * running); the same button resumes. Kept across restarts, so it is never a surprise.
 */
function PauseControl({ status }: { status: StatusSnapshot }) {
  const store = useStore();
  const toggle = useAction(async (pause: boolean) => {
    await (pause ? store.client.pauseExposure() : store.client.resumeExposure());
    store.announce(pause ? 'Exposure paused: Claude cannot reach your servers' : 'Exposure resumed');
    void store.reload('status');
  });
  return (
    <div className="pause">
      <p className="actions">
        <button
          type="button"
          className={status.paused ? 'primary' : undefined}
          disabled={toggle.busy}
          aria-describedby="pause-note"
          onClick={() => void toggle.run(!status.paused)}
        >
          {status.paused ? 'Resume exposure' : 'Pause exposure'}
        </button>
        <span id="pause-note" className="muted">
          {status.paused
            ? 'Paused: requests get 503 until you resume. A quick tunnel comes back with a new address.'
            : 'Pausing stops the tunnel and refuses requests; servers keep running.'}
        </span>
      </p>
      {toggle.error && (
        <ErrorNote
          title={status.paused ? 'Ferry did not resume.' : 'Ferry did not pause.'}
          error={toggle.error}
          onDismiss={toggle.clear}
        />
      )}
    </div>
  );
}

/** Runs an operation that changes the status, announces `done` and reads the status again. */
function useStatusAction() {
  const store = useStore();
  return useAction(async (what: () => Promise<unknown>, done: string) => {
    await what();
    store.announce(done);
    void store.reload('status');
  });
}

interface Warning {
  key: string;
  text: string;
  actions: { label: string; run: () => void; primary?: boolean }[];
  link?: { href: string; label: string };
}

function Warnings({ state, status }: { state: FerryState; status: StatusSnapshot }) {
  const store = useStore();
  const act = useStatusAction();
  const warnings: Warning[] = status.warnings.map((text, i) => ({ key: `w${i}`, text, actions: [] }));
  // A failed tunnel is not listed here: the Tunnel card says why once, with its Retry button.
  for (const change of state.urlChanges) {
    warnings.push({
      key: `url${change.seq}`,
      text: change.message,
      actions: [
        {
          label: 'Copy new URL',
          primary: true,
          run: () =>
            void copyAndSay(
              `${change.current.replace(/\/+$/, '')}/mcp`,
              'Copied the new connector URL',
              (text) => store.announce(text),
            ),
        },
        { label: 'Dismiss', run: () => store.dismissUrlChange(change.seq) },
      ],
    });
  }
  for (const server of status.servers.filter((s) => s.state === 'crashed')) {
    warnings.push({
      key: `crash-${server.name}`,
      text: `Server "${server.name}" crashed${server.reason ? `: ${server.reason}` : '.'}`,
      actions: [
        {
          label: `Restart ${server.name}`,
          primary: true,
          run: () => void act.run(() => store.client.restartServer(server.name), `Restarting ${server.name}`),
        },
      ],
      link: { href: `#/logs?source=${encodeURIComponent(`server:${server.name}`)}`, label: 'See its stderr' },
    });
  }
  if (warnings.length === 0) return null;
  return (
    <Card id="attention" title="Needs attention" className="attention">
      <ul className="warnings">
        {warnings.map((w) => (
          <li key={w.key}>
            <p>{w.text}</p>
            {(w.actions.length > 0 || w.link) && (
              <p className="actions">
                {w.actions.map((a) => (
                  <button
                    key={a.label}
                    type="button"
                    className={a.primary ? 'primary' : undefined}
                    disabled={act.busy}
                    onClick={a.run}
                  >
                    {a.label}
                  </button>
                ))}
                {w.link && (
                  <a className="button-link" href={w.link.href}>
                    {w.link.label}
                  </a>
                )}
              </p>
            )}
          </li>
        ))}
      </ul>
      {act.error && <ErrorNote error={act.error} onDismiss={act.clear} />}
    </Card>
  );
}
