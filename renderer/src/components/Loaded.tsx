import type { ReactNode } from 'react';
import { useStore } from '../state/context.js';
import type { Loadable, LoadKey } from '../state/store.js';
import { Empty, ErrorNote, Loading } from './States.js';

export type Loaded<T> = { ready: true; value: T } | { ready: false; view: ReactNode };

/**
 * A screen's first load of one of the store's snapshots: the spinner while it loads, the error with Try
 * again if it failed, else the value. `unavailable` is what to say when the core has the feature off (OAuth
 * off: no consents, no clients) instead of an error.
 */
export function useLoaded<T>(
  load: Loadable<T>,
  how: { key: LoadKey; what: string; failure: string; unavailable?: ReactNode },
): Loaded<T> {
  const store = useStore();
  if (load.state === 'ready') return { ready: true, value: load.value };
  if (load.state === 'loading') return { ready: false, view: <Loading what={how.what} /> };
  if (load.error.code === 'unavailable' && how.unavailable !== undefined)
    return { ready: false, view: how.unavailable };
  return {
    ready: false,
    view: <ErrorNote title={how.failure} error={load.error} retry={() => void store.reload(how.key)} />,
  };
}

/**
 * A stream's load (calls, logs) as ready once it has lines: those stay shown through a failed refresh, and
 * only an empty screen shows the spinner or the error.
 */
export function orKept(load: Loadable<true>, lines: number): Loadable<true> {
  return lines > 0 ? { state: 'ready', value: true } : load;
}

/** What a screen says when the core runs with `--no-auth` and so has nothing of this kind. */
export function OAuthOff({ children }: { children: ReactNode }) {
  return (
    <Empty title="OAuth is off.">
      <p>{children}</p>
    </Empty>
  );
}
