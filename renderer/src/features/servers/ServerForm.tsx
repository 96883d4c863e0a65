import { useEffect, useRef, useState, type FormEvent } from 'react';
import { AdminApiError } from '../../api/errors.js';
import type { ConfigIssue, ServerStatus } from '../../api/types.js';
import { bindText, Field, TextField } from '../../components/Field.js';
import { useFerry, useStore } from '../../state/context.js';
import { sentence } from '../../util/format.js';
import { secretStoreWords } from '../../util/links.js';
import {
  draftFromStatus,
  emptyDraft,
  issuesByField,
  toInput,
  toPatch,
  type FieldName,
  type ServerDraft,
} from './draft.js';
import { parseSnippet, type SnippetServer } from './snippet.js';

const FIELD_ORDER: FieldName[] = ['name', 'command', 'args', 'env', 'cwd', 'sessionMode'];

/**
 * Adds a server (or edits one) in a single request, so the config either gets the whole server or nothing.
 * The API's issues land next to the fields they name; a pasted Claude Desktop snippet only fills the form, so
 * the user sees what will be saved.
 */
export function ServerForm({
  editing,
  onDone,
  onCancel,
}: {
  editing?: ServerStatus;
  onDone: (name: string) => void;
  onCancel: () => void;
}) {
  const store = useStore();
  const { status } = useFerry();
  // Where secrets go, named as the status reports the store actually in use.
  const secretHome = secretStoreWords(status.state === 'ready' ? status.value.secretStore : 'keychain');
  const [draft, setDraft] = useState<ServerDraft>(() => (editing ? draftFromStatus(editing) : emptyDraft()));
  const [issues, setIssues] = useState<ConfigIssue[]>([]);
  const [failure, setFailure] = useState<AdminApiError>();
  const [busy, setBusy] = useState(false);
  const [snippet, setSnippet] = useState('');
  const [snippetMessage, setSnippetMessage] = useState<string>();
  const [choices, setChoices] = useState<SnippetServer[]>([]);
  const [focusFirstIssue, setFocusFirstIssue] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  const idPrefix = editing ? `edit-${editing.name}` : 'add';
  const id = (field: FieldName) => `${idPrefix}-${field}`;

  useEffect(() => {
    document.getElementById(id(editing ? 'command' : 'name'))?.focus();
  }, []);

  const { fields, other } = issuesByField(issues, editing?.name);

  useEffect(() => {
    if (focusFirstIssue === 0) return;
    const first = FIELD_ORDER.find((f) => fields[f]?.length);
    const target = first
      ? document.getElementById(id(first))
      : formRef.current?.querySelector<HTMLElement>('.form-error');
    target?.focus();
  }, [focusFirstIssue]);

  /** A text field's id, issues, value and setter for one draft field; the command line's fields are mono. */
  const text = (field: 'name' | 'command' | 'args' | 'env' | 'cwd') => ({
    id: id(field),
    mono: true,
    ...bindText(draft, setDraft, field),
    // The API names a server's fields by their config path (mcpServers.x.args[1]): sorted by issuesByField.
    issues: fields[field],
  });

  const fill = (server: SnippetServer) => {
    setDraft((d) => ({ ...server.draft, name: server.draft.name || d.name }));
    setIssues([]);
    setFailure(undefined);
    setChoices([]);
    setSnippetMessage(
      server.problem ?? `Filled the form from "${server.draft.name || 'the snippet'}". Check it, then save.`,
    );
  };

  const readSnippet = () => {
    const result = parseSnippet(snippet);
    if (!result.ok) {
      setSnippetMessage(result.message);
      setChoices([]);
      return;
    }
    if (result.servers.length === 1) fill(result.servers[0] as SnippetServer);
    else {
      setChoices(result.servers);
      setSnippetMessage(`The snippet has ${result.servers.length} servers. Pick the one to add:`);
    }
  };

  /** Every named server of the snippet in one request, secrets moved to the secret store by the core. */
  const importAll = async () => {
    const result = parseSnippet(snippet);
    if (!result.ok) {
      setSnippetMessage(result.message);
      return;
    }
    if (Object.keys(result.entries).length === 0) {
      setSnippetMessage('This server has no name yet: fill the form from it, name it, then save.');
      return;
    }
    setBusy(true);
    setFailure(undefined);
    try {
      const report = await store.client.importServers({ servers: result.entries });
      const added = report.imported.map((s) =>
        s.movedSecrets.length > 0
          ? `${s.name} (${s.movedSecrets.join(', ')} moved to the secret store)`
          : s.name,
      );
      const skipped = report.skipped.map((s) => `${s.name}: ${s.reason}`);
      setSnippetMessage(
        [
          added.length > 0 ? `Added ${added.join(', ')}.` : 'Added nothing.',
          ...(skipped.length > 0 ? [`Skipped ${skipped.join('; ')}.`] : []),
        ].join(' '),
      );
      void store.reload('status');
      if (report.imported.length > 0) {
        store.announce(`Imported ${report.imported.length} server(s)`);
        if (skipped.length === 0) onDone(report.imported[0]?.name as string);
      }
    } catch (caught) {
      setFailure(AdminApiError.from(caught));
    } finally {
      setBusy(false);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    const local = editing ? toPatch(draft, editing) : toInput(draft);
    if (local.issues.length > 0) {
      setIssues(local.issues);
      setFocusFirstIssue((n) => n + 1);
      return;
    }
    setBusy(true);
    try {
      if (editing) {
        const { spec, options, envChanges } = (local as ReturnType<typeof toPatch>).change;
        // The core applies `options` before it validates `spec` (two writes), so a bad spec sent with a new
        // session mode would leave the mode saved. Spec first: if it is refused, nothing was written; the
        // options (a choice of two valid values) follow only once it is in.
        await store.client.updateServer(editing.name, { spec, ...(envChanges ? { envChanges } : {}) });
        if (options) await store.client.updateServer(editing.name, { options });
        store.announce(`Saved ${editing.name}; it restarts with the new settings`);
        onDone(editing.name);
      } else {
        const { input } = local as ReturnType<typeof toInput>;
        await store.client.addServer(input);
        store.announce(`Added ${input.name}; starting it`);
        onDone(input.name);
      }
      void store.reload('status');
    } catch (caught) {
      const error = AdminApiError.from(caught);
      if (error.code === 'conflict' && !editing && error.issues.length === 0) {
        setIssues([
          { path: 'name', message: error.message, fix: 'choose another name, or edit the existing server' },
        ]);
      } else {
        setIssues(error.issues);
      }
      setFailure(error);
      setFocusFirstIssue((n) => n + 1);
    } finally {
      setBusy(false);
    }
  };

  const title = editing ? `Edit ${editing.name}` : 'Add a server';
  return (
    <form
      ref={formRef}
      className="card server-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby={`${idPrefix}-title`}
    >
      <h2 id={`${idPrefix}-title`}>{title}</h2>
      {!editing && (
        <details className="paste">
          <summary>Paste from a Claude Desktop config</summary>
          <div className="field">
            <label htmlFor="add-snippet">JSON snippet</label>
            <textarea
              id="add-snippet"
              className="mono"
              rows={6}
              spellCheck={false}
              placeholder={
                '{ "mcpServers": { "files": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/notes"] } } }'
              }
              value={snippet}
              onChange={(e) => setSnippet(e.target.value)}
            />
          </div>
          <p className="actions">
            <button type="button" className="primary" disabled={busy} onClick={() => void importAll()}>
              Import every server in it
            </button>
            <button type="button" onClick={readSnippet}>
              Fill the form from it
            </button>
          </p>
          <p className="field-hint">
            Importing moves values that look like secrets (API keys, tokens) to {secretHome}; the config only
            keeps a reference.
          </p>
          <div aria-live="polite">
            {snippetMessage && <p className="muted">{snippetMessage}</p>}
            {choices.length > 0 && (
              <p className="actions">
                {choices.map((choice) => (
                  <button key={choice.draft.name} type="button" onClick={() => fill(choice)}>
                    {choice.draft.name}
                  </button>
                ))}
              </p>
            )}
          </div>
        </details>
      )}
      {failure && (
        <div className="note note-error form-error" role="alert" tabIndex={-1}>
          <p>
            <strong>Nothing was saved.</strong>{' '}
            {/* A message already shown at its field is not said again here. */}
            {issues.some((issue) => issue.message === failure.message)
              ? 'Correct the marked field, then save again.'
              : sentence(failure.message)}
          </p>
          {other.length > 0 && (
            <ul>
              {other.map((issue, i) => (
                // The message and its fix in the user's words; the config path (mcpServers.x.env…) stays out.
                <li key={i}>
                  {sentence(issue.message)}. {sentence(issue.fix)}.
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="form-grid">
        <TextField
          {...text('name')}
          label="Name"
          hint="Letters, digits, - and _; tools are named name__tool."
          mono={false}
          readOnly={Boolean(editing)}
        />
        <TextField {...text('command')} label="Command" hint="The program to start, e.g. npx, uvx, node." />
        <TextField {...text('args')} label="Arguments" hint="One per line." lines={4} />
        {editing && editing.envNames.length > 0 && (
          <fieldset className="env-vars">
            <legend>Environment variables</legend>
            <p className="field-hint">
              Values are never shown. Type a new value to replace one; secret-looking values go to{' '}
              {secretHome}, and are stored only when the whole edit is saved.
            </p>
            {editing.envNames.map((envName) => {
              const removed = draft.envRemove.includes(envName);
              const secret = editing.secretEnvNames.includes(envName);
              return (
                <div className="env-var" key={envName}>
                  <label htmlFor={`${idPrefix}-env-${envName}`} className="mono">
                    {envName}
                  </label>
                  <input
                    id={`${idPrefix}-env-${envName}`}
                    type="password"
                    autoComplete="off"
                    aria-describedby={secret ? `${idPrefix}-env-${envName}-where` : undefined}
                    placeholder={
                      removed ? 'removed on save' : secret ? 'stored secret, unchanged' : 'unchanged'
                    }
                    disabled={removed}
                    value={draft.envSet[envName] ?? ''}
                    onChange={(e) =>
                      setDraft((d) => ({ ...d, envSet: { ...d.envSet, [envName]: e.target.value } }))
                    }
                  />
                  <button
                    type="button"
                    className="quiet"
                    aria-pressed={removed}
                    aria-label={`${removed ? 'Keep' : 'Remove'} ${envName}`}
                    onClick={() =>
                      setDraft((d) => ({
                        ...d,
                        envRemove: removed
                          ? d.envRemove.filter((n) => n !== envName)
                          : [...d.envRemove, envName],
                      }))
                    }
                  >
                    {removed ? 'Keep' : 'Remove'}
                  </button>
                  {secret && (
                    <span className="env-var-where muted small" id={`${idPrefix}-env-${envName}-where`}>
                      Stored in {secretHome}
                    </span>
                  )}
                </div>
              );
            })}
          </fieldset>
        )}
        <TextField
          {...text('env')}
          label={editing ? 'Add variables' : 'Environment'}
          hint={
            editing
              ? 'One KEY=VALUE per line: added, or replacing a variable of the same name; the others are kept.'
              : `One KEY=VALUE per line. Secret-looking values (API keys, tokens) go to ${secretHome}; \${secret:name} reads one stored there.`
          }
          lines={3}
        />
        <TextField
          {...text('cwd')}
          label="Working directory"
          hint={editing ? 'Leave empty to keep the current one.' : 'Optional; an absolute path.'}
        />
        <Field
          id={id('sessionMode')}
          label="Session mode"
          hint="Shared: one process serves every session. Per session: each Claude session gets its own process (for stateful servers)."
          issues={fields.sessionMode}
        >
          {(p) => (
            <select
              {...p}
              value={draft.sessionMode}
              onChange={(e) =>
                // The select offers only the two modes.
                setDraft((d) => ({ ...d, sessionMode: e.target.value as ServerDraft['sessionMode'] }))
              }
            >
              <option value="shared">Shared</option>
              <option value="per-session">Per session</option>
            </select>
          )}
        </Field>
      </div>
      <p className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : editing ? 'Save changes' : 'Add server'}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </p>
    </form>
  );
}
