import { useEffect, useRef, useState } from 'react';
import type { ServerStatus } from '../../api/types.js';
import { Badge, serverTone } from '../../components/Badge.js';
import { ConfirmButton } from '../../components/Confirm.js';
import { useLoaded } from '../../components/Loaded.js';
import { Empty, ErrorNote } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import { displayText } from '../../util/displayText.js';
import { plural, sentence } from '../../util/format.js';
import { copyAndSay } from '../../util/clipboard.js';
import { useHashQuery } from '../../util/hashQuery.js';
import { useAction, useNow } from '../../util/hooks.js';
import { ImportDesktop } from './ImportDesktop.js';
import { ServerForm } from './ServerForm.js';
import { PathRiskNote, ServerUrl } from './ServerUrl.js';
import { startingHint } from './starting.js';
import { ToolsPanel } from './ToolsPanel.js';
import { revisionLabel } from '../activity/revision.js';
import { LINK_SCROLL_DELAY_MS, serverLink, type ServerLink } from './link.js';

export function ServersScreen() {
  const state = useFerry();
  const link = serverLink(useHashQuery());
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const [editing, setEditing] = useState<string>();
  const focusCard = (name: string) =>
    setTimeout(() => document.getElementById(`server-${name}`)?.focus(), LINK_SCROLL_DELAY_MS);

  const loaded = useLoaded(state.status, {
    key: 'status',
    what: 'servers',
    failure: 'Could not load the servers.',
  });
  if (!loaded.ready) return loaded.view;
  const { servers, demo, configPath, secretStore } = loaded.value;
  return (
    <>
      <div className="toolbar">
        <p className="muted">
          {plural(servers.length, 'server')} from <span className="mono">{configPath}</span>
        </p>
        {!adding && !importing && (
          <button type="button" onClick={() => setImporting(true)}>
            Import from Claude Desktop
          </button>
        )}
        {!adding && (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add server
          </button>
        )}
      </div>
      {demo && (
        <p className="note note-info">
          Ferry is running its built-in demo server because there is no config yet. The first server you add
          replaces it.
        </p>
      )}
      {importing && (
        <ImportDesktop
          secretStore={secretStore}
          onClose={(imported) => {
            setImporting(false);
            if (imported) focusCard(imported);
          }}
        />
      )}
      {adding && (
        <ServerForm
          onCancel={() => setAdding(false)}
          onDone={(name) => {
            setAdding(false);
            focusCard(name);
          }}
        />
      )}
      {servers.length === 0 && !adding ? (
        <Empty title="No servers yet.">
          <p>
            Add the stdio MCP servers you use in Claude Desktop: fill in the command, or paste the{' '}
            <code>mcpServers</code> block of <code>claude_desktop_config.json</code>.
          </p>
        </Empty>
      ) : (
        <>
          <PathRiskNote servers={servers.map((s) => s.name)} />
          <ul className="cards" aria-label="Servers">
            {servers.map((server) =>
              editing === server.name ? (
                <li key={server.name}>
                  <ServerForm
                    editing={server}
                    onCancel={() => {
                      setEditing(undefined);
                      focusCard(server.name);
                    }}
                    onDone={() => {
                      setEditing(undefined);
                      focusCard(server.name);
                    }}
                  />
                </li>
              ) : (
                <li key={server.name}>
                  <ServerCard
                    server={server}
                    demo={demo}
                    onEdit={() => setEditing(server.name)}
                    link={server.name === link.server ? link : undefined}
                  />
                </li>
              ),
            )}
          </ul>
        </>
      )}
    </>
  );
}

function ServerCard({
  server,
  demo,
  onEdit,
  link,
}: {
  server: ServerStatus;
  demo: boolean;
  onEdit: () => void;
  /** Set when the window was opened on this server. */
  link: ServerLink | undefined;
}) {
  const store = useStore();
  const action = useAction(async (what: 'enable' | 'disable' | 'restart' | 'remove') => {
    if (what === 'restart') await store.client.restartServer(server.name);
    else if (what === 'remove') await store.client.removeServer(server.name);
    else await store.client.setDisabled(server.name, what === 'disable');
    store.announce(
      {
        enable: `Enabled ${server.name}`,
        disable: `Disabled ${server.name}`,
        restart: `Restarting ${server.name}`,
        remove: `Removed ${server.name}`,
      }[what],
    );
    void store.reload('status');
  });
  const disabled = server.state === 'disabled';
  const [showTools, setShowTools] = useState(false);
  const cardRef = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!link) return;
    if (link.tools) setShowTools(true);
    // A linked tool is scrolled to by the tools panel once it has loaded; otherwise the card itself. After
    // the screen's own focus move to its heading (on a change of screen), so that does not scroll back.
    if (link.tool !== undefined) return;
    const timer = setTimeout(() => {
      cardRef.current?.scrollIntoView({ block: 'start' });
      cardRef.current?.focus({ preventScroll: true });
    }, LINK_SCROLL_DELAY_MS);
    return () => clearTimeout(timer);
  }, [link?.at]);
  const commandLine = [server.command, ...server.args.map(quoteArg)].join(' ');
  return (
    <article
      ref={cardRef}
      className="card server"
      id={`server-${server.name}`}
      tabIndex={-1}
      aria-labelledby={`server-${server.name}-name`}
    >
      <header className="server-head">
        <h2 id={`server-${server.name}-name`}>{server.name}</h2>
        <Badge tone={serverTone(server.state)} label={`state: ${server.state}`}>
          {server.state}
        </Badge>
        {server.serverInfo && (
          <span className="muted">
            {displayText(`${server.serverInfo.name} ${server.serverInfo.version}`)}
          </span>
        )}
        {server.protocolVersion && (
          // Which revision Ferry speaks with this child: a 2026-07-28 child is talked to statelessly.
          <span className="muted" data-testid={`server-${server.name}-revision`}>
            {revisionLabel(server.protocolVersion)}
          </span>
        )}
      </header>
      {(server.state === 'starting' || server.state === 'restarting') && <Starting server={server} />}
      {server.reason && server.state !== 'starting' && (
        <p className={server.state === 'crashed' ? 'reason reason-bad' : 'reason'}>
          {sentence(displayText(server.reason))}
        </p>
      )}
      {server.state === 'crashed' && (
        <CrashActions server={server} commandLine={commandLine} onEdit={onEdit} demo={demo} />
      )}
      <p className="mono command break" title={commandLine}>
        {commandLine}
      </p>
      <ServerUrl name={server.name} />
      <p className="counts">
        {server.sessionMode === 'per-session' ? (
          <span>Tools, resources and prompts are listed per session</span>
        ) : server.serverInfo === undefined || server.state !== 'ready' ? (
          // Not known until the child has listed them: "—", never a misleading 0.
          <>
            <span aria-label="tools not known yet">— tools</span>
            <span aria-label="resources not known yet">— resources</span>
            <span aria-label="prompts not known yet">— prompts</span>
          </>
        ) : (
          <>
            <span>{plural(server.tools, 'tool')}</span>
            <span>{plural(server.resources, 'resource')}</span>
            <span>{plural(server.prompts, 'prompt')}</span>
          </>
        )}
        <span className="muted">
          {server.sessionMode === 'per-session'
            ? `per session (${plural(server.children, 'process', 'processes')})`
            : 'shared'}
          {server.pid !== undefined && ` · pid ${server.pid}`}
        </span>
      </p>
      <details className="exposed" open={showTools} onToggle={(e) => setShowTools(e.currentTarget.open)}>
        <summary>What clients see</summary>
        {showTools && <ToolsPanel server={server} linked={link?.tool === undefined ? undefined : link} />}
      </details>
      {server.stderrTail.length > 0 && (
        <details className="stderr">
          <summary>Last stderr lines ({server.stderrTail.length})</summary>
          <pre className="mono">{server.stderrTail.map((line) => displayText(line)).join('\n')}</pre>
        </details>
      )}
      <p className="actions">
        <button
          type="button"
          disabled={action.busy || demo}
          onClick={() => void action.run(disabled ? 'enable' : 'disable')}
        >
          {disabled ? 'Enable' : 'Disable'}
        </button>
        <button type="button" disabled={action.busy || disabled} onClick={() => void action.run('restart')}>
          Restart
        </button>
        <button type="button" disabled={action.busy || demo} onClick={onEdit}>
          Edit
        </button>
        <ConfirmButton
          label="Remove"
          question={
            <>
              Remove <strong>{server.name}</strong> from the config?
            </>
          }
          confirmLabel={`Remove ${server.name}`}
          busy={action.busy || demo}
          onConfirm={() => void action.run('remove')}
        />
      </p>
      {action.error && <ErrorNote error={action.error} onDismiss={action.clear} />}
    </article>
  );
}

/** How long it has been starting, and what is likely going on (npx and uvx download on first use). */
function Starting({ server }: { server: ServerStatus }) {
  const now = useNow(1000);
  const seconds =
    server.since === undefined ? undefined : Math.max(0, Math.round((now - server.since) / 1000));
  return (
    <p className="reason starting" role="status">
      <span className="spinner" aria-hidden="true" />{' '}
      {server.state === 'restarting' ? 'Restarting' : 'Starting'}
      {seconds !== undefined && ` for ${seconds} s`}
      {server.state === 'restarting' && server.reason ? ` (${displayText(server.reason)})` : ''}.{' '}
      {startingHint(server.command)}
    </p>
  );
}

/**
 * The action that fixes a crash first: a program that does not exist needs its command edited; a program
 * that ran and exited is best understood by running it in a terminal.
 */
function CrashActions({
  server,
  commandLine,
  onEdit,
  demo,
}: {
  server: ServerStatus;
  commandLine: string;
  onEdit: () => void;
  demo: boolean;
}) {
  const store = useStore();
  const missing = /no such program|permission denied/i.test(server.reason ?? '');
  if (missing)
    return (
      <p className="actions">
        <button type="button" className="primary" disabled={demo} onClick={onEdit}>
          Edit command
        </button>
      </p>
    );
  return (
    <p className="actions">
      <button
        type="button"
        className="primary"
        onClick={() =>
          void copyAndSay(
            commandLine,
            'Copied the command: run it in a terminal to see why it exits',
            (text) => store.announce(text),
          )
        }
      >
        Copy the command to run it in a terminal
      </button>
    </p>
  );
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
