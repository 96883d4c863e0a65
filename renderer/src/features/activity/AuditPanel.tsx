import { useEffect, useState } from 'react';
import type { AuditFilter } from '../../api/client.js';
import { AdminApiError } from '../../api/errors.js';
import type { AuditDecision, AuditRecord } from '../../api/types.js';
import { Badge, outcomeTone, type Tone } from '../../components/Badge.js';
import { Empty, ErrorNote, Loading } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import { DISPLAY_LIMITS, displayText } from '../../util/displayText.js';
import { clock, duration } from '../../util/format.js';
import { useAction } from '../../util/hooks.js';

/** Records asked for at once: the newest ones; Export has all of them (rotated files included). */
const AUDIT_SHOWN = 500;

const DECISIONS: readonly [AuditDecision, string][] = [
  ['allowed', 'Allowed'],
  ['asked-allowed', 'Asked, allowed'],
  ['asked-denied', 'Asked, denied'],
  ['asked-timeout', 'Asked, no answer'],
  ['asked-cancelled', 'Asked, cancelled'],
  ['denied', 'Denied by policy'],
  ['held', 'Held (definition changed)'],
  ['busy', 'Too many waiting'],
];
const DECISION_WORDS = new Map(DECISIONS);

function decisionTone(decision: AuditDecision): Tone {
  return decision === 'allowed' || decision === 'asked-allowed' ? 'good' : 'bad';
}

/**
 * The audit trail of tool calls (what Ferry decided, for whom, how it ended), filtered on the core, with
 * an Export of every matching record on disk as JSON Lines.
 */
export function AuditPanel() {
  const store = useStore();
  const state = useFerry();
  const [decision, setDecision] = useState('');
  const [server, setServer] = useState('');
  const [tool, setTool] = useState('');
  const [client, setClient] = useState('');
  const [records, setRecords] = useState<AuditRecord[]>();
  const [error, setError] = useState<AdminApiError>();
  const filter: AuditFilter = {
    ...(decision ? { decision: decision as AuditDecision } : {}),
    ...(server ? { server } : {}),
    ...(tool.trim() ? { tool: tool.trim() } : {}),
    ...(client.trim() ? { client: client.trim() } : {}),
  };
  const key = JSON.stringify(filter);
  // A new call (or one ending) may have added a record: the newest call's id and outcome change then.
  const newest = state.calls.at(-1);
  const callsKey = newest ? `${newest.callId}:${newest.outcome}` : '';
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      store.client.audit(AUDIT_SHOWN, JSON.parse(key) as AuditFilter).then(
        (found) => {
          if (!live) return;
          setRecords(found);
          setError(undefined);
        },
        (caught: unknown) => live && setError(AdminApiError.from(caught)),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [store, key, callsKey]);
  const exportFile = useAction(async () => {
    const file = await store.client.exportAudit(JSON.parse(key) as AuditFilter);
    const url = URL.createObjectURL(new Blob([file.text], { type: file.contentType }));
    const link = document.createElement('a');
    link.href = url;
    link.download = file.filename;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    const lines = file.text.split('\n').filter(Boolean).length;
    store.announce(`Exported ${lines} audit record${lines === 1 ? '' : 's'} to ${file.filename}`);
  });
  const servers = state.status.state === 'ready' ? state.status.value.servers.map((s) => s.name).sort() : [];
  return (
    <>
      <div className="toolbar filters" role="group" aria-label="Audit filters">
        <div className="field inline">
          <label htmlFor="audit-decision">Decision</label>
          <select id="audit-decision" value={decision} onChange={(e) => setDecision(e.target.value)}>
            <option value="">Any decision</option>
            {DECISIONS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor="audit-server">Server</label>
          <select id="audit-server" value={server} onChange={(e) => setServer(e.target.value)}>
            <option value="">All servers</option>
            {servers.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor="audit-tool">Tool</label>
          <input
            id="audit-tool"
            type="search"
            placeholder="Its own name"
            value={tool}
            onChange={(e) => setTool(e.target.value)}
          />
        </div>
        <div className="field inline">
          <label htmlFor="audit-client">Client</label>
          <input
            id="audit-client"
            type="search"
            placeholder="Name or id"
            value={client}
            onChange={(e) => setClient(e.target.value)}
          />
        </div>
        <button type="button" disabled={exportFile.busy} onClick={() => void exportFile.run()}>
          {exportFile.busy ? 'Exporting…' : 'Export JSON Lines'}
        </button>
      </div>
      {exportFile.error && (
        <ErrorNote title="The export failed." error={exportFile.error} onDismiss={exportFile.clear} />
      )}
      {error ? (
        <ErrorNote title="Could not read the audit trail." error={error} />
      ) : !records ? (
        <Loading what="the audit trail" />
      ) : records.length === 0 ? (
        <Empty title={key === '{}' ? 'No tool call recorded yet.' : 'No record matches these filters.'}>
          <p>Every tool call is recorded with Ferry's decision, even the ones it refused.</p>
        </Empty>
      ) : (
        <>
          <p className="muted" aria-live="polite">
            {records.length === AUDIT_SHOWN ? `The latest ${AUDIT_SHOWN}` : records.length} record
            {records.length === 1 ? '' : 's'}, newest first
          </p>
          <div className="table-wrap">
            <table className="table audit">
              <caption className="offscreen">Audit trail, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Client</th>
                  <th scope="col">Tool</th>
                  <th scope="col">Decision</th>
                  <th scope="col">Outcome</th>
                  <th scope="col" className="num">
                    Duration
                  </th>
                </tr>
              </thead>
              <tbody>
                {records.map((r, i) => (
                  <tr key={`${r.at}-${i}`} data-decision={r.decision}>
                    <td className="nowrap" data-label="Time">
                      {clock(r.at)}
                    </td>
                    <td data-label="Client" className="audit-client">
                      <div>
                        {displayText(r.clientName ?? r.clientId, DISPLAY_LIMITS.clientName)}
                        {r.clientName !== undefined && (
                          <span className="muted small mono break"> {displayText(r.clientId, 80)}</span>
                        )}
                      </div>
                    </td>
                    <td data-label="Tool">
                      <div>
                        <span className="muted">{displayText(r.server, 60)} › </span>
                        <span className="mono">{displayText(r.tool, 120)}</span>
                        {r.error && (
                          <span className="preview-line muted small">{displayText(r.error, 200)}</span>
                        )}
                      </div>
                    </td>
                    <td data-label="Decision">
                      <Badge tone={decisionTone(r.decision)}>
                        {DECISION_WORDS.get(r.decision) ?? r.decision}
                      </Badge>
                    </td>
                    <td data-label="Outcome">
                      <Badge tone={outcomeTone(r.outcome)}>{r.outcome}</Badge>
                    </td>
                    <td className="num nowrap" data-label="Duration">
                      {duration(r.durationMs)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
