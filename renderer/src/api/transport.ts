import type { AdminApiError } from './errors.js';
import type { AdminMethod, DownloadedFile, Stamped } from './types.js';

export type { DownloadedFile } from './types.js';

/** The event stream's health, for the connection indicator. */
export type StreamState =
  | { state: 'connecting' }
  | { state: 'open' }
  /** Lost; the transport retries on its own after `retryInMs` and resumes after the last event seen. */
  | { state: 'retrying'; retryInMs: number; error: AdminApiError }
  /** Given up: retrying cannot help (wrong token). */
  | { state: 'closed'; error: AdminApiError }
  /**
   * The host says the core is not running (the desktop app's core failed to start, or is quitting):
   * `reason` in words, and `restart` when the host can start it again. Comes back to `open` by itself.
   */
  | { state: 'stopped'; reason: string; restart?: () => Promise<void> };

export type Unsubscribe = () => void;

/**
 * How the window reaches the core. `path` is relative to the admin API root (`/status`, `/servers/x`), the
 * same for every transport. Failures reject with an `AdminApiError`. Answers are untyped JSON here: the
 * client (client.ts) gives each one its type from the operation table.
 */
export interface AdminTransport {
  request(method: AdminMethod, path: string, body?: unknown): Promise<unknown>;
  /** GETs a route that answers with a file rather than JSON. */
  download(path: string): Promise<DownloadedFile>;
  /**
   * Every core event after `since` (undefined: only new ones), in order, each once, across reconnects.
   * Returns the function that stops the stream.
   */
  events(
    since: number | undefined,
    onEvent: (event: Stamped) => void,
    onState?: (state: StreamState) => void,
  ): Unsubscribe;
  /** Where the API is, in words for error messages ("http://127.0.0.1:8791", "the Ferry app"). */
  readonly description: string;
}
