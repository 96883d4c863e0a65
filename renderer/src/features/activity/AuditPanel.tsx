import type { AuditFilter } from '../../api/client.js';
import type { AuditDecision, AuditRecord } from '../../api/types.js';
import { Badge, outcomeTone, type Tone } from '../../components/Badge.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { SearchFilter, SelectFilter, useFilters } from '../../components/Filters.js';
import { Empty, ErrorNote, Loading } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import { DISPLAY_LIMITS, displayText } from '../../util/displayText.js';
import { saveFile } from '../../util/download.js';
import { clock, duration } from '../../util/format.js';
import { useAction, useFetched } from '../../util/hooks.js';

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
const AUDIT_COLUMNS: readonly Column[] = [
  'Time',
  'Client',
  'Tool',
  'Decision',
  'Outcome',
  { label: 'Duration', num: true },
];

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
  const [filters, bind] = useFilters('audit', { decision: '', server: '', tool: '', client: '' });
  const { decision, server, tool, client } = filters;
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
  const { value: records, error } = useFetched(
    () => store.client.audit(AUDIT_SHOWN, JSON.parse(key) as AuditFilter),
    [store, key, callsKey],
    150,
  );
  const exportFile = useAction(async () => {
    const file = await store.client.exportAudit(JSON.parse(key) as AuditFilter);
    saveFile(file.text, file.contentType, file.filename);
    const lines = file.text.split('\n').filter(Boolean).length;
    store.announce(`Exported ${lines} audit record${lines === 1 ? '' : 's'} to ${file.filename}`);
  });
  const servers = state.status.state === 'ready' ? state.status.value.servers.map((s) => s.name).sort() : [];
  return (
    <>
      <div className="toolbar filters" role="group" aria-label="Audit filters">
        <SelectFilter {...bind('decision')} label="Decision" any="Any decision" choices={DECISIONS} />
        <SelectFilter {...bind('server')} label="Server" any="All servers" choices={servers} />
        <SearchFilter {...bind('tool')} label="Tool" placeholder="Its own name" />
        <SearchFilter {...bind('client')} label="Client" placeholder="Name or id" />
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
          <DataTable className="audit" caption="Audit trail, newest first" columns={AUDIT_COLUMNS}>
            {records.map((r, i) => (
              <AuditRow key={`${r.at}-${i}`} record={r} />
            ))}
          </DataTable>
        </>
      )}
    </>
  );
}

function AuditRow({ record: r }: { record: AuditRecord }) {
  return (
    <tr data-decision={r.decision}>
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
          {r.error && <span className="preview-line muted small">{displayText(r.error, 200)}</span>}
        </div>
      </td>
      <td data-label="Decision">
        <Badge tone={decisionTone(r.decision)}>{DECISION_WORDS.get(r.decision) ?? r.decision}</Badge>
      </td>
      <td data-label="Outcome">
        <Badge tone={outcomeTone(r.outcome)}>{r.outcome}</Badge>
      </td>
      <td className="num nowrap" data-label="Duration">
        {duration(r.durationMs)}
      </td>
    </tr>
  );
}
