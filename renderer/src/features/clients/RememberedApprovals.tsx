import { useEffect, useState } from 'react';
import type { ClientSummary, RememberedApproval } from '../../api/types.js';
import { ConfirmAction } from '../../components/Confirm.js';
import { ErrorNote } from '../../components/States.js';
import { useStore } from '../../state/context.js';
import { ago, dateTime, hostOf } from '../../util/format.js';
import { useAction } from '../../util/hooks.js';

/**
 * "Approve and remember" decisions: each one lets one browser (the one that waited for the approval)
 * reconnect one app to one endpoint without asking. Forgetting one makes the next request ask again.
 * Reloaded whenever the client list changes (an approval or a revocation).
 */
export function RememberedApprovals({ clients, now }: { clients: ClientSummary[]; now: number }) {
  const store = useStore();
  const [approvals, setApprovals] = useState<RememberedApproval[]>();
  const load = useAction(async () => setApprovals(await store.client.rememberedApprovals()));
  const { run } = load;
  // The client list changes whenever a decision does (an approval, a revocation): reload with it.
  useEffect(() => {
    void run();
  }, [run, clients]);
  if (!approvals || approvals.length === 0) return load.error ? <ErrorNote error={load.error} /> : null;
  const nameOf = (clientId: string) =>
    clients.find((c) => c.clientId === clientId)?.clientName ?? hostOf(clientId);
  return (
    <section aria-labelledby="remembered-title" className="remembered">
      <h2 id="remembered-title">Remembered approvals</h2>
      <p className="muted">
        These connect again without asking, but only from the browser you approved them in, and only for the
        same app, return address and endpoint.
      </p>
      <ul className="plain remembered-list">
        {approvals.map((approval) => (
          <RememberedRow
            key={approval.id}
            approval={approval}
            name={nameOf(approval.clientId)}
            now={now}
            onForgotten={() => void load.run()}
          />
        ))}
      </ul>
    </section>
  );
}

function RememberedRow(props: {
  approval: RememberedApproval;
  name: string;
  now: number;
  onForgotten: () => void;
}) {
  const { approval, name, now } = props;
  const store = useStore();
  const forget = useAction(async () => {
    await store.client.forgetRememberedApproval(approval.id);
    store.announce(`Forgot the remembered approval of ${name}: it asks again next time`);
    props.onForgotten();
  });
  const used = approval.lastUsedAt ?? approval.createdAt;
  return (
    <li className="remembered-item">
      <div>
        <strong className="client-name">{name}</strong> → {hostOf(approval.redirectUri)}
        <br />
        <span className="muted small">
          {approval.resource} · {approval.lastUsedAt ? 'last used' : 'approved'}{' '}
          <span title={dateTime(used * 1000)}>{ago(used * 1000, now)}</span>
        </span>
      </div>
      <ConfirmAction verb="Forget" question="Forget the remembered approval of" name={name} action={forget} />
    </li>
  );
}
