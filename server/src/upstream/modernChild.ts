import { randomUUID } from 'node:crypto';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type {
  ClientCapabilities,
  Implementation,
  JSONRPCMessage,
  ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { META, MODERN_PROTOCOL_VERSION } from '../wire/protocol.js';

/**
 * Every bound of talking 2026-07-28 to a stdio child, in one place.
 */
export const MODERN_CHILD_LIMITS = Object.freeze({
  /**
   * How long a child gets to answer `server/discover` before Ferry takes it for a stateful (<= 2025-11-25)
   * server and sends `initialize`. A modern server answers discovery from memory, in milliseconds; an old
   * one usually answers -32601 at once (then Ferry falls back without waiting), but some ignore unknown
   * methods: the first start of such a server pays this wait, and its later starts (and its other
   * children) skip the probe (`ProbeMemory`). A child that turns out modern only after this wait (slow
   * start, `npx` fetching) is remembered too, and its next start waits as long as initialize.
   */
  discoverTimeoutMs: 2_000,
  /**
   * Rounds of `input_required` one forwarded call may take with a modern child: each round asks the
   * remote client something; a child that asks forever is cut off (the stateless wire's own bound is 32).
   */
  inputRounds: 32,
  /**
   * Resources one modern child's listen stream names for Ferry's sessions: every change re-sends the whole
   * list, so it is bounded (sessions are bounded per client, and each session's subscriptions too).
   */
  watchedResources: 1_000,
});

/** What a modern child says about itself in its `server/discover` answer (it replaces initialize). */
export interface Discovered {
  capabilities: ServerCapabilities;
  serverInfo: Implementation | undefined;
  instructions: string | undefined;
}

/** `unanswered`: the child said nothing within the wait (JSON-RPC owes every request an answer). */
export type ProbeOutcome =
  { modern: true; discovered: Discovered } | { modern: false; why: string; unanswered?: true };

/**
 * What earlier starts of one configured server taught Ferry about probing it. Every child of that server
 * shares it (the shared one, each session's, each pooled one), so a lesson is paid for once; it is
 * forgotten when the server's definition changes, and when Ferry restarts.
 */
export interface ProbeMemory {
  /** It answered discovery as a modern server, but only after the wait: later starts wait longer. */
  slowModern: boolean;
  /**
   * Later starts go straight to `initialize`: it failed its stateful start right after a probe (some servers
   * choke on a request before `initialize`), or it never answered the probe at all.
   */
  skip: boolean;
}

export function freshProbeMemory(): ProbeMemory {
  return { slowModern: false, skip: false };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether a `server/discover` answer is a 2026-07-28 one: a result naming 2026-07-28 among its supported
 * versions, with a capabilities object. Anything else (an error such as -32601, an `initialize`-shaped
 * result, a result for other versions only) means the child is to be initialized the stateful way.
 */
export function readDiscoverAnswer(message: JSONRPCMessage): ProbeOutcome {
  if ('error' in message) {
    return { modern: false, why: `server/discover answered error ${message.error.code}` };
  }
  const result = 'result' in message ? (message.result as unknown) : undefined;
  if (!isObject(result)) return { modern: false, why: 'server/discover answered no result' };
  const versions = result.supportedVersions;
  if (
    !Array.isArray(versions) ||
    !versions.includes(MODERN_PROTOCOL_VERSION) ||
    !isObject(result.capabilities)
  ) {
    return { modern: false, why: `server/discover result does not offer ${MODERN_PROTOCOL_VERSION}` };
  }
  const meta = isObject(result._meta) ? result._meta : {};
  const info = meta[META.serverInfo] ?? result.serverInfo;
  const capabilities: ServerCapabilities = result.capabilities;
  return {
    modern: true,
    discovered: {
      capabilities,
      serverInfo:
        isObject(info) && typeof info.name === 'string' && typeof info.version === 'string'
          ? (info as unknown as Implementation)
          : undefined,
      instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
    },
  };
}

/**
 * The transport Ferry's SDK 1.x `Client` talks to a stdio child through. The 1.x Client knows only the
 * stateful handshake (`initialize`, then `notifications/initialized`) and sends requests without a
 * 2026-07-28 `_meta`; it cannot probe with `server/discover` nor talk statelessly. So this layer sits
 * between the Client and the SDK's stdio transport and does the two things the Client cannot:
 *
 * - `probe()` sends `server/discover` on the raw pipe before any Client is attached, and keeps the answer
 *   (even a late one) away from the Client, which would otherwise report a response to an unknown id;
 * - once the child is known to be modern, every request gets the per-request `_meta` the revision
 *   requires (protocol version, client capabilities, client info; a request's own values win, which is how
 *   a caller's capabilities and log level reach the child), and `notifications/initialized` is dropped.
 *
 * `start()` may be called twice (once for the probe, once by the Client's `connect`); it starts once.
 */
export class ChildWire implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  /** The SDK Client hands the negotiated version (of a stateful child) to transports that ask for it. */
  setProtocolVersion?: (version: string) => void;
  modern = false;
  readonly #inner: Transport;
  readonly #envelope: Record<string, unknown>;
  #started: Promise<void> | undefined;
  /** Ids Ferry itself sent on the raw pipe (the probe, a listen stream): their answers never reach the Client. */
  readonly #own = new Map<string, (message: JSONRPCMessage) => void>();
  #closed = false;
  #closeWaiters: (() => void)[] = [];

  constructor(inner: Transport, who: { clientCapabilities: ClientCapabilities; clientInfo: Implementation }) {
    this.#inner = inner;
    this.#envelope = {
      [META.protocolVersion]: MODERN_PROTOCOL_VERSION,
      [META.clientCapabilities]: who.clientCapabilities,
      [META.clientInfo]: who.clientInfo,
    };
    inner.onmessage = (message) => this.#receive(message);
    inner.onerror = (error) => this.onerror?.(error);
    inner.onclose = () => {
      this.#closed = true;
      for (const wake of this.#closeWaiters.splice(0)) wake();
      this.onclose?.();
    };
  }

  start(): Promise<void> {
    return (this.#started ??= this.#inner.start());
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.modern && 'method' in message) {
      // 2026-07-28 has no initialization: the notification would be an unknown one to a modern child.
      if (message.method === 'notifications/initialized') return Promise.resolve();
      if ('id' in message) message = { ...message, params: this.#stamp(message.params) };
    }
    return this.#inner.send(message, options);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /**
   * Asks the child `server/discover` (2026-07-28, with the per-request `_meta`) and reads the answer: modern
   * when it is a 2026-07-28 discover result; otherwise, or without an answer within `timeoutMs`, not.
   * `onLate` hears an answer that comes after the wait was given up.
   */
  probe(timeoutMs: number, onLate: (outcome: ProbeOutcome) => void): Promise<ProbeOutcome> {
    const id = `ferry-discover-${randomUUID()}`;
    return new Promise((resolve) => {
      let settled = false;
      const done = (outcome: ProbeOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(
        () =>
          done({
            modern: false,
            why: `no answer to server/discover within ${timeoutMs} ms`,
            unanswered: true,
          }),
        timeoutMs,
      );
      this.#own.set(id, (message) => {
        this.#own.delete(id);
        const outcome = readDiscoverAnswer(message);
        if (settled) onLate(outcome);
        else done(outcome);
      });
      this.#closeWaiters.push(() => done({ modern: false, why: 'the child closed its output' }));
      if (this.#closed) done({ modern: false, why: 'the child closed its output' });
      this.#inner
        .send({ jsonrpc: '2.0', id, method: 'server/discover', params: { _meta: { ...this.#envelope } } })
        .catch((error: unknown) => done({ modern: false, why: (error as Error).message }));
    });
  }

  /**
   * Opens a `subscriptions/listen` stream on a modern child: its list changes and the updates of the
   * resources it names arrive as ordinary notifications (the Client hands them to Ferry like a stateful
   * child's). The stream lasts until `unlisten` or the child's end; its final answer, if any, is Ferry's own
   * and dropped here.
   */
  listen(notifications: Record<string, boolean | string[]>): string {
    const id = `ferry-listen-${randomUUID()}`;
    this.#own.set(id, () => this.#own.delete(id));
    this.#inner
      .send({
        jsonrpc: '2.0',
        id,
        method: 'subscriptions/listen',
        params: { notifications, _meta: { ...this.#envelope } },
      })
      .catch(() => this.#own.delete(id));
    return id;
  }

  /** Ends a listen stream `listen` opened (a newer one with other filters replaces it). */
  unlisten(id: string): void {
    if (!this.#own.delete(id)) return;
    this.#inner
      .send({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: id, reason: 'replaced by a listen stream with other filters' },
      })
      .catch(() => undefined);
  }

  #stamp(params: unknown): Record<string, unknown> {
    const given = isObject(params) ? params : {};
    const meta = isObject(given._meta) ? given._meta : {};
    return { ...given, _meta: { ...this.#envelope, ...meta } };
  }

  #receive(message: JSONRPCMessage): void {
    if (!('method' in message) && 'id' in message && typeof message.id === 'string') {
      const own = this.#own.get(message.id);
      if (own) return own(message);
    }
    this.onmessage?.(message);
  }
}
