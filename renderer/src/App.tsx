import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ActivityScreen } from './features/activity/ActivityScreen.js';
import { ApprovalsScreen } from './features/approvals/ApprovalsScreen.js';
import { ClientsScreen } from './features/clients/ClientsScreen.js';
import { ConsentsScreen } from './features/consents/ConsentsScreen.js';
import { DoctorScreen } from './features/doctor/DoctorScreen.js';
import { LogsScreen } from './features/logs/LogsScreen.js';
import { ServersScreen } from './features/servers/ServersScreen.js';
import { StatusScreen } from './features/status/StatusScreen.js';
import { useFerry, useStore } from './state/context.js';
import type { FerryState } from './state/store.js';
import { ThemeToggle } from './theme.js';
import { useFromHash } from './util/hashQuery.js';
import { useConsentNotifications } from './util/notify.js';

export const SCREENS = [
  { id: 'status', title: 'Status', render: () => <StatusScreen /> },
  { id: 'servers', title: 'Servers', render: () => <ServersScreen /> },
  { id: 'consents', title: 'Consents', render: () => <ConsentsScreen /> },
  { id: 'approvals', title: 'Approvals', render: () => <ApprovalsScreen /> },
  { id: 'clients', title: 'Clients', render: () => <ClientsScreen /> },
  { id: 'activity', title: 'Activity', render: () => <ActivityScreen /> },
  { id: 'logs', title: 'Logs', render: () => <LogsScreen /> },
  { id: 'doctor', title: 'Doctor', render: () => <DoctorScreen /> },
] as const;

type ScreenId = (typeof SCREENS)[number]['id'];

function screenFromHash(): ScreenId {
  const id = window.location.hash.replace(/^#\/?/, '').split(/[?&/]/)[0];
  return SCREENS.find((s) => s.id === id)?.id ?? 'status';
}

export function App() {
  const state = useFerry();
  const screen = useFromHash(screenFromHash);
  const current = SCREENS.find((s) => s.id === screen) ?? SCREENS[0];
  const headingRef = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  const waiting = state.consents.state === 'ready' ? state.consents.value.length : 0;
  useEffect(() => {
    // The count first: a background tab shows it in its title, so a waiting request is noticed headless too.
    document.title = `${waiting > 0 ? `(${waiting}) ` : ''}${current.title} · Ferry`;
  }, [current, waiting]);
  useEffect(() => {
    // Moving focus to the new screen's heading tells screen-reader users where they are; not on first load.
    if (first.current) first.current = false;
    else headingRef.current?.focus();
  }, [current]);
  useConsentNotifications(state);
  const stopped = state.stream.state === 'retrying' || state.stream.state === 'stopped';
  return (
    <>
      {stopped && <StoppedBanner state={state} />}
      <div className={stopped ? 'app app-stopped' : 'app'} inert={stopped}>
        <a
          className="skip"
          href="#main"
          onClick={(e) => {
            e.preventDefault();
            headingRef.current?.focus();
          }}
        >
          Skip to content
        </a>
        <header className="topbar">
          <p className="brand">
            <svg className="brand-mark" viewBox="0 0 24 24" aria-hidden="true">
              <path d="M4 14h16l-2.5 4.5h-11z" fill="currentColor" />
              <path
                d="M7 14V9h8l2 5"
                fill="none"
                stroke="currentColor"
                strokeWidth="1.8"
                strokeLinejoin="round"
              />
              <path d="M10 9V6h3v3" fill="none" stroke="currentColor" strokeWidth="1.8" />
              <path
                d="M2 21c2 0 2-1 4-1s2 1 4 1 2-1 4-1 2 1 4 1 2-1 4-1"
                fill="none"
                stroke="currentColor"
                strokeWidth="1.5"
              />
            </svg>
            Ferry
          </p>
          <Connection state={state} />
          <ThemeToggle />
        </header>
        <nav className="nav" aria-label="Screens">
          <ul>
            {SCREENS.map((s) => (
              <li key={s.id}>
                <a href={`#/${s.id}`} aria-current={s.id === screen ? 'page' : undefined}>
                  {s.title}
                  <NavCount id={s.id} state={state} />
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" className="main">
          <h1 ref={headingRef} tabIndex={-1}>
            {current.title}
          </h1>
          {current.render()}
        </main>
        <Announcer state={state} />
      </div>
    </>
  );
}

/**
 * The whole window greys out while the core is unreachable (Ferry stopped or restarting): nothing on it
 * can be acted on, and it comes back by itself when Ferry does (the stream keeps retrying).
 */
function StoppedBanner({ state }: { state: FerryState }) {
  const store = useStore();
  const { stream } = state;
  const [restarting, setRestarting] = useState(false);
  const [failure, setFailure] = useState<string>();
  if (stream.state === 'stopped') {
    // The desktop app's core: the app is still here, so it can say why and start the core again.
    const restart = stream.restart;
    return (
      <div className="stopped" role="alert">
        <div className="stopped-box">
          <h2>Ferry stopped</h2>
          <p>{stream.reason}</p>
          <p className="muted">Claude cannot reach your servers while Ferry is stopped.</p>
          {restart && (
            <p className="actions">
              <button
                type="button"
                className="primary"
                disabled={restarting}
                onClick={() => {
                  setRestarting(true);
                  setFailure(undefined);
                  restart()
                    .catch((error: unknown) => setFailure((error as Error).message ?? String(error)))
                    .finally(() => setRestarting(false));
                }}
              >
                {restarting ? 'Restarting…' : 'Restart Ferry'}
              </button>
            </p>
          )}
          {failure && <p className="muted">Restart failed: {failure}</p>}
        </div>
      </div>
    );
  }
  if (stream.state !== 'retrying') return null;
  return (
    <div className="stopped" role="alert">
      <div className="stopped-box">
        <h2>Ferry stopped</h2>
        <p>
          The window lost Ferry at {store.client.transport.description}. Claude cannot reach your servers
          while it is stopped.
        </p>
        <p className="muted">
          Start it again (<code>ferry serve</code> or the Ferry app): this window reconnects by itself.
        </p>
      </div>
    </div>
  );
}

function NavCount({ id, state }: { id: ScreenId; state: FerryState }): ReactNode {
  let count = 0;
  let label = '';
  if (id === 'consents' && state.consents.state === 'ready') {
    count = state.consents.value.length;
    label = `${count} waiting`;
  } else if (id === 'status' && state.status.state === 'ready') {
    const s = state.status.value;
    count =
      s.warnings.length +
      (s.tunnel.state === 'failed' ? 1 : 0) +
      s.servers.filter((x) => x.state === 'crashed').length +
      state.urlChanges.length;
    label = `${count} need attention`;
  } else if (id === 'servers' && state.status.state === 'ready') {
    count = state.status.value.servers.filter((x) => x.state === 'crashed').length;
    label = `${count} crashed`;
  }
  if (count === 0) return null;
  return (
    <span className="count" aria-label={label}>
      {count}
    </span>
  );
}

function Connection({ state }: { state: FerryState }) {
  const store = useStore();
  const { stream } = state;
  const text =
    stream.state === 'open'
      ? 'Live'
      : stream.state === 'connecting'
        ? 'Connecting…'
        : stream.state === 'retrying'
          ? 'Reconnecting…'
          : stream.state === 'stopped'
            ? 'Stopped'
            : 'Disconnected';
  return (
    <div className="connection" role="status">
      <span className={`dot dot-${stream.state}`} aria-hidden="true" /> {text}
      <span className="offscreen"> to {store.client.transport.description}. </span>
      {stream.state === 'retrying' && <span className="connection-error">{stream.error.message}</span>}
    </div>
  );
}

/** One polite live region for what actions did ("Approved claudeai"), shown briefly as a toast too. */
function Announcer({ state }: { state: FerryState }) {
  const [visible, setVisible] = useState<string>();
  useEffect(() => {
    if (!state.notice) return;
    setVisible(state.notice.text);
    const timer = setTimeout(() => setVisible(undefined), 3000);
    return () => clearTimeout(timer);
  }, [state.notice]);
  return (
    <div className="toast-region" aria-live="polite" role="status">
      {visible && <p className="toast">{visible}</p>}
    </div>
  );
}
