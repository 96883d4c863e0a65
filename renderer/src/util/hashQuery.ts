import { useEffect, useState } from 'react';

/** The query of the window's hash route: `server=git&tools=1` of `#/servers?server=git&tools=1`. */
export function hashQuery(): URLSearchParams {
  return new URLSearchParams(window.location.hash.split('?')[1] ?? '');
}

/** What `read` makes of the hash route, read again on every `hashchange`. */
export function useFromHash<T>(read: () => T): T {
  const [value, setValue] = useState(read);
  useEffect(() => {
    const onHash = () => setValue(read);
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [read]);
  return value;
}

/**
 * The hash route's query, live: the tray, a notification or a link elsewhere in the window opens a screen
 * on one thing (`#/logs?source=…`, `#/servers?server=…&tool=…`) while that screen is already open.
 */
export function useHashQuery(): URLSearchParams {
  return useFromHash(hashQuery);
}
