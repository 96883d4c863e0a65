import type { PendingConsent } from '../../api/types.js';
import { Empty, ErrorNote, Loading } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import { DISPLAY_LIMITS, displayText } from '../../util/displayText.js';
import { ago, hostOf, inTime } from '../../util/format.js';
import { useAction, useNow } from '../../util/hooks.js';

export function ConsentsScreen() {
  const state = useFerry();
  const store = useStore();
  const now = useNow();
  const { consents } = state;
  if (consents.state === 'loading') return <Loading what="connection requests" />;
  if (consents.state === 'error') {
    if (consents.error.code === 'unavailable')
      return (
        <Empty title="OAuth is off.">
          <p>
            This Ferry runs with <code>--no-auth</code>, so nobody asks to connect: only programs on this
            computer can reach it. Restart without <code>--no-auth</code> to connect claude.ai.
          </p>
        </Empty>
      );
    return (
      <ErrorNote
        title="Could not load the requests."
        error={consents.error}
        retry={() => void store.reload('consents')}
      />
    );
  }
  return (
    <>
      <p className="muted">
        Approve only a request you just started yourself: its match code is the one your browser shows.
      </p>
      {consents.value.length === 0 ? (
        <Empty title="No one is waiting.">
          <p>
            When you click <strong>Connect</strong> for Ferry in Claude, the request appears here with the
            match code your browser shows.
          </p>
        </Empty>
      ) : (
        <ul className="cards" aria-label="Pending requests">
          {consents.value.map((consent) => (
            <li key={consent.id}>
              <ConsentCard consent={consent} now={now} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function ConsentCard({ consent, now }: { consent: PendingConsent; now: number }) {
  const store = useStore();
  // Escaped by the core already; again here so the window never shows a raw override whoever sent it.
  const name = displayText(consent.clientName, DISPLAY_LIMITS.clientName);
  const host = displayText(consent.redirectHost, DISPLAY_LIMITS.host);
  const decide = useAction(async (decision: 'approve' | 'remember' | 'deny') => {
    if (decision === 'deny') await store.client.denyConsent(consent.id);
    else await store.client.approveConsent(consent.id, decision === 'remember');
    store.removeConsent(consent.id);
    store.announce(
      decision === 'deny'
        ? `Denied ${name}`
        : `Approved ${name}${decision === 'remember' ? ' and remembered it' : ''}; the browser returns to ${host}`,
    );
  });
  const titleId = `consent-${consent.id}-title`;
  return (
    <article className="card consent" aria-labelledby={titleId}>
      <header className="consent-head">
        <h2 id={titleId}>
          <span className="client-name">{name}</span> wants to use your tools
        </h2>
        <p className="match" aria-label={`match code ${consent.matchCode}`}>
          <span className="match-label" aria-hidden="true">
            Match code
          </span>
          <span className="match-code mono">{consent.matchCode}</span>
        </p>
      </header>
      <dl className="facts">
        <dt>Returns to</dt>
        <dd>
          <strong>{host}</strong>{' '}
          <span className="muted mono break">{displayText(consent.redirectUri, DISPLAY_LIMITS.uri)}</span>
        </dd>
        <dt>Scopes</dt>
        <dd>
          {consent.scopes.length > 0
            ? consent.scopes.map((s) => (
                <code key={s} className="chip">
                  {s}
                </code>
              ))
            : 'none'}
        </dd>
        <dt>Resource</dt>
        <dd className="mono break">{displayText(consent.resource, DISPLAY_LIMITS.uri)}</dd>
        {consent.clientUri && (
          <>
            <dt>Client site</dt>
            <dd className="mono break">{displayText(hostOf(consent.clientUri), DISPLAY_LIMITS.host)}</dd>
          </>
        )}
        <dt>Asked</dt>
        <dd>
          {ago(consent.createdAt, now)}{' '}
          <span className="muted">(expires {inTime(consent.expiresAt, now)})</span>
        </dd>
      </dl>
      <p className="actions">
        <button
          type="button"
          className="primary"
          disabled={decide.busy}
          onClick={() => void decide.run('approve')}
        >
          Approve
        </button>
        <button type="button" disabled={decide.busy} onClick={() => void decide.run('remember')}>
          Approve and remember
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
        “Remember” approves this client’s later requests for the same access without asking.
      </p>
      {decide.error && <ErrorNote error={decide.error} onDismiss={decide.clear} />}
    </article>
  );
}
