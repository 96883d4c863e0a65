import { useCallback, useEffect, useRef, useState } from 'react';
import { AdminApiError } from '../../api/errors.js';
import type { TimelineSnapshot } from '../../api/types.js';
import { Badge } from '../../components/Badge.js';
import { Empty, ErrorNote, Loading } from '../../components/States.js';
import { useStore } from '../../state/context.js';
import { clock } from '../../util/format.js';

const REFRESH_MS = 2000;

type Load =
  | { state: 'loading' }
  | { state: 'ready'; value: TimelineSnapshot | null }
  | { state: 'error'; error: AdminApiError; last?: TimelineSnapshot | null };

/** Polls GET /api/timeline every 2 s while mounted; one request at a time. */
function useTimeline(): [Load, () => void] {
  const store = useStore();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const poke = useRef<() => void>(() => undefined);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      clearTimeout(timer);
      try {
        const value = await store.client.timeline();
        if (!stopped) setLoad({ state: 'ready', value });
      } catch (caught) {
        if (!stopped)
          setLoad((prev) => ({
            state: 'error',
            error: AdminApiError.from(caught),
            last: prev.state === 'ready' ? prev.value : prev.state === 'error' ? prev.last : undefined,
          }));
      }
      if (!stopped) timer = setTimeout(() => void tick(), REFRESH_MS);
    };
    poke.current = () => void tick();
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [store]);
  const retry = useCallback(() => poke.current(), []);
  return [load, retry];
}

/** Claude's real requests to this Ferry mapped onto the sequence it should follow, refreshed every 2 s. */
export function LiveTimeline() {
  const [load, retry] = useTimeline();
  const snapshot = load.state === 'ready' ? load.value : load.state === 'error' ? load.last : undefined;
  return (
    <section className="card live-timeline" aria-labelledby="live-timeline-title">
      <div className="server-head">
        <h2 id="live-timeline-title">Live connection timeline</h2>
        {snapshot &&
          (snapshot.connected ? (
            <Badge tone="good">connected</Badge>
          ) : snapshot.startedAt !== undefined ? (
            <Badge tone="busy">in progress</Badge>
          ) : (
            <Badge tone="off">nothing yet</Badge>
          ))}
      </div>
      <p className="muted small">
        What Claude (or anything else) actually asked this Ferry, latest attempt only; refreshed every 2 s.
        The doctor&rsquo;s own requests show up here too.
      </p>
      {load.state === 'error' && (
        <ErrorNote title="Could not load the timeline." error={load.error} retry={retry} />
      )}
      {load.state === 'loading' ? (
        <Loading what="the timeline" />
      ) : snapshot === null ? (
        <Empty title="OAuth is off.">
          <p>
            With <code>--no-auth</code> Claude connects without signing in, so there is no handshake to
            follow.
          </p>
        </Empty>
      ) : snapshot ? (
        <Steps snapshot={snapshot} />
      ) : null}
    </section>
  );
}

function Steps({ snapshot }: { snapshot: TimelineSnapshot }) {
  return (
    <>
      {snapshot.diagnosis && (
        <div className="note diagnosis" role="note">
          <p>
            <strong>Diagnosis:</strong> {snapshot.diagnosis}
          </p>
        </div>
      )}
      {snapshot.startedAt === undefined && (
        <p className="muted">
          No connection attempt seen yet. Add the connector URL in Claude (Settings → Connectors) and the
          steps fill in here as its requests arrive.
        </p>
      )}
      <ol className="live-steps" aria-label="Connection steps">
        {snapshot.steps.map((step) => {
          const seen = step.at !== undefined;
          return (
            <li
              key={step.id}
              className={`live-step${seen ? ' live-step-seen' : ''}${step.problem ? ' live-step-problem' : ''}`}
              data-step={step.id}
            >
              <span className="live-marker" aria-hidden="true">
                {step.problem ? '!' : seen ? '✓' : ''}
              </span>
              <span className="offscreen">{step.problem ? 'Problem: ' : seen ? 'Seen: ' : 'Not yet: '}</span>
              <span className="live-title">{step.title}</span>
              <span className="live-time muted small">
                {step.at !== undefined ? (
                  <>
                    <time dateTime={new Date(step.at).toISOString()}>{clock(step.at)}</time>
                    {step.count > 1 && ` · ×${step.count}`}
                  </>
                ) : (
                  'not yet'
                )}
              </span>
              {step.detail && <span className="live-detail mono small">{step.detail}</span>}
              {step.problem && <span className="live-problem small">{step.problem}</span>}
            </li>
          );
        })}
      </ol>
    </>
  );
}
