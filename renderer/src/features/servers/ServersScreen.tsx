import { useState } from 'react';
import type { ServerStatus } from '../../api/types.js';
import { Badge, serverTone } from '../../components/Badge.js';
import { ConfirmButton } from '../../components/Confirm.js';
import { Empty, ErrorNote, Loading } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import { displayText } from '../../util/displayText.js';
import { plural } from '../../util/format.js';
import { useAction } from '../../util/hooks.js';
import { ServerForm } from './ServerForm.js';
import { ServerUrl } from './ServerUrl.js';

export function ServersScreen() {
  const state = useFerry();
  const store = useStore();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<string>();
  const focusCard = (name: string) =>
    setTimeout(() => document.getElementById(`server-${name}`)?.focus(), 50);

  if (state.status.state === 'loading') return <Loading what="servers" />;
  if (state.status.state === 'error')
    return (
      <ErrorNote
        title="Could not load the servers."
        error={state.status.error}
        retry={() => void store.reload('status')}
      />
    );
  const { servers, demo } = state.status.value;
  return (
    <>
      <div className="toolbar">
        <p className="muted">
          {plural(servers.length, 'server')} from{' '}
          <span className="mono">{state.status.value.configPath}</span>
        </p>
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
                <ServerCard server={server} demo={demo} onEdit={() => setEditing(server.name)} />
              </li>
            ),
          )}
        </ul>
      )}
    </>
  );
}

function ServerCard({ server, demo, onEdit }: { server: ServerStatus; demo: boolean; onEdit: () => void }) {
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
  const commandLine = [server.command, ...server.args.map(quoteArg)].join(' ');
  return (
    <article
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
      </header>
      {server.reason && (
        <p className={server.state === 'crashed' ? 'reason reason-bad' : 'reason'}>{server.reason}</p>
      )}
      <p className="mono command break" title={commandLine}>
        {commandLine}
      </p>
      <ServerUrl name={server.name} />
      <p className="counts">
        <span>{plural(server.tools, 'tool')}</span>
        <span>{plural(server.resources, 'resource')}</span>
        <span>{plural(server.prompts, 'prompt')}</span>
        <span className="muted">
          {server.sessionMode === 'per-session'
            ? `per session (${plural(server.children, 'process', 'processes')})`
            : 'shared'}
          {server.pid !== undefined && ` · pid ${server.pid}`}
        </span>
      </p>
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

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
