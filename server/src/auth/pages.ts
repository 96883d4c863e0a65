import type { PendingConsent } from '../events/types.js';

const escape = (value: unknown): string => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Headers for every page a browser sees on the public listener: no framing (no clickjacking of the
 * waiting page), no Referer (the page URL carries the interaction id), no caching, no inline code except
 * what the nonce allows.
 */
export function pageHeaders(nonce?: string): Record<string, string> {
  const script = nonce ? `'nonce-${nonce}'` : "'none'";
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': `default-src 'none'; script-src ${script}; style-src ${nonce ? `'nonce-${nonce}'` : "'none'"}; connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

const STYLE = `
  :root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --bg: #f6f8fa; --card: #fff; --accent: #0b6bcb; }
  @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9da7b3; --bg: #0d1117; --card: #161b22; --accent: #4493f8; } }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--fg);
         font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  main { background: var(--card); max-width: 30rem; margin: 1rem; padding: 2rem; border-radius: 12px;
         box-shadow: 0 1px 3px rgba(0,0,0,.12), 0 8px 24px rgba(0,0,0,.08); }
  h1 { font-size: 1.25rem; margin: 0 0 .75rem; }
  p { margin: .5rem 0; color: var(--muted); }
  .code { font: 600 2rem/1.2 ui-monospace, SFMono-Regular, Menlo, monospace; letter-spacing: .15em; margin: 1rem 0;
          padding: .75rem 1rem; border: 1px dashed var(--muted); border-radius: 8px; text-align: center; color: var(--fg); }
  dl { display: grid; grid-template-columns: auto 1fr; gap: .25rem 1rem; margin: 1rem 0; }
  dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
  .status { font-weight: 600; color: var(--accent); }
`;

export function renderWaitingPage(consent: PendingConsent, uid: string, nonce: string): string {
  const statusUrl = `/consent/${encodeURIComponent(uid)}/status`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Approve in Ferry</title>
<noscript><meta http-equiv="refresh" content="3"></noscript>
<style nonce="${nonce}">${STYLE}</style></head>
<body><main>
<h1>Approve this connection in Ferry on your computer</h1>
<p>Ferry is asking you, on the computer it runs on, whether <strong>${escape(consent.clientName)}</strong> may use your MCP servers. Check that Ferry shows the same code:</p>
<div class="code" aria-label="match code">${escape(consent.matchCode)}</div>
<dl>
  <dt>App</dt><dd>${escape(consent.clientName)}</dd>
  <dt>Returns to</dt><dd>${escape(consent.redirectHost)}</dd>
  <dt>Access</dt><dd>${escape(consent.resource)}</dd>
</dl>
<p class="status" role="status" aria-live="polite" id="status">Waiting for your approval…</p>
<p>Nothing to do on this page: it continues by itself once you approve or deny in Ferry. If this was not you, deny it there.</p>
</main>
<script nonce="${nonce}">
(function () {
  var status = document.getElementById('status');
  function poll() {
    fetch(${JSON.stringify(statusUrl)}, { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.next) { status.textContent = s.status === 'approved' ? 'Approved. Returning…' : 'Not approved. Returning…'; location.replace(s.next); return; }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
</script>
</body></html>`;
}

export function renderMessagePage(title: string, message: string, nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title><style nonce="${nonce}">${STYLE}</style></head>
<body><main><h1>${escape(title)}</h1><p>${escape(message)}</p></main></body></html>`;
}

/** oidc-provider's error page, without its debug output: the error code and description only. */
export function renderErrorPage(out: { error?: string; error_description?: string }, nonce: string): string {
  return renderMessagePage(
    'Ferry could not complete this sign-in',
    `${out.error ?? 'error'}: ${out.error_description ?? 'the request was not valid'}`,
    nonce,
  );
}
