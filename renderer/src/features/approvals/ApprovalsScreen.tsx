import type { PendingApproval } from '../../api/types.js';
import { Empty, ErrorNote, Loading } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import { DISPLAY_LIMITS, displayText } from '../../util/displayText.js';
import { ago, inTime } from '../../util/format.js';
import { useAction, useNow } from '../../util/hooks.js';

/** Tool calls held by policy "ask": each waits here (and in the terminal or a notification) for a yes or no. */
export function ApprovalsScreen() {
  const state = useFerry();
  const store = useStore();
  const now = useNow();
  const { approvals } = state;
  if (approvals.state === 'loading') return <Loading what="waiting tool calls" />;
  if (approvals.state === 'error')
    return (
      <ErrorNote
        title="Could not load the waiting tool calls."
        error={approvals.error}
        retry={() => void store.reload('approvals')}
      />
    );
  return (
    <>
      <p className="muted">
        Allow only a call you expect: the client asked for it, and it runs on this computer once allowed.
      </p>
      {approvals.value.length === 0 ? (
        <Empty title="No tool call is waiting.">
          <p>
            When a client calls a tool whose policy is <strong>ask</strong>, the call waits here until you
            allow or deny it.
          </p>
        </Empty>
      ) : (
        <ul className="cards" aria-label="Waiting tool calls">
          {approvals.value.map((approval) => (
            <li key={approval.id}>
              <ApprovalCard approval={approval} now={now} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function ApprovalCard({ approval, now }: { approval: PendingApproval; now: number }) {
  const store = useStore();
  // The client chose its name, the child its tool's name: escaped and cut here like on every surface.
  const client = displayText(approval.clientName, DISPLAY_LIMITS.clientName);
  const server = displayText(approval.server, DISPLAY_LIMITS.host);
  const tool = displayText(approval.tool, DISPLAY_LIMITS.uri);
  const decide = useAction(async (decision: 'once' | 'always' | 'deny') => {
    if (decision === 'deny') await store.client.denyToolCall(approval.id);
    else await store.client.approveToolCall(approval.id, decision);
    store.removeApproval(approval.id);
    store.announce(
      decision === 'deny'
        ? `Denied ${tool} for ${client}`
        : decision === 'always'
          ? `Allowed ${tool} for ${client}; it runs without asking from now on`
          : `Allowed ${tool} for ${client} once`,
    );
  });
  const titleId = `approval-${approval.id}-title`;
  return (
    <article className="card consent" aria-labelledby={titleId}>
      <header className="consent-head">
        <h2 id={titleId}>
          <span className="client-name">{client}</span> wants to run{' '}
          <span className="mono">
            {server} › {tool}
          </span>
        </h2>
      </header>
      <dl className="facts">
        <dt>Arguments</dt>
        <dd className="mono break">{displayText(approval.argsPreview, DISPLAY_LIMITS.line)}</dd>
        <dt>Asked</dt>
        <dd>
          {ago(approval.createdAt, now)}{' '}
          <span className="muted">(refused unanswered {inTime(approval.expiresAt, now)})</span>
        </dd>
      </dl>
      <p className="actions">
        <button
          type="button"
          className="primary"
          disabled={decide.busy}
          onClick={() => void decide.run('once')}
        >
          Allow once
        </button>
        <button type="button" disabled={decide.busy} onClick={() => void decide.run('always')}>
          Always allow
        </button>
        <button
          type="button"
          className="danger"
          disabled={decide.busy}
          onClick={() => void decide.run('deny')}
        >
          Deny
        </button>
      </p>
      <p className="field-hint">
        “Always allow” saves the policy <code>allow</code> for this tool in the config: its later calls, from
        any client, run without asking.
      </p>
      {decide.error && <ErrorNote error={decide.error} onDismiss={decide.clear} />}
    </article>
  );
}
