import { useMemo, useState } from 'react';
import { Badge, outcomeTone } from '../../components/Badge.js';
import { CopyButton } from '../../components/CopyButton.js';
import { ToggleButton } from '../../components/ToggleButton.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { SearchFilter, SelectFilter, useFilters, type Choice } from '../../components/Filters.js';
import { orKept, useLoaded } from '../../components/Loaded.js';
import { Empty, ErrorNote } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import type { CallRow } from '../../state/store.js';
import { clock, duration } from '../../util/format.js';
import { useAction, useNow } from '../../util/hooks.js';
import { AuditPanel } from './AuditPanel.js';
import { LatencyChart } from './LatencyChart.js';
import { displayText } from '../../util/displayText.js';
import { pretty } from '../servers/schemaForm.js';
import { revisionLabel } from './revision.js';

/** "Failed" first (the three ways a call goes wrong), then each outcome on its own. */
const OUTCOME_CHOICES: readonly Choice[] = [
  ['failed', 'Failed (error, tool error or refused)'],
  ...['ok', 'tool-error', 'error', 'cancelled', 'refused', 'running'],
];
const CALL_COLUMNS: readonly Column[] = [
  'Time',
  'Client',
  'Tool',
  { label: 'Duration', num: true },
  'Outcome',
  { label: 'Details', hidden: true },
];
/** Rows rendered at once: the store keeps 1000 calls, a DOM of 1000 detailed rows is sluggish. */
const SHOWN = 200;
const RANGES = [
  ['', 'Any time'],
  ['300000', 'Last 5 minutes'],
  ['3600000', 'Last hour'],
  ['86400000', 'Last 24 hours'],
] as const;

/** Calls as they happen, or the audit trail of Ferry's decisions (filterable on the core, exportable). */
export function ActivityScreen() {
  const [view, setView] = useState<'calls' | 'audit'>('calls');
  return (
    <>
      <div className="segmented" role="group" aria-label="Show">
        <button type="button" aria-pressed={view === 'calls'} onClick={() => setView('calls')}>
          Calls
        </button>
        <button type="button" aria-pressed={view === 'audit'} onClick={() => setView('audit')}>
          Audit trail
        </button>
      </div>
      {view === 'calls' ? <CallsView /> : <AuditPanel />}
    </>
  );
}

function CallsView() {
  const state = useFerry();
  const now = useNow(15_000);
  const [filters, bind] = useFilters('activity', { search: '', server: '', outcome: '', range: '' });
  const { search, server, outcome, range } = filters;
  const [open, setOpen] = useState<string>();
  const servers = useMemo(() => {
    const names = new Set(state.calls.map((c) => c.server).filter((n) => n !== ''));
    if (state.status.state === 'ready') for (const s of state.status.value.servers) names.add(s.name);
    return [...names].sort();
  }, [state.calls, state.status]);
  const filtered = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const since = range === '' ? 0 : now - Number(range);
    return state.calls.filter(
      (c) =>
        (server === '' || c.server === server) &&
        (outcome === '' ||
          (outcome === 'failed'
            ? c.outcome === 'error' || c.outcome === 'tool-error' || c.outcome === 'refused'
            : c.outcome === outcome)) &&
        c.startedAt >= since &&
        (needle === '' ||
          [c.target, c.server, c.client, c.args ?? c.argsPreview, c.result ?? c.resultPreview, c.error]
            .join('\n')
            .toLowerCase()
            .includes(needle)),
    );
  }, [state.calls, server, outcome, range, search, now]);
  const loaded = useLoaded(orKept(state.callsLoad, state.calls.length), {
    key: 'calls',
    what: 'tool calls',
    failure: 'Could not load the tool calls.',
  });
  if (!loaded.ready) return loaded.view;
  const newestFirst = filtered.slice(-SHOWN).reverse();
  const running = state.calls.filter((c) => c.outcome === 'running').length;
  const select = (callId: string) => {
    setOpen(callId);
    setTimeout(() => {
      const row = document.querySelector<HTMLElement>(`tr[data-call="${CSS.escape(callId)}"]`);
      row?.scrollIntoView({ block: 'center' });
      row?.querySelector<HTMLElement>('button.call-toggle')?.focus();
    }, 30);
  };
  return (
    <>
      <div className="toolbar filters" role="group" aria-label="Filters">
        <SearchFilter
          {...bind('search')}
          label="Search"
          placeholder="Tool, client, arguments, result…"
          grow
        />
        <SelectFilter {...bind('server')} label="Server" any="All servers" choices={servers} />
        <SelectFilter {...bind('outcome')} label="Outcome" any="Any outcome" choices={OUTCOME_CHOICES} />
        <SelectFilter {...bind('range')} label="Time" choices={RANGES} />
        <p className="muted" aria-live="polite">
          {filtered.length} of {state.calls.length} calls{running > 0 ? `, ${running} running` : ''}
        </p>
      </div>
      {state.calls.length === 0 ? (
        <Empty title="No tool calls yet.">
          <p>
            Calls from Claude (or any MCP client) show here live, with their arguments, results and timings.
          </p>
        </Empty>
      ) : filtered.length === 0 ? (
        <Empty title="No call matches these filters." />
      ) : (
        <>
          <LatencyChart calls={filtered} onSelect={select} />
          <DataTable className="calls" caption="Tool calls, newest first" columns={CALL_COLUMNS}>
            {newestFirst.map((call) => (
              <CallLine
                key={call.callId}
                call={call}
                open={open === call.callId}
                onToggle={() => setOpen(open === call.callId ? undefined : call.callId)}
              />
            ))}
          </DataTable>
          {filtered.length > SHOWN && <p className="muted">Showing the latest {SHOWN}.</p>}
        </>
      )}
    </>
  );
}

function CallLine({ call, open, onToggle }: { call: CallRow; open: boolean; onToggle: () => void }) {
  const result = call.error ?? call.resultPreview;
  return (
    <>
      <tr data-call={call.callId} className={open ? 'call-open' : undefined}>
        <td className="nowrap" data-label="Time">
          {clock(call.startedAt)}
        </td>
        <td data-label="Client" className="call-client">
          {call.client ? displayText(call.client, 60) : <span className="muted">unnamed client</span>}
        </td>
        <td data-label="Tool" className="call-tool">
          {/* One wrapper: on narrow screens the cell is a two-column grid (its label, then this). */}
          <div>
            {/* The tool name as the child server chose it (refused calls: as the client asked for it). */}
            {call.server ? <span className="muted">{call.server} › </span> : null}
            <span className="mono">{displayText(call.target, 120)}</span>
            {call.method !== 'tools/call' && <span className="muted small"> {call.method}</span>}
            <span className="preview-line mono muted small">
              {displayText(call.argsPreview ?? '', 160)}
              {result !== undefined ? ` → ${displayText(result, 160)}` : ''}
            </span>
          </div>
        </td>
        <td className="num nowrap" data-label="Duration">
          {duration(call.durationMs)}
        </td>
        <td data-label="Outcome">
          <Badge tone={outcomeTone(call.outcome)}>{call.outcome}</Badge>
        </td>
        <td className="cell-actions" data-label="">
          <ToggleButton className="call-toggle" open={open} onToggle={onToggle}>
            {open ? 'Hide' : 'Details'}
          </ToggleButton>
        </td>
      </tr>
      {open && (
        <tr className="call-detail">
          <td colSpan={6} data-label="">
            <CallDetail call={call} />
          </td>
        </tr>
      )}
    </>
  );
}

/** The whole call: arguments and result pretty-printed and copyable, and a replay for tool calls. */
function CallDetail({ call }: { call: CallRow }) {
  const store = useStore();
  const args = pretty(call.args ?? call.argsPreview);
  const result = call.error ?? pretty(call.result ?? call.resultPreview);
  let parsed: Record<string, unknown> | undefined;
  try {
    const value = JSON.parse(call.args ?? '') as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      parsed = value as Record<string, unknown>;
  } catch {
    // arguments cut at the core's bound (or none seen): no replay
  }
  const canReplay = call.method === 'tools/call' && call.server !== '' && parsed !== undefined;
  const replay = useAction(async () => {
    await store.client.callTool(call.server, call.target, parsed ?? {});
    store.announce(`Replayed ${call.target}; the new call is at the top`);
  });
  return (
    <div className="call-full">
      <dl className="facts">
        <dt>Client</dt>
        <dd>{call.client ? displayText(call.client, 120) : 'unnamed'}</dd>
        <dt>Protocol</dt>
        <dd>{revisionLabel(call.protocol)}</dd>
        <dt>Session</dt>
        <dd className="mono small break">{call.sessionId}</dd>
      </dl>
      <div className="payload-head">
        <h3>Arguments</h3>
        <CopyButton text={args} label="Copy arguments" what="the arguments" />
      </div>
      <pre className="mono payload">{args || '(none)'}</pre>
      <div className="payload-head">
        <h3>{call.error ? 'Error' : 'Result'}</h3>
        {result && <CopyButton text={result} label="Copy result" what="the result" />}
      </div>
      <pre className="mono payload">{result || (call.outcome === 'running' ? '(running)' : '(none)')}</pre>
      {canReplay && (
        <p className="actions">
          <button type="button" disabled={replay.busy} onClick={() => void replay.run()}>
            Replay this call
          </button>
          <span className="muted small">Runs it again from the window (shown as “Ferry window”).</span>
        </p>
      )}
      {replay.error && <ErrorNote title="The replay failed." error={replay.error} onDismiss={replay.clear} />}
    </div>
  );
}
