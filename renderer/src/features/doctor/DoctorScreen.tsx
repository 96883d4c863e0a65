import { useState, type FormEvent } from 'react';
import type { DoctorReport } from '../../api/types.js';
import { bindText, Field, TextField } from '../../components/Field.js';
import { ErrorNote } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import { duration } from '../../util/format.js';
import { useAction, useNow } from '../../util/hooks.js';
import { CheckItem, VerdictBadge, verdictCounts } from './CheckItem.js';
import { LiveTimeline } from './LiveTimeline.js';

/** The request's parameters that have a field of their own, where their issues are shown. */
const FIELDS = ['url', 'token', 'withToken', 'callTool', 'slowTool'];
const FIELD_IDS = {
  url: 'doctor-url',
  token: 'doctor-token',
  callTool: 'doctor-call',
  slowTool: 'doctor-slow',
} as const;

/**
 * The connection doctor: replays Claude's connector handshake against a URL (Ferry's own by default) and
 * shows each step with what Claude needs and what to change, then the live timeline of Claude's real requests.
 */
export function DoctorScreen() {
  const { status } = useFerry();
  const store = useStore();
  // The token is only in this component's memory: never stored, never sent anywhere but this one request.
  const [params, setParams] = useState({ url: '', token: '', callTool: '', slowTool: '' });
  // Ferry makes (and revokes) a token for its own URL itself; a pasted one is for other URLs.
  const [selfToken, setSelfToken] = useState(true);
  const [report, setReport] = useState<DoctorReport>();
  const [startedAt, setStartedAt] = useState(0);
  const connectorUrl = status.state === 'ready' ? status.value.mcpUrl : undefined;
  const oauth = status.state === 'ready' ? status.value.auth : true;
  const withToken = oauth && selfToken;

  const run = useAction(async () => {
    setReport(undefined);
    setStartedAt(Date.now());
    const { url, token, callTool, slowTool } = params;
    const result = await store.client.runDoctor({
      ...(url.trim() ? { url: url.trim() } : {}),
      ...(withToken ? { withToken: true } : token ? { token } : {}),
      ...(callTool.trim() ? { callTool: callTool.trim() } : {}),
      ...(slowTool.trim() ? { slowTool: slowTool.trim() } : {}),
    });
    setReport(result);
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!run.busy) void run.run();
  };
  const issuesAt = (path: string) => run.error?.issues.filter((i) => i.path === path) ?? [];
  /** A text field bound to the request parameter it fills, with that parameter's issues. */
  const text = (name: keyof typeof params) => ({
    id: FIELD_IDS[name],
    disabled: run.busy,
    ...bindText(params, setParams, name, run.error?.issues),
  });
  // Issues shown at their fields are not said again in the result: the result only points at them.
  const atFields = Boolean(
    run.error && run.error.issues.length > 0 && run.error.issues.every((i) => FIELDS.includes(i.path)),
  );

  return (
    <>
      <p className="muted">
        The doctor sends the requests Claude&rsquo;s connector backend sends, in the same order, and says at
        which step a connection would stop and what to change.
      </p>
      <LiveTimeline />
      <section className="card" aria-labelledby="doctor-run-title">
        <h2 id="doctor-run-title">Check a connector URL</h2>
        <form onSubmit={submit} noValidate>
          <div className="form-grid">
            <TextField
              {...text('url')}
              label="URL to check"
              hint={
                connectorUrl ? (
                  <>
                    Leave empty for Ferry&rsquo;s connector URL, <code className="break">{connectorUrl}</code>
                    .
                  </>
                ) : (
                  'Leave empty for Ferry’s connector URL.'
                )
              }
              type="url"
              inputMode="url"
              placeholder={connectorUrl ?? 'https://<name>.trycloudflare.com/mcp'}
            />
            {oauth && (
              <Field
                id="doctor-with-token"
                label="Also run the checks after sign-in"
                check
                hint="Initialize, tools and streaming, with a token Ferry makes for its own connector URL. It lives a minute and is revoked when the run ends. For another URL, untick this and paste a token."
                issues={issuesAt('withToken')}
              >
                {(props) => (
                  <input
                    {...props}
                    type="checkbox"
                    checked={selfToken}
                    disabled={run.busy}
                    onChange={(e) => setSelfToken(e.target.checked)}
                  />
                )}
              </Field>
            )}
            {!withToken && (
              <TextField
                {...text('token')}
                label="Access token (optional)"
                hint="Enables the checks after sign-in (initialize, tools, streaming). Not stored."
                type="password"
              />
            )}
            <TextField
              {...text('callTool')}
              label="Tool to call"
              hint="Optional: a harmless tool, by the name clients see. On its own the doctor calls only the demo's clock."
              mono
            />
            <TextField
              {...text('slowTool')}
              label="Slow tool"
              hint="Optional: a tool that takes over 15 s, to check keep-alives on long calls."
              mono
            />
          </div>
          <p className="actions">
            <button type="submit" className="primary" disabled={run.busy} aria-disabled={run.busy}>
              {run.busy ? 'Running…' : 'Run doctor'}
            </button>
            {report && !run.busy && (
              <button
                type="button"
                className="quiet"
                onClick={() => {
                  setReport(undefined);
                  run.clear();
                }}
              >
                Clear result
              </button>
            )}
          </p>
        </form>
      </section>

      <section className="doctor-result" aria-labelledby="doctor-result-title">
        <h2 id="doctor-result-title">Result</h2>
        <div aria-live="polite" aria-busy={run.busy}>
          {run.busy ? (
            <Running startedAt={startedAt} />
          ) : run.error && atFields ? (
            <p className="note note-error" role="alert">
              <strong>The doctor did not run.</strong> Correct the marked field, then run it again.
            </p>
          ) : run.error ? (
            <ErrorNote title="The doctor could not run." error={run.error} onDismiss={run.clear} />
          ) : report ? (
            <Summary report={report} />
          ) : (
            <div className="state state-empty">
              <p className="state-title">No run yet.</p>
              <p className="state-hint">
                Run the doctor to see each step of Claude&rsquo;s handshake against the URL.
              </p>
            </div>
          )}
        </div>
        {report && !run.busy && (
          <ol className="doctor-checks" aria-label="Checks, in Claude’s order">
            {report.checks.map((check) => (
              <CheckItem key={check.id} check={check} />
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

function Running({ startedAt }: { startedAt: number }) {
  const now = useNow(1000);
  const seconds = Math.max(0, Math.round((now - startedAt) / 1000));
  return (
    <p className="state state-loading doctor-running">
      <span className="spinner" aria-hidden="true" /> Running the checks in Claude&rsquo;s order: address,
      challenge, metadata, registration{' '}
      <span className="muted">
        (usually 20&ndash;40 s<span aria-hidden="true">; {seconds} s so far</span>)
      </span>
      …
    </p>
  );
}

function Summary({ report }: { report: DoctorReport }) {
  const counts = verdictCounts(report.checks);
  const tone = report.verdict === 'pass' ? 'good' : report.verdict === 'warn' ? 'warn' : 'bad';
  return (
    <div className={`doctor-summary doctor-summary-${tone}`}>
      <p className="doctor-summary-head">
        <VerdictBadge verdict={report.verdict} />
        <strong>
          {report.verdict === 'pass'
            ? 'Claude should be able to connect.'
            : report.verdict === 'warn'
              ? 'Claude may not be able to connect.'
              : 'Claude cannot connect.'}
        </strong>
      </p>
      <p className="doctor-summary-text">{report.summary}</p>
      <p className="muted small">
        {counts} · <span className="mono break">{report.url}</span> · {duration(report.durationMs)}
      </p>
    </div>
  );
}
