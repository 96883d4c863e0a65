import { useEffect, useMemo, useRef, useState } from 'react';
import type { LogEvent, LogLevel, Stamped } from '../../api/types.js';
import { SearchFilter, SelectFilter } from '../../components/Filters.js';
import { orKept, useLoaded } from '../../components/Loaded.js';
import { Empty } from '../../components/States.js';
import { useFerry, useStore } from '../../state/context.js';
import { clock } from '../../util/format.js';
import { copyAndSay } from '../../util/clipboard.js';
import { saveFile } from '../../util/download.js';
import { useHashQuery } from '../../util/hashQuery.js';
import { displayText } from '../../util/displayText.js';

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];
const LEVEL_CHOICES = LEVELS.map((l) => [l, `${l} and up`] as const);
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const SHOWN = 500;

export function LogsScreen() {
  const state = useFerry();
  const store = useStore();
  const [level, setLevel] = useState<LogLevel>('info');
  // `#/logs?source=server:flaky` opens the screen on one source ("See its stderr").
  const query = useHashQuery();
  const [source, setSource] = useState(() => query.get('source') ?? '');
  useEffect(() => setSource(query.get('source') ?? ''), [query]);
  const [wrap, setWrap] = useState(true);
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

  const loaded = useLoaded(orKept(state.logsLoad, state.logs.length), {
    key: 'logs',
    what: 'logs',
    failure: 'Could not load the logs.',
  });
  if (!loaded.ready) return loaded.view;

  const asText = () =>
    visible
      .map((l) => `${new Date(l.at).toISOString()} ${l.level.toUpperCase()} [${l.source}] ${l.message}`)
      .join('\n');
  const exportFile = () => {
    saveFile(
      `${asText()}\n`,
      'text/plain',
      `ferry-logs-${new Date().toISOString().replace(/[:.]/g, '-')}.log`,
    );
    store.announce(`Exported ${visible.length} log lines`);
  };
  const copy = () =>
    void copyAndSay(asText(), `Copied ${visible.length} log lines`, (text) => store.announce(text));

  return (
    <>
      <div className="toolbar filters" role="group" aria-label="Filters">
        <SelectFilter
          id="logs-level"
          label="Level"
          choices={LEVEL_CHOICES}
          value={level}
          // The choices are the four levels.
          onChange={(value) => setLevel(value as LogLevel)}
        />
        <SelectFilter
          id="logs-source"
          label="Source"
          any="All sources"
          // A source named by the link that opened the screen is offered before its first line arrives.
          choices={[...new Set([...sources, ...(source ? [source] : [])])]}
          value={source}
          onChange={setSource}
        />
        <SearchFilter
          id="logs-search"
          label="Search"
          placeholder="text in the message or source"
          value={search}
          onChange={setSearch}
          grow
        />
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
