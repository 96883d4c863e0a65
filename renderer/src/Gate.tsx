import { forgetToken } from './api/connect.js';

/** The page was opened without `#token=…`: say where the link comes from. */
export function NoToken({ reason }: { reason: string }) {
  return (
    <main className="gate">
      <h1>Ferry needs its admin link</h1>
      <p>{reason}</p>
      <p>The admin page only opens with the admin token that Ferry writes when it starts:</p>
      <ol className="steps">
        <li>
          Find <code>runtime.json</code> in Ferry’s data directory (the one given with <code>--data-dir</code>
          ).
        </li>
        <li>
          Open <code>&lt;adminUrl&gt;/#token=&lt;adminToken&gt;</code> with the two values from that file,
          e.g. <code className="break">http://127.0.0.1:8791/#token=…</code>
        </li>
      </ol>
      <p className="muted">
        The token stays in the part of the address after <code>#</code>, which the browser never sends
        anywhere.
      </p>
    </main>
  );
}

/** The API refused the token: Ferry restarted (new token) or the link is wrong. */
export function Unauthorized() {
  return (
    <main className="gate" role="alert">
      <h1>The admin token was refused</h1>
      <p>
        Ferry keeps its admin token across restarts unless it was started with <code>--new-admin-token</code>{' '}
        (the Ferry app makes a new one each launch), so this link is from an older token. Open the link again
        with the <code>adminToken</code> from the current <code>runtime.json</code>.
      </p>
      <p className="actions">
        <button
          type="button"
          onClick={() => {
            forgetToken();
            window.location.reload();
          }}
        >
          Forget this token
        </button>
      </p>
    </main>
  );
}
