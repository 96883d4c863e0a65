/**
 * The connection doctor's public shapes. A report is a list of named checks in the order Claude's connector
 * backend runs its handshake (shared/claude-connector.md), each with what was sent, what came back, what
 * Claude needs there and, when it is not met, what to change.
 */

export type Verdict = 'pass' | 'warn' | 'fail' | 'skip';

/** Every check, in Claude's order; callers (CLI, window, admin API) switch on these. */
export type CheckId =
  | 'reachability'
  | 'no-modern-protocol'
  | 'tls'
  | 'connector-path'
  | 'challenge-post'
  | 'challenge-get-head'
  | 'prm-suffixed'
  | 'prm-root'
  | 'prm-resource'
  | 'as-metadata'
  | 'as-pkce'
  | 'as-registration'
  | 'root-aliases'
  | 'registration'
  | 'authorize-scope'
  | 'claude-user'
  | 'initialize'
  | 'initialized-notification'
  | 'discover'
  | 'modern-wire'
  | 'tools-list'
  | 'tool-call'
  | 'sse-flush'
  | 'keepalive';

/**
 * Why a connector fails, from claude-connector.md's list (most frequent first), then the causes that list
 * does not rank. The summary names the first of these that a failed check points to.
 */
export type CauseId =
  | 'ferry-paused'
  | 'edge-blocks-claude-user'
  | 'token-audience'
  | 'resource-metadata'
  | 'pkce-s256'
  | 'auth-server-metadata'
  | 'accept-or-session'
  | 'sse-buffering'
  | 'reachability'
  | 'no-modern-protocol'
  | 'connector-path'
  | 'unreachable'
  | 'oauth-registration'
  | 'oauth-authorize'
  | 'mcp-endpoint';

/** One exchange on the wire, as sent and as answered. Secrets (tokens, codes) are redacted. */
export interface Evidence {
  /** `LOOKUP` for the DNS step (url is then the host name). */
  request: { method: string; url: string; headers: Record<string, string> };
  status?: number;
  /** Response headers, lower-case names. */
  headers?: Record<string, string>;
  /** The start of the body (at most ~600 characters), or the addresses a lookup returned. */
  bodyExcerpt?: string;
  /** From sending the request to the end of what was read. */
  ms: number;
  /** Why no answer came: a network code (ECONNREFUSED, CERT_HAS_EXPIRED, timeout…). */
  error?: string;
  /** Streams only: milliseconds from sending the request to the first SSE event or comment. */
  firstEventMs?: number;
}

export interface CheckResult {
  id: CheckId;
  title: string;
  verdict: Verdict;
  /** What happened, in one sentence. */
  detail: string;
  /** The exchange the verdict rests on; absent when the check sent nothing (skipped). */
  evidence?: Evidence;
  /** Further exchanges of the same check (GET and HEAD, each metadata path…). */
  related?: Evidence[];
  /** What Claude needs at this step. */
  need: string;
  /** What to change, in plain words; set when the verdict is `warn` or `fail`. */
  fix?: string;
  /** The failure cause this check points to, when it failed or warned. */
  cause?: CauseId;
}

export interface DoctorReport {
  /** The URL exactly as given (Claude compares it byte for byte). */
  url: string;
  /** ISO 8601. */
  startedAt: string;
  durationMs: number;
  checks: CheckResult[];
  /** `fail` if any check failed, else `warn` if any warned, else `pass`. */
  verdict: 'pass' | 'warn' | 'fail';
  /** The most likely cause and its fix, or that nothing failed; one paragraph. */
  summary: string;
  /** The cause the summary names, when a check failed. */
  cause?: CauseId;
  /** The client the registration check created: never approved, so Ferry (or the server) can sweep it. */
  testClientId?: string;
}

/** What a tool call needs: the exposed tool name and its arguments. */
export interface ToolChoice {
  name: string;
  arguments?: Record<string, unknown>;
}

/** What a skipped check says the user can do about it: CLI flags by default, the window's controls there. */
export interface DoctorAdvice {
  /** Why the checks after sign-in were skipped. */
  token: string;
  /** Why no tool was called. */
  callTool: string;
  /** Why keep-alives on long calls were not checked. */
  slowTool: string;
}

/** `fetch` as the doctor uses it; tests inject one that maps a public origin to a local listener. */
export type DoctorFetch = (url: string, init: RequestInit) => Promise<Response>;

/** A DNS lookup returning every address of `hostname` (node:dns/promises `lookup(h, { all: true })`). */
export type DoctorLookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export interface DoctorOptions {
  /** The connector URL as the user would paste it into Claude, e.g. `https://x.trycloudflare.com/mcp`. */
  url: string;
  /** An access token for the URL: enables the second part (initialize, tools, SSE). Never printed. */
  token?: string;
  /**
   * Makes a token when the first check that needs one is reached (and `token` is not given), so a short-lived
   * token's life starts with the checks that use it. Ferry's window passes its self-token minting here.
   */
  mintToken?: () => Promise<string>;
  /**
   * The `clientInfo.name` the doctor's MCP requests carry. Default "claude-ai", as Claude sends it; Ferry's
   * window runs as "Ferry doctor" so Activity never shows the run as Claude's.
   */
  clientName?: string;
  /** How the caller supplies what a skipped check lacked, in its own words (default: `ferry doctor` flags). */
  advice?: Partial<DoctorAdvice>;
  /** Per-request timeout in ms. Default 10 000; at least 100. */
  timeoutMs?: number;
  /** Hard budget for the whole run in ms; checks that would start after it are skipped. Default 120 000. */
  budgetMs?: number;
  /**
   * How long the SSE check waits for a first event on the GET stream, in ms. Default 20 000: Ferry sends a
   * keep-alive every 15 s by default, so a shorter wait can miss the first one. Bounded by the budget.
   */
  sseWaitMs?: number;
  /**
   * A harmless tool to call. Default: on Ferry, its demo's `current_time` when exposed; on other servers
   * nothing is called unless named here (the doctor never guesses which tools are safe).
   */
  callTool?: ToolChoice;
  /** A tool that takes a while (> 15 s ideally), to check keep-alive comments on long calls; else skipped. */
  slowTool?: ToolChoice;
  fetch?: DoctorFetch;
  lookup?: DoctorLookup;
  /** Aborts the run; the checks not yet run are skipped. */
  signal?: AbortSignal;
  /** Called after each check, in order (the CLI prints as the run goes). */
  onCheck?: (check: CheckResult) => void;
}
