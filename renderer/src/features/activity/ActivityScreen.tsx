import { useMemo, useState } from 'react';
import { Badge, outcomeTone } from '../../components/Badge.js';
import { Empty, ErrorNote, Loading } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import type { CallRow } from '../../state/store.js';
import { clock, duration } from '../../util/format.js';
import { LatencyChart } from './LatencyChart.js';
import { displayText } from '../../util/displayText.js';

const OUTCOMES = ['ok', 'tool-error', 'error', 'cancelled', 'running'] as const;
const SHOWN = 200;

export function ActivityScreen() {
  const state = useFerry();
  const store = useStore();
  const [server, setServer] = useState('');
  const [outcome, setOutcome] = useState('');
  const servers = useMemo(() => {
    const names = new Set(state.calls.map((c) => c.server));
    if (state.status.state === 'ready') for (const s of state.status.value.servers) names.add(s.name);
    return [...names].sort();
  }, [state.calls, state.status]);
  const filtered = useMemo(
    () =>
      state.calls.filter(
        (c) =>
          (server === '' || c.server === server) &&
          (outcome === '' ||
            (outcome === 'failed'
              ? c.outcome === 'error' || c.outcome === 'tool-error'
              : c.outcome === outcome)),
      ),
    [state.calls, server, outcome],
  );
  if (state.callsLoad.state === 'loading' && state.calls.length === 0) return <Loading what="tool calls" />;
  if (state.callsLoad.state === 'error' && state.calls.length === 0)
    return (
      <ErrorNote
        title="Could not load the tool calls."
        error={state.callsLoad.error}
        retry={() => void store.reload('calls')}
      />
    );
  const newestFirst = filtered.slice(-SHOWN).reverse();
  const running = state.calls.filter((c) => c.outcome === 'running').length;
  return (
    <>
      <div className="toolbar filters" role="group" aria-label="Filters">
        <div className="field inline">
          <label htmlFor="activity-server">Server</label>
          <select id="activity-server" value={server} onChange={(e) => setServer(e.target.value)}>
            <option value="">All servers</option>
            {servers.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor="activity-outcome">Outcome</label>
          <select id="activity-outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
            <option value="">Any outcome</option>
            <option value="failed">Failed (error or tool error)</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </div>
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
          <LatencyChart calls={filtered} />
          <div className="table-wrap">
            <table className="table calls">
              <caption className="offscreen">Tool calls, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Server</th>
                  <th scope="col">Tool</th>
                  <th scope="col" className="num">
                    Duration
                  </th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Arguments → result</th>
                </tr>
              </thead>
              <tbody>
                {newestFirst.map((call) => (
                  <CallLine key={call.callId} call={call} />
                ))}
              </tbody>
            </table>
          </div>
          {filtered.length > SHOWN && <p className="muted">Showing the latest {SHOWN}.</p>}
        </>
      )}
    </>
  );
}

function CallLine({ call }: { call: CallRow }) {
  const result = call.error ?? call.resultPreview;
  return (
    <tr data-call={call.callId}>
      <td className="nowrap">{clock(call.startedAt)}</td>
      <td>{call.server}</td>
      <td>
        {/* The tool name as the child server chose it. */}
        <span className="mono">{displayText(call.target)}</span>
        {call.method !== 'tools/call' && <span className="muted small"> {call.method}</span>}
      </td>
      <td className="num nowrap">{duration(call.durationMs)}</td>
      <td>
        <Badge tone={outcomeTone(call.outcome)}>{call.outcome}</Badge>
      </td>
      <td className="previews">
        {call.argsPreview || result ? (
          <details>
            <summary className="mono preview-line">
              {displayText(call.argsPreview ?? '')}
              {result !== undefined ? ` → ${displayText(result)}` : ''}
            </summary>
            <dl className="facts">
              <dt>Arguments</dt>
              <dd>
                <pre className="mono">{call.argsPreview ?? '(not seen)'}</pre>
              </dd>
              <dt>{call.error ? 'Error' : 'Result'}</dt>
              <dd>
                <pre className="mono">{result ?? (call.outcome === 'running' ? '(running)' : '(none)')}</pre>
              </dd>
              <dt>Session</dt>
              <dd className="mono small">{call.sessionId}</dd>
            </dl>
          </details>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}
