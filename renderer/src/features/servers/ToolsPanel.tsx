import { useEffect, useRef, useState } from 'react';
import type { ToolCallResult, ExposedTool, ServerStatus, ToolView } from '../../api/types.js';
import { CopyButton } from '../../components/CopyButton.js';
import { ToggleButton } from '../../components/ToggleButton.js';
import { ErrorNote, Loading } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import { plural } from '../../util/format.js';
import { useAction, useFetched } from '../../util/hooks.js';
import { argumentsFrom, schemaFields } from './schemaForm.js';
import { LINK_SCROLL_DELAY_MS, type ServerLink } from './link.js';
import { DefinitionReview, FlagList, ServerPolicyControl, ToolPolicyControls } from './ToolPolicy.js';

/**
 * What a server exposes, as clients see it: each tool by its exposed name with title, description and
 * annotations, its policy and pin state, then resources and prompts. Reloaded when the server's tool count
 * or state changes, and live on `tool.held` and policy changes (the store's `toolsRevision`).
 */
export function ToolsPanel({
  server,
  linked,
}: {
  server: ServerStatus;
  /** A link to one of its tools (the tray's "Review …"): scrolled to and marked once the list is here. */
  linked?: ServerLink | undefined;
}) {
  const store = useStore();
  const { toolsRevision } = useFerry();
  // The catalog as clients see it, and each tool's policy and pin state by its own name.
  const {
    value: loaded,
    error,
    set,
  } = useFetched(async () => {
    const [catalog, tools] = await Promise.all([store.client.catalog(server.name), store.client.tools()]);
    const policies = new Map(tools.filter((t) => t.server === server.name).map((t) => [t.name, t]));
    return { catalog, policies };
  }, [store, server.name, server.state, server.tools, server.resources, server.prompts, toolsRevision]);
  const update = (name: string, next: Partial<ToolView>) =>
    set((current) => {
      const found = current?.policies.get(name);
      if (!current || !found) return current;
      return { ...current, policies: new Map(current.policies).set(name, { ...found, ...next }) };
    });
  const listRef = useRef<HTMLUListElement>(null);
  const ready = loaded !== undefined;
  useEffect(() => {
    if (!ready || linked?.tool === undefined) return;
    const name = linked.tool;
    const timer = setTimeout(() => {
      const item = listRef.current?.querySelector<HTMLElement>(`li.tool[data-tool="${CSS.escape(name)}"]`);
      // A tool gone from the list (removed, or renamed by its server): the card is what is left to show.
      const target = item ?? document.getElementById(`server-${server.name}`);
      target?.scrollIntoView({ block: 'start' });
      target?.focus({ preventScroll: true });
    }, LINK_SCROLL_DELAY_MS);
    return () => clearTimeout(timer);
  }, [ready, linked?.at]);
  if (error) return <ErrorNote title="Could not list what this server exposes." error={error} />;
  if (!loaded) return <Loading what="its tools" />;
  const { catalog: view, policies } = loaded;
  if (!view.known)
    return (
      <p className="muted">
        {view.perSession
          ? 'This server starts one process per client session, so its tools are only listed inside a session.'
          : 'Its tools are listed once it is ready.'}
      </p>
    );
  return (
    <div className="catalog">
      <ServerPolicyControl server={server.name} revision={toolsRevision} />
      <h3>{plural(view.tools.length, 'tool')}</h3>
      {view.tools.length === 0 ? (
        <p className="muted">No tools.</p>
      ) : (
        <ul className="tools" aria-label={`Tools of ${server.name}`} ref={listRef}>
          {view.tools.map((tool) => (
            <ToolItem
              key={tool.name}
              server={server.name}
              tool={tool}
              policy={policies.get(tool.name)}
              onChanged={(next) => update(tool.name, next)}
              revision={toolsRevision}
              linked={linked?.tool === tool.name}
            />
          ))}
        </ul>
      )}
      {view.resources.length + view.resourceTemplates.length > 0 && (
        <>
          <h3>{plural(view.resources.length + view.resourceTemplates.length, 'resource')}</h3>
          <ul className="plain catalog-list">
            {view.resources.map((r) => (
              <li key={r.uri}>
                <span className="mono">{r.uri}</span> {r.title ?? r.name}
                {r.description && <span className="muted"> · {r.description}</span>}
              </li>
            ))}
            {view.resourceTemplates.map((r) => (
              <li key={r.uriTemplate}>
                <span className="mono">{r.uriTemplate}</span> {r.title ?? r.name}{' '}
                <span className="muted">(template)</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {view.prompts.length > 0 && (
        <>
          <h3>{plural(view.prompts.length, 'prompt')}</h3>
          <ul className="plain catalog-list">
            {view.prompts.map((p) => (
              <li key={p.name}>
                <span className="mono">{p.exposedName ?? p.name}</span> {p.title ?? ''}
                {p.description && <span className="muted"> · {p.description}</span>}
                {p.arguments.length > 0 && (
                  <span className="muted"> ({p.arguments.map((a) => a.name).join(', ')})</span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

const HINTS = [
  ['readOnlyHint', 'read-only', 'good'],
  ['destructiveHint', 'destructive', 'bad'],
  ['idempotentHint', 'idempotent', 'off'],
  ['openWorldHint', 'open world', 'off'],
] as const;

function ToolItem({
  server,
  tool,
  policy,
  onChanged,
  revision,
  linked,
}: {
  server: string;
  tool: ExposedTool;
  policy: ToolView | undefined;
  onChanged: (next: Partial<ToolView>) => void;
  revision: number;
  /** The tool a link opened the window on: marked, and focusable so the focus can move to it. */
  linked: boolean;
}) {
  const [trying, setTrying] = useState(false);
  const hints = HINTS.filter(([key]) => tool.annotations[key] === true);
  const held = policy?.held === true;
  return (
    <li
      className={`tool${held ? ' tool-held' : ''}${policy?.policy === 'deny' ? ' tool-denied' : ''}${linked ? ' tool-linked' : ''}`}
      tabIndex={linked ? -1 : undefined}
      data-tool={tool.name}
      data-policy={policy?.policy}
      data-pin={policy?.pin}
    >
      <div className="tool-head">
        <span className="mono tool-name">{tool.exposedName ?? tool.name}</span>
        {tool.title && <span className="tool-title">{tool.title}</span>}
        {hints.map(([key, label, tone]) => (
          <span key={key} className={`chip tone-${tone}`}>
            {label}
          </span>
        ))}
        <ToggleButton className="quiet tool-try" open={trying} onToggle={setTrying}>
          {trying ? 'Close' : 'Try it'}
        </ToggleButton>
      </div>
      {tool.exposedName === undefined && (
        <p className="note note-error">
          Hidden on /mcp: its exposed name collides with another server's tool (still reachable on /mcp/
          {server}).
        </p>
      )}
      {policy && <ToolPolicyControls view={policy} onChanged={onChanged} />}
      {policy?.policy === 'deny' && (
        <p className="muted small">Denied: clients do not see this tool and its calls are refused.</p>
      )}
      {policy && <FlagList flags={policy.flags} />}
      {tool.description && <p className="tool-description">{tool.description}</p>}
      {held && policy && (
        <DefinitionReview
          revision={revision}
          server={server}
          tool={tool.name}
          onAccepted={(accepted) => onChanged(accepted)}
        />
      )}
      {trying && <TryForm server={server} tool={tool} />}
    </li>
  );
}

/** A test call like MCP Inspector's: one field per argument of the input schema, the result below. */
function TryForm({ server, tool }: { server: string; tool: ExposedTool }) {
  const store = useStore();
  const fields = schemaFields(tool.inputSchema);
  const [values, setValues] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const [result, setResult] = useState<ToolCallResult>();
  const call = useAction(async () => {
    setResult(undefined);
    const args = argumentsFrom(fields, values);
    setResult(await store.client.callTool(server, tool.name, args));
    store.announce(`Called ${tool.name}`);
  });
  const id = (name: string) => `try-${server}-${tool.name}-${name}`;
  const text = result ? JSON.stringify(result, null, 2) : '';
  return (
    <form
      className="try subform"
      aria-label={`Call ${tool.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        setProblem(undefined);
        try {
          argumentsFrom(fields, values);
        } catch (error) {
          setProblem((error as Error).message);
          return;
        }
        void call.run();
      }}
    >
      {fields.length === 0 && <p className="muted">This tool takes no arguments.</p>}
      {fields.map((field) => (
        <div className="field" key={field.name}>
          <label htmlFor={id(field.name)}>
            {field.name}
            {field.required ? ' (required)' : ''}
          </label>
          {field.kind === 'boolean' ? (
            <select
              id={id(field.name)}
              value={values[field.name] ?? ''}
              onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
            >
              <option value="">(not set)</option>
              <option value="true">true</option>
              <option value="false">false</option>
            </select>
          ) : field.kind === 'enum' ? (
            <select
              id={id(field.name)}
              value={values[field.name] ?? ''}
              onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
            >
              <option value="">(not set)</option>
              {field.options.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          ) : field.kind === 'json' ? (
            <textarea
              id={id(field.name)}
              className="mono"
              rows={3}
              value={values[field.name] ?? ''}
              onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
            />
          ) : (
            <input
              id={id(field.name)}
              type={field.kind === 'string' ? 'text' : 'number'}
              value={values[field.name] ?? ''}
              onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
            />
          )}
          {field.description && <p className="field-hint">{field.description}</p>}
        </div>
      ))}
      {problem && (
        <p className="field-issues" role="alert">
          {problem}
        </p>
      )}
      <p className="actions">
        <button type="submit" className="primary" disabled={call.busy}>
          {call.busy ? 'Calling…' : `Call ${tool.name}`}
        </button>
        <span className="muted small">Shows in Activity as “Ferry window”.</span>
      </p>
      {call.error && <ErrorNote title="The call failed." error={call.error} onDismiss={call.clear} />}
      {result && (
        <div className="try-result" aria-label="Result">
          <p className="actions">
            <strong>{result.isError ? 'The tool reported an error' : 'Result'}</strong>
            <CopyButton text={text} label="Copy result" what="the result" />
          </p>
          <pre className="mono payload">{text}</pre>
        </div>
      )}
    </form>
  );
}
