import type { EventBus } from '../events/bus.js';
import type { CoreEvent, Stamped } from '../events/types.js';
import { MODERN_PROTOCOL_VERSION } from '../wire/protocol.js';
import { DISPLAY_LIMITS, displayText } from '../util/displayText.js';
import { CAUSES } from './causes.js';
import type { CauseId } from './types.js';

/** Claude's connector sequence as Ferry sees it from the inside (claude-connector.md steps 1-7). */
export type TimelineStepId =
  | 'challenge'
  | 'resource-metadata'
  | 'auth-metadata'
  | 'register'
  | 'authorize'
  | 'consent'
  | 'token'
  | 'mcp';

export interface TimelineStep {
  id: TimelineStepId;
  title: string;
  /** When it first happened in the current attempt (the bus's clock, ms); undefined: not (yet) seen. */
  at?: number;
  /** Requests or events that made up this step. */
  count: number;
  /** What was seen, e.g. "GET /.well-known/oauth-protected-resource/mcp 200". */
  detail?: string;
  /** What went wrong there, e.g. "POST /register 429". */
  problem?: string;
}

export interface TimelineSnapshot {
  /** The first event of the current attempt; undefined before any. */
  startedAt?: number;
  /** Every expected step in order, seen or not. */
  steps: TimelineStep[];
  /** The furthest step seen. */
  reached?: TimelineStepId;
  /** An authorized request to /mcp succeeded in this attempt. */
  connected: boolean;
  /** Why the sequence stopped (or what it waits for), or undefined when it is fine or still young. */
  diagnosis?: string;
  cause?: CauseId;
}

export interface ConnectionTimelineOptions {
  /** The clock; must be the bus's (events are stamped with it). Default `Date.now`. */
  now?: () => number;
  /** How long without the next step before the sequence counts as stopped, ms. Default 30 000. */
  stallMs?: number;
}

const STEPS: ReadonlyArray<{ id: TimelineStepId; title: string }> = [
  { id: 'challenge', title: '401 challenge on /mcp' },
  { id: 'resource-metadata', title: 'Protected-resource metadata' },
  { id: 'auth-metadata', title: 'Authorization-server metadata' },
  { id: 'register', title: 'Client registration' },
  { id: 'authorize', title: 'Authorization request (browser)' },
  { id: 'consent', title: 'Approval in Ferry' },
  { id: 'token', title: 'Tokens issued' },
  { id: 'mcp', title: 'Authorized MCP request' },
];
const ORDER = STEPS.map((s) => s.id);

const MCP_PATH = /^\/mcp(\/[A-Za-z0-9_-]{1,48})?\/?$/;
const LEGACY_PATH = /^\/(sse(\/[A-Za-z0-9_-]{1,48})?|messages)\/?$/;
const PRM_PATH = /^\/\.well-known\/oauth-protected-resource(\/.*)?$/;
const AS_PATH =
  /^(\/mcp(\/[A-Za-z0-9_-]{1,48})?)?\/\.well-known\/(oauth-authorization-server|openid-configuration)(\/.*)?$/;
const AUDIENCE = /audience|claim "aud"|claim "iss"|issuer/i;

interface StepState {
  at: number;
  count: number;
  details: string[];
  problem?: string;
}

interface Attempt {
  startedAt: number;
  lastAt: number;
  steps: Map<TimelineStepId, StepState>;
  /** Protected-resource metadata paths asked for, with the last status of each. */
  prmPaths: Map<string, number>;
  notAcceptable: number;
  badSession: number;
  /** Authorized requests to the MCP routes. */
  authorized: Array<{ at: number; status: number; userAgent: string }>;
  tokenRejected: Array<{ at: number; detail: string }>;
  requestRejected: Array<{ at: number; detail: string }>;
  consent?: {
    state: 'pending' | 'approved' | 'denied' | 'expired' | 'remembered' | 'replaced';
    at: number;
    matchCode?: string;
  };
  tokenAt?: number;
}

type Listener = (snapshot: TimelineSnapshot) => void;

/**
 * Claude's real requests mapped onto the sequence it should follow (401, metadata, registration, browser,
 * approval, tokens, authorized /mcp as Claude-User), with the likely cause when it stops. It reads the
 * events the public listener and the OAuth server put on the bus, including those already in its replay
 * buffer. Only the latest attempt is kept: a new 401 after tokens (or after a stall) starts another.
 *
 * The diagnosis depends on time (a step that never comes), so a view should call `snapshot()` on a timer,
 * not only from `onChange`. The doctor's own requests to Ferry's URL look like Claude's: `checkpoint()`
 * before a run and `restore()` after it put a real client's attempt back.
 */
export class ConnectionTimeline {
  readonly #now: () => number;
  readonly #stallMs: number;
  readonly #listeners = new Set<Listener>();
  readonly #unsubscribe: () => void;
  #attempt: Attempt | undefined;
  #urlChange: { at: number; previous: string; current: string } | undefined;

  constructor(bus: EventBus, options: ConnectionTimelineOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#stallMs = options.stallMs ?? 30_000;
    for (const event of bus.recent.toArray()) this.#take(event);
    this.#unsubscribe = bus.subscribe((event) => {
      if (this.#take(event)) {
        const snapshot = this.snapshot();
        for (const listener of this.#listeners) listener(snapshot);
      }
    });
  }

  /** Called with a fresh snapshot after every event that changed the timeline; returns the unsubscribe. */
  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Forgets the current attempt. */
  reset(): void {
    this.#attempt = undefined;
  }

  /** The current attempt, to be put back by `restore` once the doctor's own requests have passed. */
  checkpoint(): { attempt: Attempt | undefined } {
    return { attempt: this.#attempt };
  }

  /**
   * Puts back the attempt of `checkpoint`: the doctor's run against Ferry's own URL does not wipe the
   * record of a real client's attempt (requests a real client makes during the run are dropped with it).
   */
  restore(saved: { attempt: Attempt | undefined }): void {
    this.#attempt = saved.attempt;
    const snapshot = this.snapshot();
    for (const listener of this.#listeners) listener(snapshot);
  }

  close(): void {
    this.#unsubscribe();
    this.#listeners.clear();
  }

  snapshot(): TimelineSnapshot {
    const attempt = this.#attempt;
    if (!attempt) return { steps: STEPS.map((s) => ({ ...s, count: 0 })), connected: false };
    const steps = STEPS.map((s): TimelineStep => {
      const state = attempt.steps.get(s.id);
      if (!state) return { ...s, count: 0 };
      return {
        ...s,
        at: state.at,
        count: state.count,
        ...(state.details.length ? { detail: summarizeDetails(state.details) } : {}),
        ...(state.problem ? { problem: state.problem } : {}),
      };
    });
    const reached = [...ORDER].reverse().find((id) => attempt.steps.has(id));
    const connected = attempt.authorized.some((r) => r.status >= 200 && r.status < 300);
    const found = this.#diagnose(attempt, connected);
    return {
      startedAt: attempt.startedAt,
      steps,
      ...(reached ? { reached } : {}),
      connected,
      ...(found ? { diagnosis: found.text, ...(found.cause ? { cause: found.cause } : {}) } : {}),
    };
  }

  /** Folds one event into the current attempt; true when the timeline changed. */
  #take(event: Stamped<CoreEvent>): boolean {
    switch (event.type) {
      case 'http.request':
        return this.#request(event);
      case 'auth':
        return this.#auth(event);
      case 'consent.requested': {
        const attempt = this.#current(event.at);
        this.#mark(attempt, 'consent', event.at, `waiting (match code ${event.consent.matchCode})`);
        attempt.consent = { state: 'pending', at: event.at, matchCode: event.consent.matchCode };
        return true;
      }
      case 'consent.resolved': {
        const attempt = this.#current(event.at);
        this.#mark(attempt, 'consent', event.at, event.outcome);
        attempt.consent = { state: event.outcome, at: event.at };
        if (event.outcome === 'denied' || event.outcome === 'expired') {
          this.#problem(
            attempt,
            'consent',
            event.outcome === 'denied' ? 'denied in Ferry' : 'expired unanswered',
          );
        }
        return true;
      }
      case 'tunnel.url-changed':
        this.#urlChange = { at: event.at, previous: event.previous, current: event.current };
        return true;
      default:
        return false;
    }
  }

  #request(event: Stamped<Extract<CoreEvent, { type: 'http.request' }>>): boolean {
    const { path, status, method, at } = event;
    const line = `${method} ${path} ${status}`;
    if (MCP_PATH.test(path) || LEGACY_PATH.test(path)) {
      if (!event.authorized) {
        if (status === 401) {
          const attempt = this.#current(at, true);
          this.#mark(attempt, 'challenge', at, line);
        } else if (status === 406) {
          const attempt = this.#current(at);
          attempt.notAcceptable++;
          this.#mark(attempt, 'challenge', at, line);
          this.#problem(attempt, 'challenge', `${line}: refused Accept`);
        } else return false;
        return true;
      }
      if (method === 'OPTIONS') return false;
      const attempt = this.#current(at);
      // Whoever sends the request picks its user agent, and the timeline is shown on screens.
      const userAgent = displayText(event.userAgent, DISPLAY_LIMITS.uri);
      pushCapped(attempt.authorized, { at, status, userAgent });
      attempt.lastAt = at;
      if (status >= 200 && status < 300) {
        const revision = event.protocol
          ? ` · MCP ${event.protocol}${event.protocol === MODERN_PROTOCOL_VERSION ? ' (stateless)' : ''}`
          : '';
        this.#mark(attempt, 'mcp', at, `${line} (${userAgent || 'no user agent'})${revision}`);
      } else {
        if (status === 406) attempt.notAcceptable++;
        if (status === 400) attempt.badSession++;
        this.#problem(attempt, 'mcp', `${line}${userAgent ? ` (${userAgent})` : ''}`);
      }
      return true;
    }
    if (PRM_PATH.test(path)) {
      const attempt = this.#current(at);
      attempt.prmPaths.set(path, status);
      this.#mark(attempt, 'resource-metadata', at, line);
      if (status !== 200) this.#problem(attempt, 'resource-metadata', line);
      return true;
    }
    if (AS_PATH.test(path)) {
      const attempt = this.#current(at);
      this.#mark(attempt, 'auth-metadata', at, line);
      if (status !== 200) this.#problem(attempt, 'auth-metadata', line);
      return true;
    }
    if (path === '/register' && method === 'POST') {
      const attempt = this.#current(at);
      this.#mark(attempt, 'register', at, line);
      if (status !== 201) this.#problem(attempt, 'register', line);
      return true;
    }
    if (path === '/authorize' && (method === 'GET' || method === 'POST')) {
      const attempt = this.#current(at);
      this.#mark(attempt, 'authorize', at, line);
      if (status >= 400) this.#problem(attempt, 'authorize', line);
      return true;
    }
    if (path === '/token' && method === 'POST' && status >= 400) {
      const attempt = this.#current(at);
      this.#problem(attempt, 'token', line);
      attempt.lastAt = at;
      return true;
    }
    return false;
  }

  #auth(event: Stamped<Extract<CoreEvent, { type: 'auth' }>>): boolean {
    const { at } = event;
    switch (event.kind) {
      case 'client.registered': {
        this.#mark(this.#current(at), 'register', at, event.detail);
        return true;
      }
      case 'token.issued': {
        const attempt = this.#current(at);
        this.#mark(attempt, 'token', at, event.detail);
        attempt.tokenAt = at;
        return true;
      }
      case 'token.refreshed': {
        if (!this.#attempt) return false;
        this.#mark(this.#attempt, 'token', at, event.detail);
        return true;
      }
      case 'token.rejected': {
        const attempt = this.#current(at);
        pushCapped(attempt.tokenRejected, { at, detail: event.detail });
        attempt.lastAt = at;
        this.#problem(attempt, 'mcp', `token rejected: ${event.detail}`);
        return true;
      }
      case 'request.rejected': {
        const attempt = this.#current(at);
        pushCapped(attempt.requestRejected, { at, detail: event.detail });
        attempt.lastAt = at;
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * The attempt an event belongs to. A 401 challenge starts a new one once the current attempt got its
   * tokens or has been idle longer than the stall time (Claude retrying from the start).
   */
  #current(at: number, challenge = false): Attempt {
    const attempt = this.#attempt;
    if (attempt && !(challenge && (attempt.tokenAt !== undefined || at - attempt.lastAt >= this.#stallMs))) {
      return attempt;
    }
    const fresh: Attempt = {
      startedAt: at,
      lastAt: at,
      steps: new Map(),
      prmPaths: new Map(),
      notAcceptable: 0,
      badSession: 0,
      authorized: [],
      tokenRejected: [],
      requestRejected: [],
    };
    this.#attempt = fresh;
    return fresh;
  }

  #mark(attempt: Attempt, id: TimelineStepId, at: number, detail: string): void {
    const state = attempt.steps.get(id);
    if (state) {
      state.count++;
      state.details.push(detail);
      if (state.details.length > 20) state.details.shift();
    } else attempt.steps.set(id, { at, count: 1, details: [detail] });
    attempt.lastAt = Math.max(attempt.lastAt, at);
  }

  #problem(attempt: Attempt, id: TimelineStepId, problem: string): void {
    const state = attempt.steps.get(id);
    if (state) state.problem = problem;
    else attempt.steps.set(id, { at: attempt.lastAt, count: 0, details: [], problem });
  }

  #diagnose(attempt: Attempt, connected: boolean): { text: string; cause?: CauseId } | undefined {
    const now = this.#now();
    const ago = (at: number) => `${Math.max(0, Math.round((now - at) / 1000))} s ago`;
    const stalled = (since: number) => now - since >= this.#stallMs;
    const lastRejected = attempt.requestRejected.at(-1)?.detail;
    const rejectedNote = lastRejected ? ` Ferry logged: ${lastRejected}.` : '';
    const seen = (id: TimelineStepId) => attempt.steps.get(id)?.count ?? 0;

    // A refused token after the last success: the audience (tunnel URL) is the usual reason.
    const lastOk =
      attempt.authorized.filter((r) => r.status >= 200 && r.status < 300).at(-1)?.at ?? -Infinity;
    const rejected = attempt.tokenRejected.filter((r) => r.at > lastOk).at(-1);
    if (rejected) {
      const change = this.#urlChange;
      if (AUDIENCE.test(rejected.detail) || (change && change.at <= rejected.at)) {
        const moved =
          change && change.at <= rejected.at
            ? ` The tunnel URL changed from ${change.previous} to ${change.current} ${ago(change.at)}: tokens issued for the old URL are refused.`
            : '';
        return {
          text: `Claude's token was refused (${rejected.detail}).${moved} ${CAUSES['token-audience'].remedy}`,
          cause: 'token-audience',
        };
      }
      return {
        text: `Claude's token was refused (${rejected.detail}). Claude should refresh it; if it does not, remove the connector in Claude and add it again.`,
        cause: 'token-audience',
      };
    }
    if (!connected && attempt.notAcceptable > 0) {
      return {
        text: `Requests to /mcp were answered 406 (${attempt.notAcceptable}×). ${CAUSES['accept-or-session'].remedy}`,
        cause: 'accept-or-session',
      };
    }
    if (!connected && attempt.badSession > 0) {
      return {
        text: `Authorized requests to /mcp were answered 400 (${attempt.badSession}×), e.g. for a missing session id. ${CAUSES['accept-or-session'].remedy}`,
        cause: 'accept-or-session',
      };
    }
    if (connected) return undefined;

    if (attempt.tokenAt !== undefined) {
      const after = attempt.authorized.some((r) => r.at >= (attempt.tokenAt as number));
      if (!after && stalled(attempt.tokenAt)) {
        return {
          text:
            `Claude got its tokens ${ago(attempt.tokenAt)}, but no authorized request reached /mcp since. ` +
            `Most likely: ${CAUSES['edge-blocks-claude-user'].headline} ${CAUSES['edge-blocks-claude-user'].remedy} ` +
            'Less often the token is for another URL (Ferry would log "token rejected"). Run the doctor on the public URL to tell.',
          cause: 'edge-blocks-claude-user',
        };
      }
      return undefined;
    }
    const consent = attempt.consent;
    if (consent?.state === 'pending') {
      return {
        text: `Waiting for your approval in Ferry${consent.matchCode ? ` (match code ${consent.matchCode})` : ''}.`,
      };
    }
    if (consent?.state === 'denied')
      return { text: 'The connection was denied in Ferry. Connect again from Claude to retry.' };
    if (consent?.state === 'expired') {
      return {
        text: 'The approval request expired before it was approved. Connect again from Claude and approve it in Ferry.',
      };
    }
    const quiet = stalled(attempt.lastAt);
    if (!quiet) return undefined;
    const tokenProblem = attempt.steps.get('token')?.problem;
    if (consent && (consent.state === 'approved' || consent.state === 'remembered')) {
      return {
        text: `Approved ${ago(consent.at)}, but Claude never got its tokens${tokenProblem ? ` (${tokenProblem})` : ''}.${rejectedNote} Connect again from Claude.`,
        cause: 'oauth-authorize',
      };
    }
    if (seen('authorize')) {
      const problem = attempt.steps.get('authorize')?.problem;
      return {
        text: `The browser reached /authorize${problem ? ` and got ${problem}` : ''}, but the approval page never opened.${rejectedNote}`,
        cause: 'oauth-authorize',
      };
    }
    const registerProblem = attempt.steps.get('register')?.problem;
    if (registerProblem) {
      return {
        text: `Claude's client registration failed (${registerProblem}).${rejectedNote} ${CAUSES['oauth-registration'].remedy}`,
        cause: 'oauth-registration',
      };
    }
    if (seen('register')) {
      return {
        text: 'Claude registered a client, but the browser never opened /authorize: Claude shows an error, or the sign-in window was closed.',
        cause: 'oauth-authorize',
      };
    }
    const asProblem = attempt.steps.get('auth-metadata')?.problem;
    if (seen('auth-metadata')) {
      return asProblem
        ? {
            text: `The authorization-server metadata failed (${asProblem}). ${CAUSES['auth-server-metadata'].remedy}`,
            cause: 'auth-server-metadata',
          }
        : {
            text:
              'Claude read the authorization-server metadata, then stopped before registering: it needs PKCE S256 ' +
              `and a registration endpoint (Ferry advertises both).${rejectedNote}`,
            cause: 'pkce-s256',
          };
    }
    if (seen('resource-metadata')) {
      const failedPaths = [...attempt.prmPaths].filter(([, status]) => status !== 200);
      if (failedPaths.length > 0) {
        return {
          text: `Claude asked for the protected-resource metadata at ${failedPaths.map(([p, s]) => `${p} (${s})`).join(', ')}, then stopped. ${CAUSES['resource-metadata'].remedy}`,
          cause: 'resource-metadata',
        };
      }
      const paths = [...attempt.prmPaths.keys()];
      return {
        text:
          paths.length === 1
            ? `Claude fetched the protected-resource metadata at ${paths[0]} only, then stopped: check that "resource" equals the connector URL and "authorization_servers" is reachable.`
            : 'Claude read the protected-resource metadata but never asked for the authorization-server metadata: check "authorization_servers" and "resource".',
        cause: 'resource-metadata',
      };
    }
    if (seen('challenge')) {
      return {
        text: 'Claude got the 401 but never fetched the protected-resource metadata: resource_metadata in the challenge must be an absolute URL on the public host.',
        cause: 'resource-metadata',
      };
    }
    return undefined;
  }
}

/** A connected client keeps making requests: only the latest few matter for a diagnosis. */
function pushCapped<T>(list: T[], item: T, cap = 50): void {
  list.push(item);
  if (list.length > cap) list.shift();
}

/** "GET /x 200 ×3, GET /y 404" from a list of lines. */
function summarizeDetails(details: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const d of details) counts.set(d, (counts.get(d) ?? 0) + 1);
  return [...counts].map(([d, n]) => (n > 1 ? `${d} ×${n}` : d)).join(', ');
}
