import { AdminApiError, isErrorBody } from './errors.js';
import { SseParser } from './sse.js';
import type { AdminTransport, DownloadedFile, StreamState, Unsubscribe } from './transport.js';
import type { AdminMethod, Stamped } from './types.js';

export interface HttpTransportOptions {
  /** Origin of the admin listener (`http://127.0.0.1:8791`); '' for the page's own origin. */
  baseUrl: string;
  /** The per-launch admin token (runtime.json `adminToken`). */
  token: string;
  /** Injected in tests; the global `fetch` by default. */
  fetch?: typeof fetch;
  /** Where the API is, for messages; the base URL (or "this page's origin") by default. */
  description?: string;
  /** Delays between reconnect attempts, in ms; the last one repeats. */
  retryDelaysMs?: readonly number[];
  /** A stream silent for this long is taken as dead and reopened (the core sends a keep-alive every 15 s). */
  idleTimeoutMs?: number;
}

const DEFAULT_RETRY = [500, 1000, 2000, 5000];

/**
 * The admin API over HTTP, as `ferry serve` exposes it on its loopback listener: JSON requests with the
 * bearer token, and `/api/events` read with fetch (EventSource cannot send an Authorization header), resumed
 * after a drop from the last event id it saw (`Last-Event-ID`), so no event is missed or repeated.
 */
export function createHttpTransport(options: HttpTransportOptions): AdminTransport {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/+$/, '');
  const where = options.description ?? (base || "this page's origin");
  const authorization = `Bearer ${options.token}`;
  const retry = options.retryDelaysMs ?? DEFAULT_RETRY;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;

  const unreachable = (error: unknown) =>
    new AdminApiError(
      'network',
      `Cannot reach the Ferry admin API at ${where} (${error instanceof Error ? error.message : String(error)}). Is ferry serve still running?`,
    );

  async function failure(res: Response): Promise<AdminApiError> {
    const text = await res.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (isErrorBody(parsed)) {
      return new AdminApiError(
        parsed.error.code,
        parsed.error.message,
        parsed.error.issues ?? [],
        res.status,
      );
    }
    return new AdminApiError(
      res.status === 401 ? 'unauthorized' : 'bad_response',
      `The admin API answered ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`,
      [],
      res.status,
    );
  }

  return {
    description: where,

    async request(method: AdminMethod, path: string, body?: unknown): Promise<unknown> {
      let res: Response;
      try {
        res = await doFetch(`${base}/api${path}`, {
          method,
          headers: {
            authorization,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          credentials: 'omit',
        });
      } catch (error) {
        throw unreachable(error);
      }
      if (!res.ok) throw await failure(res);
      const text = await res.text();
      try {
        return text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        throw new AdminApiError('bad_response', `The admin API sent something that is not JSON for ${path}`);
      }
    },

    // A plain link cannot carry the bearer token, so the file is fetched here and saved by the page.
    async download(path: string): Promise<DownloadedFile> {
      let res: Response;
      try {
        res = await doFetch(`${base}/api${path}`, {
          headers: { authorization, accept: 'application/x-ndjson, */*' },
          credentials: 'omit',
        });
      } catch (error) {
        throw unreachable(error);
      }
      if (!res.ok) throw await failure(res);
      const disposition = res.headers.get('content-disposition') ?? '';
      const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'ferry-download';
      const contentType = (res.headers.get('content-type') ?? 'text/plain').split(';')[0] ?? 'text/plain';
      return { filename, contentType, text: await res.text() };
    },

    events(since, onEvent, onState): Unsubscribe {
      let lastId = since;
      let stopped = false;
      let failures = 0;
      let controller: AbortController | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;

      const report = (state: StreamState) => {
        if (!stopped) onState?.(state);
      };

      const connect = async (): Promise<void> => {
        report({ state: 'connecting' });
        controller = new AbortController();
        const current = controller;
        let idle: ReturnType<typeof setTimeout> | undefined;
        const touch = () => {
          clearTimeout(idle);
          idle = setTimeout(() => current.abort(new Error('no data for a while')), idleTimeoutMs);
        };
        try {
          const headers: Record<string, string> = { authorization, accept: 'text/event-stream' };
          let url = `${base}/api/events`;
          // The first connection asks with ?since= (a query the core reads like the header); every reconnect
          // resumes with Last-Event-ID, as EventSource does.
          if (lastId !== undefined) {
            if (failures === 0 && lastId === since) url += `?since=${lastId}`;
            else headers['last-event-id'] = String(lastId);
          }
          let res: Response;
          try {
            res = await doFetch(url, { headers, credentials: 'omit', signal: current.signal });
          } catch (error) {
            throw unreachable(error);
          }
          if (!res.ok || !res.body) {
            const error = await failure(res);
            if (error.code === 'unauthorized' || error.code === 'forbidden') {
              report({ state: 'closed', error });
              stopped = true;
              return;
            }
            throw error;
          }
          failures = 0;
          report({ state: 'open' });
          touch();
          const parser = new SseParser((message) => {
            if (message.id !== undefined && /^\d+$/.test(message.id)) lastId = Number(message.id);
            let event: Stamped;
            try {
              event = JSON.parse(message.data) as Stamped;
            } catch {
              return;
            }
            if (!stopped) onEvent(event);
          });
          const reader = res.body.getReader();
          const decoder = new TextDecoder();
          for (;;) {
            const { done, value } = await reader.read();
            if (done || stopped) break;
            touch();
            parser.feed(decoder.decode(value, { stream: true }));
          }
          if (!stopped) throw new AdminApiError('network', 'The event stream ended');
        } catch (error) {
          if (stopped) return;
          const reason =
            error instanceof AdminApiError
              ? error
              : new AdminApiError(
                  'network',
                  `Lost the connection to Ferry (${(error as Error).message ?? String(error)})`,
                );
          const delay = retry[Math.min(failures, retry.length - 1)] ?? 1000;
          failures++;
          report({ state: 'retrying', retryInMs: delay, error: reason });
          timer = setTimeout(() => void connect(), delay);
        } finally {
          clearTimeout(idle);
        }
      };

      void connect();
      return () => {
        stopped = true;
        clearTimeout(timer);
        controller?.abort();
      };
    },
  };
}
