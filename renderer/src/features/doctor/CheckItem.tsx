import { useId, useState } from 'react';
import type { CheckResult, Evidence, Verdict } from '../../api/types.js';
import { Badge, type Tone } from '../../components/Badge.js';
import { duration, plural } from '../../util/format.js';

const TONES: Record<Verdict, Tone> = { pass: 'good', warn: 'busy', fail: 'bad', skip: 'off' };
const LABELS: Record<Verdict, string> = { pass: 'pass', warn: 'warning', fail: 'fail', skip: 'skipped' };

export function VerdictBadge({ verdict }: { verdict: Verdict }) {
  return <Badge tone={TONES[verdict]}>{LABELS[verdict]}</Badge>;
}

/** "14 passed, 1 warning, 6 skipped". */
export function verdictCounts(checks: CheckResult[]): string {
  const count = (v: Verdict) => checks.filter((c) => c.verdict === v).length;
  const parts = [
    count('pass') > 0 && `${count('pass')} passed`,
    count('warn') > 0 && plural(count('warn'), 'warning'),
    count('fail') > 0 && `${count('fail')} failed`,
    count('skip') > 0 && `${count('skip')} skipped`,
  ].filter(Boolean);
  return parts.join(', ') || 'no checks';
}

/** A shape per verdict, so the step reads without colour too (the badge says it in words). */
function VerdictIcon({ verdict }: { verdict: Verdict }) {
  return (
    <span className={`check-icon check-icon-${verdict} tone-${TONES[verdict]}`} aria-hidden="true">
      <svg viewBox="0 0 16 16" width="16" height="16">
        {verdict === 'pass' && (
          <path
            d="M3.5 8.5l3 3 6-7"
            fill="none"
            stroke="currentColor"
            strokeWidth="2"
            strokeLinecap="round"
          />
        )}
        {verdict === 'warn' && (
          <>
            <path d="M8 3.5v5.5" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
            <circle cx="8" cy="12.3" r="1.2" fill="currentColor" />
          </>
        )}
        {verdict === 'fail' && (
          <path d="M4.5 4.5l7 7M11.5 4.5l-7 7" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
        )}
        {verdict === 'skip' && (
          <path d="M4 8h8" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
        )}
      </svg>
    </span>
  );
}

/** One check as a step of the vertical timeline, with its evidence behind an expander. */
export function CheckItem({ check }: { check: CheckResult }) {
  const [open, setOpen] = useState(false);
  const evidenceId = useId();
  const exchanges = [...(check.evidence ? [check.evidence] : []), ...(check.related ?? [])];
  const problem = check.verdict === 'warn' || check.verdict === 'fail';
  return (
    <li className={`check check-${check.verdict}`} data-check={check.id}>
      <VerdictIcon verdict={check.verdict} />
      <div className="check-body">
        <div className="check-head">
          <h3 className="check-title">{check.title}</h3>
          <VerdictBadge verdict={check.verdict} />
        </div>
        <p className="check-detail">{check.detail}</p>
        {problem && (
          <dl className="check-advice">
            <dt>Claude needs</dt>
            <dd>{check.need}</dd>
            {check.fix && (
              <>
                <dt>Fix</dt>
                <dd className="fix">{check.fix}</dd>
              </>
            )}
          </dl>
        )}
        {exchanges.length > 0 && (
          <>
            <button
              type="button"
              className="quiet expander"
              aria-expanded={open}
              aria-controls={evidenceId}
              onClick={() => setOpen(!open)}
            >
              <span className="expander-mark" aria-hidden="true">
                {open ? '▾' : '▸'}
              </span>{' '}
              Evidence ({plural(exchanges.length, 'exchange')})
              <span className="offscreen"> for {check.title}</span>
            </button>
            <div id={evidenceId} className="evidence" hidden={!open}>
              {open && exchanges.map((e, i) => <EvidenceView key={i} evidence={e} />)}
            </div>
          </>
        )}
      </div>
    </li>
  );
}

const SHOWN_HEADERS = [
  'www-authenticate',
  'content-type',
  'location',
  'mcp-session-id',
  'cache-control',
  'access-control-allow-origin',
  'server',
  'cf-ray',
];

function EvidenceView({ evidence }: { evidence: Evidence }) {
  const { request } = evidence;
  const headers = Object.entries(evidence.headers ?? {});
  const shown = headers.filter(([name]) => SHOWN_HEADERS.includes(name));
  const requestHeaders = Object.entries(request.headers);
  return (
    <div className="exchange">
      <p className="exchange-line mono">
        <strong>{request.method}</strong> <span className="break">{request.url}</span>
        {' → '}
        {evidence.status !== undefined ? (
          <strong>{evidence.status}</strong>
        ) : evidence.error ? (
          <strong className="reason-bad">{evidence.error}</strong>
        ) : (
          <span className="muted">no status</span>
        )}{' '}
        <span className="muted">
          in {duration(evidence.ms)}
          {evidence.firstEventMs !== undefined && `, first event after ${duration(evidence.firstEventMs)}`}
        </span>
      </p>
      {requestHeaders.length > 0 && (
        <Pre label="Request headers" text={requestHeaders.map(([k, v]) => `${k}: ${v}`).join('\n')} />
      )}
      {shown.length > 0 && (
        <Pre
          label={
            shown.length < headers.length
              ? `Response headers (${shown.length} of ${headers.length})`
              : 'Response headers'
          }
          text={shown.map(([k, v]) => `${k}: ${v}`).join('\n')}
        />
      )}
      {shown.length === 0 && headers.length > 0 && (
        <p className="muted small">{plural(headers.length, 'response header')}, none of note.</p>
      )}
      {evidence.bodyExcerpt && <Pre label="Body (start)" text={evidence.bodyExcerpt} />}
    </div>
  );
}

function Pre({ label, text }: { label: string; text: string }) {
  return (
    <div className="exchange-part">
      <p className="exchange-label">{label}</p>
      <pre>{text}</pre>
    </div>
  );
}
