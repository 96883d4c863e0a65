import type { ClientSummary, GrantSummary } from '../../api/types.js';
import { ConfirmAction } from '../../components/Confirm.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { OAuthOff, useLoaded } from '../../components/Loaded.js';
import { RememberedApprovals } from './RememberedApprovals.js';
import { Empty } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import { DISPLAY_LIMITS, displayText } from '../../util/displayText.js';
import { ago, dateTime, hostOf } from '../../util/format.js';
import { useAction, useNow } from '../../util/hooks.js';

const CLIENT_COLUMNS: readonly Column[] = [
  'Client',
  'Returns to',
  'Created',
  'Last used',
  'Grants',
  { label: 'Actions', hidden: true },
];

export function ClientsScreen() {
  const now = useNow(10_000);
  const clients = useLoaded(useFerry().clients, {
    key: 'clients',
    what: 'clients',
    failure: 'Could not load the clients.',
    unavailable: (
      <OAuthOff>
        With <code>--no-auth</code> there are no authorized clients: anything on this computer may connect.
      </OAuthOff>
    ),
  });
  if (!clients.ready) return clients.view;
  // Registrations nobody approved are not connections (anyone who reaches Ferry can make one): they are
  // kept apart and folded away, so a flood of them can neither bury nor pass for an approved client.
  const approved = clients.value.filter((client) => client.state !== 'registered');
  const registered = clients.value.filter((client) => client.state === 'registered');
  if (approved.length === 0)
    return (
      <>
        <Empty title="No authorized clients.">
          <p>
            A client appears here once you approve its request under <a href="#/consents">Consents</a>.
          </p>
        </Empty>
        <RegisteredClients clients={registered} now={now} />
      </>
    );
  return (
    <>
      <p className="muted">
        Revoking a client ends its sessions at once; it must ask again (and you approve again) to reconnect.
      </p>
      <ClientTable caption="Authorized clients" clients={approved} now={now} />
      <RegisteredClients clients={registered} now={now} />
      <RememberedApprovals clients={clients.value} now={now} />
    </>
  );
}

/** Never-approved registrations, folded: they hold no grant and Ferry forgets them on its own. */
function RegisteredClients({ clients, now }: { clients: ClientSummary[]; now: number }) {
  if (clients.length === 0) return null;
  return (
    <details className="registered-clients">
      <summary>
        {clients.length === 1 ? '1 registration' : `${clients.length} registrations`} never approved
      </summary>
      <p className="muted">
        Registering grants nothing: a client gets access only once you approve it. Ferry keeps these in memory
        only and forgets them after a day, or when it restarts.
      </p>
      <ClientTable caption="Registered clients never approved" clients={clients} now={now} />
    </details>
  );
}

function ClientTable({ caption, clients, now }: { caption: string; clients: ClientSummary[]; now: number }) {
  const sorted = [...clients].sort(
    (a, b) => ms(b.lastUsedAt ?? b.createdAt) - ms(a.lastUsedAt ?? a.createdAt),
  );
  return (
    <DataTable caption={caption} columns={CLIENT_COLUMNS}>
      {sorted.map((client) => (
        <ClientRow key={client.clientId} client={client} now={now} />
      ))}
    </DataTable>
  );
}

function ClientRow({ client, now }: { client: ClientSummary; now: number }) {
  const store = useStore();
  // Chosen by the client at registration (or its CIMD document): escaped and cut as everywhere else.
  const name = displayText(client.clientName ?? client.clientId, DISPLAY_LIMITS.clientName);
  const revoke = useAction(async () => {
    const result = await store.client.revokeClient(client.clientId);
    store.announce(
      `Revoked ${name}: ${result.revokedGrants} grant(s), ${result.closedSessions} session(s) closed`,
    );
    await store.reload('clients');
  });
  return (
    <tr>
      <th scope="row">
        <span className="client-name">{name}</span>
        <br />
        <span className="muted mono small" title={displayText(client.clientId, DISPLAY_LIMITS.uri)}>
          {displayText(shortId(client.clientId), DISPLAY_LIMITS.host)}
        </span>
      </th>
      <td data-label="Returns to">
        {[...new Set(client.redirectUris.map((uri) => displayText(hostOf(uri), DISPLAY_LIMITS.host)))].join(
          ', ',
        ) || '—'}
      </td>
      <td data-label="Created" title={dateTime(ms(client.createdAt))}>
        {ago(ms(client.createdAt), now)}
      </td>
      <td data-label="Last used" title={client.lastUsedAt ? dateTime(ms(client.lastUsedAt)) : undefined}>
        {client.lastUsedAt ? ago(ms(client.lastUsedAt), now) : 'never'}
      </td>
      <td data-label="Grants">
        {client.grants.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <ul className="plain">
            {client.grants.map((grant) => (
              <li key={grant.grantId}>{grantText(grant)}</li>
            ))}
          </ul>
        )}
      </td>
      <td className="cell-actions" data-label="">
        <ConfirmAction verb="Revoke" name={name} action={revoke} />
      </td>
    </tr>
  );
}

/**
 * The auth store keeps client and grant times in epoch seconds (like oidc-provider), unlike the events' ms;
 * accept either, so a later switch of the contract to ms keeps working (1e11 s is in the year 5138).
 */
function ms(time: number): number {
  return time < 1e11 ? time * 1000 : time;
}

function grantText(grant: GrantSummary): string {
  const parts = Object.entries(grant.resources ?? {}).map(
    ([resource, scope]) => `${scope || '(no scope)'} on ${resource}`,
  );
  if (parts.length === 0 && grant.scope) parts.push(grant.scope);
  return parts.join('; ') || 'access';
}

function shortId(id: string): string {
  if (id.length <= 24) return id;
  if (/^https?:\/\//.test(id)) return hostOf(id);
  return `${id.slice(0, 10)}…${id.slice(-6)}`;
}
