import { useEffect, useMemo, useRef, useState } from 'react';
import type { LogEvent, LogLevel, Stamped } from '../../api/types.js';
import { Empty, ErrorNote, Loading } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import { clock } from '../../util/format.js';
import { copyText } from '../../util/clipboard.js';
import { displayText } from '../../util/displayText.js';

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const SHOWN = 500;

/** `#/logs?source=server:flaky` opens the screen on one source ("See its stderr"). */
function sourceFromHash(): string {
  const query = window.location.hash.split('?')[1] ?? '';
  return new URLSearchParams(query).get('source') ?? '';
}

export function LogsScreen() {
  const state = useFerry();
  const store = useStore();
  const [level, setLevel] = useState<LogLevel>('info');
  const [source, setSource] = useState(sourceFromHash);
  const [wrap, setWrap] = useState(true);
  useEffect(() => {
    const onHash = () => setSource(sourceFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const [search, setSearch] = useState('');
  const [paused, setPaused] = useState<Stamped<LogEvent>[]>();
  const listRef = useRef<HTMLOListElement>(null);
  const follow = useRef(true);

  const lines = paused ?? state.logs;
  const sources = useMemo(() => [...new Set(state.logs.map((l) => l.source))].sort(), [state.logs]);
  const needle = search.trim().toLowerCase();
  const visible = useMemo(
    () =>
      lines
        .filter(
          (l) =>
            RANK[l.level] >= RANK[level] &&
            (source === '' || l.source === source) &&
            (needle === '' ||
              l.message.toLowerCase().includes(needle) ||
              l.source.toLowerCase().includes(needle)),
        )
        .slice(-SHOWN),
    [lines, level, source, needle],
  );
  const newSincePause = paused ? state.logs.filter((l) => l.seq > (paused.at(-1)?.seq ?? 0)).length : 0;

  useEffect(() => {
    const list = listRef.current;
    if (list && follow.current) list.scrollTop = list.scrollHeight;
  }, [visible]);

  if (state.logsLoad.state === 'loading' && state.logs.length === 0) return <Loading what="logs" />;
  if (state.logsLoad.state === 'error' && state.logs.length === 0)
    return (
      <ErrorNote
        title="Could not load the logs."
        error={state.logsLoad.error}
        retry={() => void store.reload('logs')}
      />
    );

  const asText = () =>
    visible
      .map((l) => `${new Date(l.at).toISOString()} ${l.level.toUpperCase()} [${l.source}] ${l.message}`)
      .join('\n');
  const exportFile = () => {
    const url = URL.createObjectURL(new Blob([`${asText()}\n`], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `ferry-logs-${new Date().toISOString().replace(/[:.]/g, '-')}.log`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    store.announce(`Exported ${visible.length} log lines`);
  };
  const copy = () => {
    const text = asText();
    copyText(text).then(
      () => store.announce(`Copied ${visible.length} log lines`),
      (error: unknown) => store.announce(`Could not copy: ${(error as Error).message}`),
    );
  };

  return (
    <>
      <div className="toolbar filters" role="group" aria-label="Filters">
        <div className="field inline">
          <label htmlFor="logs-level">Level</label>
          <select id="logs-level" value={level} onChange={(e) => setLevel(e.target.value as LogLevel)}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l} and up
              </option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor="logs-source">Source</label>
          <select id="logs-source" value={source} onChange={(e) => setSource(e.target.value)}>
            <option value="">All sources</option>
            {[...new Set([...sources, ...(source ? [source] : [])])].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field inline grow">
          <label htmlFor="logs-search">Search</label>
          <input
            id="logs-search"
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="text in the message or source"
          />
        </div>
        <button
          type="button"
          aria-pressed={paused !== undefined}
          onClick={() => setPaused(paused ? undefined : state.logs)}
        >
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={copy} disabled={visible.length === 0}>
          Copy
        </button>
        <button type="button" onClick={exportFile} disabled={visible.length === 0}>
          Export
        </button>
        <button type="button" aria-pressed={wrap} onClick={() => setWrap(!wrap)}>
          Wrap lines
        </button>
      </div>
      <p className="muted small">
        {paused
          ? `Paused: ${newSincePause} new ${newSincePause === 1 ? 'line' : 'lines'} since.`
          : `${visible.length} of ${state.logs.length} lines, live.`}
      </p>
      {state.logs.length === 0 ? (
        <Empty title="No log lines yet." />
      ) : visible.length === 0 ? (
        <Empty title="No line matches these filters." />
      ) : (
        <ol
          className={wrap ? 'log mono' : 'log mono log-nowrap'}
          ref={listRef}
          tabIndex={0}
          role="log"
          aria-label="Log lines"
          aria-live={paused ? 'off' : 'polite'}
          aria-relevant="additions"
          onScroll={(e) => {
            const el = e.currentTarget;
            follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          }}
        >
          {visible.map((line) => (
            <li key={line.seq} className={`log-line log-${line.level}`}>
              <span className="log-time">{clock(line.at)}</span>
              <span className="log-level">{line.level}</span>
              <span className="log-source">{displayText(line.source)}</span>
              {/* A child's stderr or a client's name: overrides and controls shown as escapes. */}
              <span className="log-message">{displayText(line.message)}</span>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
