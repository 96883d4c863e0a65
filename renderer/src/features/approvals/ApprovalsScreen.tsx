import type { PendingApproval } from '../../api/types.js';
import { DecisionCard, WaitingList, type Choice } from '../../components/DecisionCard.js';
import { useLoaded } from '../../components/Loaded.js';
import { Empty } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import { DISPLAY_LIMITS, displayText } from '../../util/displayText.js';
import { useNow } from '../../util/hooks.js';

/** Tool calls held by policy "ask": each waits here (and in the terminal or a notification) for a yes or no. */
export function ApprovalsScreen() {
  const now = useNow();
  const approvals = useLoaded(useFerry().approvals, {
    key: 'approvals',
    what: 'waiting tool calls',
    failure: 'Could not load the waiting tool calls.',
  });
  if (!approvals.ready) return approvals.view;
  return (
    <>
      <p className="muted">
        Allow only a call you expect: the client asked for it, and it runs on this computer once allowed.
      </p>
      <WaitingList
        label="Waiting tool calls"
        items={approvals.value}
        empty={
          <Empty title="No tool call is waiting.">
            <p>
              When a client calls a tool whose policy is <strong>ask</strong>, the call waits here until you
              allow or deny it.
            </p>
          </Empty>
        }
      >
        {(approval) => <ApprovalCard approval={approval} now={now} />}
      </WaitingList>
    </>
  );
}

function ApprovalCard({ approval, now }: { approval: PendingApproval; now: number }) {
  const store = useStore();
  const { id } = approval;
  // The client chose its name, the child its tool's name: escaped and cut here like on every surface.
  const client = displayText(approval.clientName, DISPLAY_LIMITS.clientName);
  const server = displayText(approval.server, DISPLAY_LIMITS.host);
  const tool = displayText(approval.tool, DISPLAY_LIMITS.uri);
  const choices: Choice[] = [
    {
      label: 'Allow once',
      tone: 'primary',
      send: () => store.client.approveToolCall(id, 'once'),
      said: `Allowed ${tool} for ${client} once`,
    },
    {
      label: 'Always allow',
      send: () => store.client.approveToolCall(id, 'always'),
      said: `Allowed ${tool} for ${client}; it runs without asking from now on`,
    },
    {
      label: 'Deny',
      tone: 'danger',
      send: () => store.client.denyToolCall(id),
      said: `Denied ${tool} for ${client}`,
    },
  ];
  return (
    <DecisionCard
      id={`approval-${id}`}
      heading={
        <>
          <span className="client-name">{client}</span> wants to run{' '}
          <span className="mono">
            {server} › {tool}
          </span>
        </>
      }
      facts={
        <>
          <dt>Arguments</dt>
          <dd className="mono break">{displayText(approval.argsPreview, DISPLAY_LIMITS.line)}</dd>
        </>
      }
      asked={{ at: approval.createdAt, until: approval.expiresAt, lapse: 'refused unanswered', now }}
      choices={choices}
      onDecided={() => store.removeApproval(id)}
      hint={
        <>
          “Always allow” saves the policy <code>allow</code> for this tool in the config: its later calls,
          from any client, run without asking.
        </>
      }
    />
  );
}
