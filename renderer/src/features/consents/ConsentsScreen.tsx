import type { ConsentResolvedEvent, PendingConsent } from '../../api/types.js';
import { Badge, type Tone } from '../../components/Badge.js';
import { Card } from '../../components/Card.js';
import { DecisionCard, WaitingList, type Choice } from '../../components/DecisionCard.js';
import { OAuthOff, useLoaded } from '../../components/Loaded.js';
import { Empty } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import { DISPLAY_LIMITS, displayText } from '../../util/displayText.js';
import { ago, dateTime, hostOf, plural } from '../../util/format.js';
import { useFetched, useNow } from '../../util/hooks.js';
import { useNotificationPermission } from '../../util/notify.js';

export function ConsentsScreen() {
  const now = useNow();
  const consents = useLoaded(useFerry().consents, {
    key: 'consents',
    what: 'connection requests',
    failure: 'Could not load the requests.',
    unavailable: (
      <OAuthOff>
        This Ferry runs with <code>--no-auth</code>, so nobody asks to connect: only programs on this computer
        can reach it. Restart without <code>--no-auth</code> to connect claude.ai.
      </OAuthOff>
    ),
  });
  if (!consents.ready) return consents.view;
  return (
    <>
      <div className="toolbar">
        <p className="muted">
          Approve only a request you just started yourself: its match code is the one your browser shows.
        </p>
        <NotifyButton />
      </div>
      <WaitingList
        label="Pending requests"
        items={consents.value}
        empty={
          <Empty title="No one is waiting.">
            <p>
              When you click <strong>Connect</strong> for Ferry in Claude, the request appears here with the
              match code your browser shows.
            </p>
          </Empty>
        }
      >
        {(consent) => <ConsentCard consent={consent} now={now} />}
      </WaitingList>
      <History waiting={consents.value.length} now={now} />
    </>
  );
}

/** Asks for notification permission, so a new request is announced while this tab is in the background. */
function NotifyButton() {
  const [permission, ask] = useNotificationPermission();
  if (permission === 'unsupported' || permission === 'granted') return null;
  if (permission === 'denied')
    return <p className="muted small">Notifications are blocked for this page in the browser.</p>;
  return (
    <button type="button" onClick={ask}>
      Notify me of new requests
    </button>
  );
}

const OUTCOME_TONES: Record<ConsentResolvedEvent['outcome'], Tone> = {
  approved: 'good',
  remembered: 'good',
  denied: 'bad',
  expired: 'off',
  replaced: 'off',
};

/** Past decisions since Ferry started, newest first, refreshed whenever a request is decided. */
function History({ waiting, now }: { waiting: number; now: number }) {
  const store = useStore();
  const { value: history } = useFetched(() => store.client.consentHistory(), [store, waiting]);
  if (!history || history.length === 0) return null;
  return (
    <Card id="consent-history" title="Past decisions">
      <ul className="plain history">
        {history.map((entry) => (
          <li key={entry.seq}>
            <Badge tone={OUTCOME_TONES[entry.outcome]}>{entry.outcome}</Badge>{' '}
            <span className="client-name">{displayText(entry.clientName, DISPLAY_LIMITS.clientName)}</span>{' '}
            <span className="muted" title={dateTime(entry.at)}>
              {ago(entry.at, now)}
            </span>
          </li>
        ))}
      </ul>
    </Card>
  );
}

/** "All servers (/mcp): 3 servers, 12 tools, 2 destructive (fs__delete, fs__move)". */
function Exposure({ consent }: { consent: PendingConsent }) {
  const store = useStore();
  const { value: exposure } = useFetched(() => store.client.consentExposure(consent.id), [store, consent.id]);
  if (!exposure) return <span className="muted">…</span>;
  const known = exposure.servers.every((s) => s.tools !== undefined);
  const tools = exposure.servers.reduce((sum, s) => sum + (s.tools ?? 0), 0);
  const destructive = exposure.servers.flatMap((s) => s.destructive);
  const where =
    exposure.scope === 'all'
      ? `All servers (/mcp): ${plural(exposure.servers.length, 'server')}`
      : `One server only: ${exposure.servers[0]?.name ?? '?'}`;
  return (
    <span data-testid="consent-exposure">
      {where}, {known ? plural(tools, 'tool') : `${tools}+ tools (some servers are not ready)`}
      {destructive.length > 0 ? (
        <>
          {', '}
          <strong className="bad-text">
            {destructive.length} destructive: {destructive.join(', ')}
          </strong>
        </>
      ) : (
        ', none marked destructive'
      )}
    </span>
  );
}

function ConsentCard({ consent, now }: { consent: PendingConsent; now: number }) {
  const store = useStore();
  const { id } = consent;
  // Escaped by the core already; again here so the window never shows a raw override whoever sent it.
  const name = displayText(consent.clientName, DISPLAY_LIMITS.clientName);
  const host = displayText(consent.redirectHost, DISPLAY_LIMITS.host);
  const choices: Choice[] = [
    {
      label: 'Approve',
      tone: 'primary',
      send: () => store.client.approveConsent(id, false),
      said: `Approved ${name}; the browser returns to ${host}`,
    },
    {
      label: 'Approve and remember',
      send: () => store.client.approveConsent(id, true),
      said: `Approved ${name} and remembered it; the browser returns to ${host}`,
    },
    { label: 'Deny', tone: 'danger', send: () => store.client.denyConsent(id), said: `Denied ${name}` },
  ];
  return (
    <DecisionCard
      id={`consent-${id}`}
      heading={
        <>
          <span className="client-name">{name}</span> wants to use your tools
        </>
      }
      aside={
        <p className="match" aria-label={`match code ${consent.matchCode}`}>
          <span className="match-label" aria-hidden="true">
            Match code
          </span>
          <span className="match-code mono">{consent.matchCode}</span>
        </p>
      }
      facts={<ConsentFacts consent={consent} host={host} />}
      asked={{ at: consent.createdAt, until: consent.expiresAt, lapse: 'expires', now }}
      choices={choices}
      onDecided={() => store.removeConsent(id)}
      hint="“Remember” approves this client’s later requests for the same access without asking."
    />
  );
}

function ConsentFacts({ consent, host }: { consent: PendingConsent; host: string }) {
  return (
    <>
      <dt>Gets</dt>
      <dd>
        <Exposure consent={consent} />
      </dd>
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
    </>
  );
}
