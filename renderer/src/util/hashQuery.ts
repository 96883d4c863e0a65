import { useEffect, useState } from 'react';

/** The query of the window's hash route: `server=git&tools=1` of `#/servers?server=git&tools=1`. */
export function hashQuery(): URLSearchParams {
  return new URLSearchParams(window.location.hash.split('?')[1] ?? '');
}

/**
 * The hash route's query, read again on every `hashchange`: the tray, a notification or a link elsewhere in
 * the window opens a screen on one thing (`#/logs?source=…`, `#/servers?server=…&tool=…`) while it is open.
 */
export function useHashQuery(): URLSearchParams {
  const [query, setQuery] = useState(hashQuery);
  useEffect(() => {
    const onHash = () => setQuery(hashQuery());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return query;
}
