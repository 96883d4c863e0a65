import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Protocol, type RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import {
  ErrorCode,
  McpError,
  ResultSchema,
  type ClientCapabilities,
  type ClientNotification,
  type ClientRequest,
  type Implementation,
  type JSONRPCRequest,
  type LoggingLevel,
  type Notification,
  type Progress,
  type Prompt,
  type Resource,
  type ResourceTemplate,
  type Result,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { ServerOptions, ServerSpec } from '../config/schema.js';
import type { UpstreamState } from '../events/types.js';
import { childEnvironment } from './environment.js';
import { isAlive, signalTree, sleep, waitForExit, descendantsOf } from './processTree.js';
import { LineReadBuffer } from './lineBuffer.js';
import { StderrSink } from './stderr.js';
import {
  ChildWire,
  freshProbeMemory,
  MODERN_CHILD_LIMITS,
  type Discovered,
  type ProbeMemory,
  type ProbeOutcome,
} from './modernChild.js';
import { META, MODERN_PROTOCOL_VERSION } from '../wire/protocol.js';

export interface RestartPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
  maxExits: number;
  windowSeconds: number;
  killGraceMs: number;
}

/** What the child told us at initialize, plus everything it lists; refreshed on list_changed. */
export interface UpstreamCatalog {
  serverInfo: Implementation;
  protocolVersion: string | undefined;
  capabilities: ServerCapabilities;
  instructions: string | undefined;
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
  prompts: Prompt[];
}

export type UpstreamRequestExtra = RequestHandlerExtra<ClientRequest, ClientNotification>;

export interface UpstreamHooks {
  /** A request from the child to its client (sampling, elicitation, roots/list): the hub routes it. */
  onRequest(upstream: Upstream, request: JSONRPCRequest, extra: UpstreamRequestExtra): Promise<Result>;
  /** Logging, resources/updated and other notifications; list_changed arrives after the catalog refreshed. */
  onNotification(upstream: Upstream, notification: Notification): void;
  onState(upstream: Upstream): void;
  onStderr(upstream: Upstream, line: string): void;
  /** The child broke the protocol (non-JSON on stdout, an oversized message): worth a warning, not a crash. */
  onProtocolError(upstream: Upstream, message: string): void;
}

export interface UpstreamInit {
  name: string;
  spec: ServerSpec;
  options: ServerOptions;
  policy: RestartPolicy;
  /** Capabilities Ferry declares to the child as its client. */
  clientCapabilities: ClientCapabilities;
  clientInfo: Implementation;
  hooks: UpstreamHooks;
  /** Turns `${secret:…}` env references into values; throws with a user-facing reason when one is missing. */
  resolveEnv: (env: Record<string, string>, server: string) => Promise<Record<string, string>>;
  /** First start (initialize included) may take this long, e.g. `npx` fetching a package. */
  initTimeoutMs?: number;
  /** Largest single message accepted from the child; a larger one ends the child (it cannot be resynced). */
  maxMessageBytes?: number;
  /** How long the child gets to answer `server/discover` (default `MODERN_CHILD_LIMITS.discoverTimeoutMs`). */
  discoverTimeoutMs?: number;
  /** Shared by every child of the same configured server (default: this child's own). */
  probeMemory?: ProbeMemory;
}

/** One request a modern child asks its client through an `input_required` result (2026-07-28). */
export interface InputRequest {
  method: string;
  params: Record<string, unknown>;
}

export interface ForwardOptions {
  signal?: AbortSignal;
  onprogress?: (progress: Progress) => void;
  /** The caller's capabilities for this request: a modern child reads them from the request's `_meta`. */
  clientCapabilities?: ClientCapabilities;
  /** The caller's log level: a modern child logs for a request only when it carries one. */
  logLevel?: LoggingLevel;
  /**
   * Asks the caller what a modern child needs to go on (`input_required`), under the child's key; without
   * it such a call fails with a clear error.
   */
  onInput?: (key: string, request: InputRequest) => Promise<Result>;
}

/**
 * Ferry's client of one child. 2026-07-28 has no `initialize`: a modern child's connection is open as soon
 * as the pipe is, so `attach` connects the SDK's protocol engine without the 1.x Client's handshake.
 */
class ChildClient extends Client {
  async attach(transport: Transport): Promise<void> {
    await Protocol.prototype.connect.call(this, transport);
  }
}

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  duringInit: boolean;
}

/**
 * Ferry forwards results untouched and leaves validating them to the remote client, so its clients need
 * no JSON Schema engine; the SDK's default builds a whole Ajv instance per client, per child.
 */
const PASS_THROUGH_VALIDATOR: jsonSchemaValidator = {
  getValidator<T>(): JsonSchemaValidator<T> {
    return (input) => ({ valid: true, data: input as T, errorMessage: undefined });
  },
};

/**
 * After a request to a child times out, Ferry pings it; a child that does not answer the ping within this
 * long has stopped answering altogether (hung, or paused) and is restarted. A ping costs the child nothing,
 * so a slow but live child answers it at once and is left alone.
 */
export const HUNG_PING_TIMEOUT_MS = 5_000;

/** A spawn that cannot succeed by retrying (missing program, bad secret reference). */
class PermanentStartError extends Error {}

/**
 * The secret store could not be read (a locked or stopped keychain, an unreadable secrets file). The child
 * never ran, so this is no crash: Ferry keeps trying with backoff and starts it once the store is back.
 */
class StoreUnavailableError extends Error {}

/** Codes of `SecretStoreError`s that say the store itself failed, not that a secret is missing. */
const STORE_UNAVAILABLE_CODES: ReadonlySet<string> = new Set(['keychain_unavailable', 'secret_store_io']);

/**
 * Supervises one stdio MCP server: spawns it with the SDK's stdio transport, initializes it, caches its
 * catalog, restarts it with exponential backoff when it exits, and gives up (`crashed`) on a crash loop.
 */
export class Upstream {
  readonly name: string;
  #spec: ServerSpec;
  readonly options: ServerOptions;
  readonly #init: UpstreamInit;
  #state: UpstreamState = 'stopped';
  #stateSince = Date.now();
  #reason: string | undefined;
  #catalog: UpstreamCatalog | undefined;
  #client: Client | undefined;
  #transport: StdioClientTransport | undefined;
  /** Set while the running child speaks 2026-07-28 (from its `server/discover` answer). */
  #discovered: Discovered | undefined;
  /** What earlier starts taught about probing this server (`ProbeMemory`). */
  readonly #probeMemory: ProbeMemory;
  /** A modern child's pipe and its current listen stream, re-opened when the watched resources change. */
  #modernWire:
    { wire: ChildWire; capabilities: ServerCapabilities; listenId: string | undefined } | undefined;
  /** Resources Ferry's sessions follow on a modern child (2026-07-28 has no `resources/subscribe`). */
  readonly #watched = new Set<string>();
  #pid: number | undefined;
  #exits: number[] = [];
  #stopping = false;
  #loop: Promise<void> | undefined;
  #wake = new AbortController();
  #settledWaiters: (() => void)[] = [];
  #refreshing: Promise<void> | undefined;
  #protocolVersion: string | undefined;
  #lastProtocolError: string | undefined;
  #protocolErrorWindow = { start: 0, count: 0 };
  /** The client a liveness ping is in flight for (one at a time, however many requests time out). */
  #pinging: Client | undefined;
  /** Why Ferry ended the current child itself, for the restart reason. */
  #endedBecause: string | undefined;
  readonly stderr: StderrSink;

  constructor(init: UpstreamInit) {
    this.name = init.name;
    this.#spec = init.spec;
    this.options = init.options;
    this.#init = init;
    this.#probeMemory = init.probeMemory ?? freshProbeMemory();
    this.stderr = new StderrSink((line) => init.hooks.onStderr(this, line));
  }

  get state(): UpstreamState {
    return this.#state;
  }
  get reason(): string | undefined {
    return this.#reason;
  }
  /** When the current state began (epoch ms): the window shows how long a server has been starting. */
  get stateSince(): number {
    return this.#stateSince;
  }
  get pid(): number | undefined {
    return this.#pid;
  }
  get spec(): ServerSpec {
    return this.#spec;
  }
  /** Undefined until the first successful initialize; kept while restarting so lists stay stable. */
  get catalog(): UpstreamCatalog | undefined {
    return this.#catalog;
  }
  get isReady(): boolean {
    return this.#state === 'ready' && this.#client !== undefined;
  }
  /** True while the running child speaks the stateless 2026-07-28 revision (no setLevel, no subscribe). */
  get isModern(): boolean {
    return this.#discovered !== undefined;
  }

  start(): void {
    if (this.#loop) return;
    this.#stopping = false;
    this.#wake = new AbortController();
    this.#exits = [];
    this.#loop = this.#supervise().finally(() => {
      this.#loop = undefined;
    });
  }

  /** Stops the child and its whole process tree; in-flight requests fail at once with a clear error. */
  async stop(finalState: 'stopped' | 'disabled' = 'stopped', reason?: string): Promise<void> {
    this.#stopping = true;
    this.#wake.abort();
    await this.#terminateChild();
    await this.#loop;
    this.#setState(finalState, reason);
  }

  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }

  /** Resolves once the server is ready, crashed, stopped or disabled. */
  whenSettled(): Promise<void> {
    if (!['starting', 'restarting'].includes(this.#state)) return Promise.resolve();
    return new Promise((resolve) => this.#settledWaiters.push(resolve));
  }

  async request(
    method: string,
    params: Record<string, unknown> | undefined,
    options: ForwardOptions = {},
  ): Promise<Result> {
    if (this.#state === 'starting' || this.#state === 'restarting') await this.#settled(options.signal);
    const client = this.#client;
    if (!client || this.#state !== 'ready') throw this.#notReadyError();
    if (!this.#discovered) return this.#send(client, method, params, options);
    // A modern child reads who asks from each request: the caller's capabilities and log level.
    const meta = { ...((params?._meta as Record<string, unknown> | undefined) ?? {}) };
    if (options.clientCapabilities) meta[META.clientCapabilities] = options.clientCapabilities;
    if (options.logLevel) meta[META.logLevel] = options.logLevel;
    let current: Record<string, unknown> = { ...(params ?? {}), _meta: meta };
    for (let round = 0; ; round++) {
      const result = await this.#send(client, method, current, options);
      if (result.resultType !== 'input_required') return result;
      current = { ...current, ...(await this.#gatherInput(method, result, round, options)) };
    }
  }

  /**
   * A modern child needs input (2026-07-28 `input_required`): each of its requests is asked of the caller
   * under the child's own key, and the call is sent again with the answers and the child's state.
   */
  async #gatherInput(
    method: string,
    result: Result,
    round: number,
    options: ForwardOptions,
  ): Promise<Record<string, unknown>> {
    const onInput = options.onInput;
    if (!onInput) {
      throw new McpError(
        ErrorCode.InvalidRequest,
        `server "${this.name}" needs input from the client to answer ${method}, which this request cannot ask for`,
      );
    }
    if (round >= MODERN_CHILD_LIMITS.inputRounds) {
      throw new McpError(
        ErrorCode.InternalError,
        `server "${this.name}" asked for input more than ${MODERN_CHILD_LIMITS.inputRounds} times in one call`,
      );
    }
    const asked = result.inputRequests;
    const entries =
      asked && typeof asked === 'object' && !Array.isArray(asked)
        ? Object.entries(asked as Record<string, unknown>)
        : [];
    const requests = entries.filter(
      (entry): entry is [string, InputRequest] =>
        typeof (entry[1] as InputRequest | undefined)?.method === 'string',
    );
    if (requests.length === 0) {
      throw new McpError(
        ErrorCode.InternalError,
        `server "${this.name}" answered input_required without any input request`,
      );
    }
    const answers = await Promise.all(
      requests.map(
        async ([key, request]) =>
          [key, await onInput(key, { method: request.method, params: request.params ?? {} })] as const,
      ),
    );
    return {
      inputResponses: Object.fromEntries(answers),
      ...(typeof result.requestState === 'string' ? { requestState: result.requestState } : {}),
    };
  }

  async #send(
    client: Client,
    method: string,
    params: Record<string, unknown> | undefined,
    options: ForwardOptions,
  ): Promise<Result> {
    const timeout = this.options.requestTimeoutSeconds * 1000;
    try {
      return await client.request({ method, params }, ResultSchema, {
        signal: options.signal,
        onprogress: options.onprogress,
        timeout,
        resetTimeoutOnProgress: true,
        maxTotalTimeout: timeout * 4,
      });
    } catch (error) {
      if (error instanceof McpError && error.code === (ErrorCode.RequestTimeout as number)) {
        void this.#checkAlive(client);
      }
      if (error instanceof McpError && error.code === (ErrorCode.ConnectionClosed as number)) {
        throw new McpError(
          ErrorCode.ConnectionClosed,
          `server "${this.name}" ${this.#stopping ? 'was stopped' : 'exited'} while handling ${method}${this.#exitHint()}`,
        );
      }
      throw error;
    }
  }

  async notify(notification: Notification): Promise<void> {
    if (this.#client && this.#state === 'ready') await this.#client.notification(notification);
  }

  /**
   * Without this a child that stops answering (a deadlock, a blocked read) would stay "ready" for ever:
   * every call to it would wait its full timeout and fail, and nothing would restart it.
   */
  async #checkAlive(client: Client): Promise<void> {
    if (this.#pinging === client) return;
    this.#pinging = client;
    try {
      await client.ping({ timeout: HUNG_PING_TIMEOUT_MS });
    } catch {
      const transport = this.#transport;
      if (this.#client !== client || !transport || this.#stopping) return;
      this.#endedBecause = `it stopped answering (a request timed out, then a ping got no answer in ${HUNG_PING_TIMEOUT_MS / 1000}s)`;
      this.#client = undefined;
      await this.#killTransport(transport, client);
    } finally {
      if (this.#pinging === client) this.#pinging = undefined;
    }
  }

  /** A call that arrives while the child is (re)starting waits for it, up to 30 s or the caller's cancel. */
  async #settled(signal: AbortSignal | undefined): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.whenSettled(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 30_000);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      }),
    ]);
    clearTimeout(timer);
  }

  #notReadyError(): McpError {
    const why = this.#reason ? `: ${this.#reason}` : '';
    return new McpError(
      ErrorCode.ConnectionClosed,
      `server "${this.name}" is not available (${this.#state})${why}`,
    );
  }

  #exitHint(): string {
    if (this.#lastProtocolError) return ` (${this.#lastProtocolError})`;
    const last = this.stderr.tail.toArray(1)[0];
    return last ? ` (last stderr: ${last.slice(0, 300)})` : '';
  }

  #protocolError(error: Error): void {
    // A program that cannot be started is no protocol error: the crash reason says so, once, in words.
    if (/^spawn\b/.test(String((error as NodeJS.ErrnoException).syscall ?? ''))) return;
    const message = error.message.slice(0, 300);
    if (/maximum size/.test(message)) {
      this.#lastProtocolError = `it sent a message over the ${Math.round((this.#init.maxMessageBytes ?? 32 * 1024 * 1024) / 1048576)} MiB limit`;
    }
    // A child printing junk on stdout would otherwise flood the log with one warning per line.
    const now = Date.now();
    if (now - this.#protocolErrorWindow.start > 1000) this.#protocolErrorWindow = { start: now, count: 0 };
    if (this.#protocolErrorWindow.count++ < 10) {
      this.#init.hooks.onProtocolError(
        this,
        `protocol error from the child (stdout must carry only JSON-RPC): ${message}`,
      );
    }
  }

  #setState(state: UpstreamState, reason?: string): void {
    const changed = state !== this.#state || reason !== this.#reason;
    if (state !== this.#state) this.#stateSince = Date.now();
    this.#state = state;
    this.#reason = reason;
    if (!['starting', 'restarting'].includes(state)) {
      for (const resolve of this.#settledWaiters.splice(0)) resolve();
    }
    if (changed) this.#init.hooks.onState(this);
  }

  async #supervise(): Promise<void> {
    const policy = this.#init.policy;
    let consecutive = 0;
    while (!this.#stopping) {
      this.#setState(
        consecutive === 0 ? 'starting' : 'restarting',
        consecutive === 0 ? undefined : this.#reason,
      );
      const startedAt = Date.now();
      let exit: ChildExit;
      try {
        exit = await this.#runChild();
      } catch (error) {
        if (error instanceof PermanentStartError) {
          this.#setState('crashed', error.message);
          return;
        }
        if (error instanceof StoreUnavailableError) {
          if (this.#stopping) return;
          consecutive++;
          const delay = Math.min(policy.initialBackoffMs * 2 ** (consecutive - 1), policy.maxBackoffMs);
          this.#setState('restarting', `${error.message}; trying again in ${(delay / 1000).toFixed(1)}s`);
          await sleep(delay, this.#wake.signal);
          continue;
        }
        exit = { code: null, signal: null, duringInit: true };
        this.#reason = `failed to start: ${(error as Error).message}`;
      }
      if (this.#stopping) return;
      const now = Date.now();
      // A child that stayed up a whole window earns a fresh backoff.
      if (now - startedAt > policy.windowSeconds * 1000) consecutive = 0;
      this.#exits = this.#exits.filter((t) => now - t < policy.windowSeconds * 1000);
      this.#exits.push(now);
      const exitText = this.#endedBecause ?? describeExit(exit);
      this.#endedBecause = undefined;
      const tail = this.stderr.tail.toArray(5).join(' | ');
      if (this.#exits.length >= policy.maxExits) {
        this.#setState(
          'crashed',
          `${exitText}; it exited ${this.#exits.length === 1 ? 'once' : `${this.#exits.length} times`} in ${policy.windowSeconds}s, so Ferry stopped restarting it` +
            (tail ? `. Last stderr: ${tail}` : ''),
        );
        return;
      }
      consecutive++;
      const delay = Math.min(policy.initialBackoffMs * 2 ** (consecutive - 1), policy.maxBackoffMs);
      this.#setState('restarting', `${exitText}; restarting in ${(delay / 1000).toFixed(1)}s`);
      await sleep(delay, this.#wake.signal);
    }
  }

  /** Runs one child from spawn to exit. Resolves with how it exited. */
  async #runChild(): Promise<ChildExit> {
    let env: Record<string, string>;
    try {
      env = await this.#init.resolveEnv(this.#spec.env ?? {}, this.name);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && STORE_UNAVAILABLE_CODES.has(code)) {
        throw new StoreUnavailableError(`cannot read its secrets: ${(error as Error).message}`);
      }
      throw new PermanentStartError((error as Error).message);
    }
    // Stopped while the environment resolved: nothing is spawned yet, and stop() could not kill what it never saw.
    if (this.#stopping) return { code: null, signal: null, duringInit: true };
    const transport = new StdioClientTransport({
      command: this.#spec.command,
      args: this.#spec.args ?? [],
      env: childEnvironment(env),
      cwd: this.#spec.cwd,
      stderr: 'pipe',
      maxBufferSize: this.#init.maxMessageBytes ?? 32 * 1024 * 1024,
    });
    // The SDK's reader is private and quadratic on large messages; ours has the same contract.
    (transport as unknown as { _readBuffer: LineReadBuffer })._readBuffer = new LineReadBuffer(
      this.#init.maxMessageBytes ?? 32 * 1024 * 1024,
    );
    this.#lastProtocolError = undefined;
    const stderrStream = transport.stderr;
    if (stderrStream) this.stderr.attach(stderrStream as Readable);
    const client = new ChildClient(this.#init.clientInfo, {
      capabilities: this.#init.clientCapabilities,
      jsonSchemaValidator: PASS_THROUGH_VALIDATOR,
    });
    client.fallbackRequestHandler = (request, extra) => this.#init.hooks.onRequest(this, request, extra);
    client.fallbackNotificationHandler = (notification) => this.#onNotification(notification);
    const wire = new ChildWire(transport, {
      clientCapabilities: this.#init.clientCapabilities,
      clientInfo: this.#init.clientInfo,
    });
    wire.onerror = (error) => this.#protocolError(error);

    let duringInit = true;
    const exited = new Promise<ChildExit>((resolve) => {
      let exitInfo: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
      wire.onclose = () => resolve({ ...exitInfo, duringInit });
      const originalStart = transport.start.bind(transport);
      transport.start = async () => {
        await originalStart();
        // The SDK keeps the ChildProcess private; its exit code and signal are what the user needs in a crash reason.
        const child = (transport as unknown as { _process?: ChildProcess })._process;
        child?.once('exit', (code, signal) => (exitInfo = { code, signal }));
      };
    });
    // The SDK Client hands the negotiated version only to transports that ask for it.
    wire.setProtocolVersion = (version: string) => {
      this.#protocolVersion = version;
    };
    this.#transport = transport;
    this.#discovered = undefined;
    this.#protocolVersion = undefined;
    const memory = this.#probeMemory;
    let probed = false;
    try {
      await wire.start();
      const probe: ProbeOutcome = memory.skip
        ? { modern: false, why: 'not probed' }
        : await this.#probe(wire);
      probed = !memory.skip;
      if (probe.modern) {
        wire.modern = true;
        this.#discovered = probe.discovered;
        this.#protocolVersion = MODERN_PROTOCOL_VERSION;
        await client.attach(wire);
      } else {
        await client.connect(wire, { timeout: this.#init.initTimeoutMs ?? 60_000 });
        // A stateful server that ignores requests it does not know would make every start (and every
        // session's or client's own child) wait out the probe: the lesson is learnt once.
        if (probe.unanswered && !memory.slowModern) {
          memory.skip = true;
          this.#init.hooks.onProtocolError(
            this,
            `it never answered server/discover (JSON-RPC owes every request an answer), which cost this start ${this.#discoverWaitMs()} ms; its next starts go straight to initialize until its definition changes or Ferry restarts`,
          );
        }
      }
    } catch (error) {
      this.#transport = undefined;
      this.#discovered = undefined;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES') {
        throw new PermanentStartError(
          code === 'ENOENT'
            ? `cannot run "${this.#spec.command}": no such program (check the command, or that it is installed and on PATH)`
            : `cannot run "${this.#spec.command}": permission denied`,
        );
      }
      if (probed && !wire.modern) memory.skip = true;
      await this.#killTransport(transport, client);
      const exit = await exited;
      if (!this.#stopping) this.#reason = `initialize failed: ${(error as Error).message}`;
      return exit;
    }
    keepNotificationsBeforeResponses(wire);
    this.#pid = transport.pid ?? undefined;
    this.#client = client;
    try {
      this.#catalog = await this.#loadCatalog(client);
    } catch (error) {
      this.#reason = `listing its tools failed: ${(error as Error).message}`;
      this.#client = undefined;
      await this.#killTransport(transport, client);
      return exited;
    }
    duringInit = false;
    // A modern child announces list changes only on a `subscriptions/listen` stream: Ferry opens one.
    if (this.#discovered) {
      this.#modernWire = { wire, capabilities: this.#discovered.capabilities, listenId: undefined };
      this.#relisten();
    }
    if (!this.#stopping) this.#setState('ready');
    const exit = await exited;
    this.#client = undefined;
    this.#transport = undefined;
    this.#discovered = undefined;
    this.#modernWire = undefined;
    this.#pid = undefined;
    return exit;
  }

  /** `server/discover` first; a child that answers it as a 2026-07-28 server is never sent `initialize`. */
  async #probe(wire: ChildWire): Promise<ProbeOutcome> {
    const wait = this.#discoverWaitMs();
    const memory = this.#probeMemory;
    const outcome = await wire.probe(wait, (late) => {
      if (!late.modern) return;
      memory.slowModern = true;
      memory.skip = false;
      this.#init.hooks.onProtocolError(
        this,
        `it answered server/discover as an MCP ${MODERN_PROTOCOL_VERSION} server only after ${wait} ms; its next start waits longer for that answer`,
      );
    });
    return outcome;
  }

  /** How long a probe waits: the usual short wait, or as long as `initialize` for a server known to be slow. */
  #discoverWaitMs(): number {
    return this.#probeMemory.slowModern
      ? (this.#init.initTimeoutMs ?? 60_000)
      : (this.#init.discoverTimeoutMs ?? MODERN_CHILD_LIMITS.discoverTimeoutMs);
  }

  /**
   * One listen stream per modern child carries everything Ferry wants from it: the list changes it
   * announces and the updates of the resources sessions follow. A change of those resources replaces it.
   */
  #relisten(): void {
    const current = this.#modernWire;
    if (!current) return;
    const { capabilities } = current;
    const wanted: Record<string, boolean | string[]> = {};
    if (capabilities.tools?.listChanged) wanted.toolsListChanged = true;
    if (capabilities.prompts?.listChanged) wanted.promptsListChanged = true;
    if (capabilities.resources?.listChanged) wanted.resourcesListChanged = true;
    if (this.#watched.size > 0 && capabilities.resources?.subscribe) {
      wanted.resourceSubscriptions = [...this.#watched];
    }
    if (current.listenId !== undefined) current.wire.unlisten(current.listenId);
    current.listenId = Object.keys(wanted).length > 0 ? current.wire.listen(wanted) : undefined;
  }

  /**
   * A session follows (or stops following) a resource of a modern child: its listen stream is re-opened
   * naming the resources followed now. Kept across restarts of the child; a stateful child is asked with
   * `resources/subscribe` instead.
   */
  watchResource(uri: string, follow: boolean): void {
    if (follow === this.#watched.has(uri)) return;
    if (follow && this.#watched.size >= MODERN_CHILD_LIMITS.watchedResources) {
      throw new McpError(
        ErrorCode.InvalidRequest,
        `server "${this.name}" already has ${MODERN_CHILD_LIMITS.watchedResources} resources followed; unsubscribe from some first`,
      );
    }
    if (follow) this.#watched.add(uri);
    else this.#watched.delete(uri);
    // A child that cannot follow resources gets the same stream it has: nothing to replace.
    if (this.#modernWire?.capabilities.resources?.subscribe) this.#relisten();
  }

  async #terminateChild(): Promise<void> {
    const transport = this.#transport;
    const client = this.#client;
    this.#client = undefined;
    if (transport) await this.#killTransport(transport, client);
  }

  /** Ends stdin, then SIGTERM, then SIGKILL, each to the whole tree, with `killGraceMs` between. */
  async #killTransport(transport: StdioClientTransport, client: Client | undefined): Promise<void> {
    const pid = transport.pid;
    const grace = this.#init.policy.killGraceMs;
    const snapshot = pid ? [pid, ...(await descendantsOf(pid))] : [];
    const closing = (client ?? transport).close().catch(() => undefined);
    if (pid) {
      let alive = await waitForExit([pid], grace);
      if (alive.length > 0) {
        snapshot.push(...(await signalTree(pid, 'SIGTERM')));
        alive = await waitForExit([pid], grace);
      }
      if (alive.length > 0) snapshot.push(...(await signalTree(pid, 'SIGKILL')));
      for (const member of new Set(snapshot)) {
        if (member !== pid && isAlive(member)) {
          try {
            process.kill(member, 'SIGKILL');
          } catch {
            // Gone between the check and the kill.
          }
        }
      }
    }
    await closing;
  }

  async #loadCatalog(client: Client): Promise<UpstreamCatalog> {
    const discovered = this.#discovered;
    const capabilities = discovered?.capabilities ?? client.getServerCapabilities() ?? {};
    const [tools, resources, resourceTemplates, prompts] = await Promise.all([
      capabilities.tools ? this.#listAll<Tool>(client, 'tools/list', 'tools') : [],
      capabilities.resources ? this.#listAll<Resource>(client, 'resources/list', 'resources') : [],
      capabilities.resources
        ? this.#listAll<ResourceTemplate>(client, 'resources/templates/list', 'resourceTemplates').catch(
            () => [],
          )
        : [],
      capabilities.prompts ? this.#listAll<Prompt>(client, 'prompts/list', 'prompts') : [],
    ]);
    return {
      serverInfo: (discovered ? discovered.serverInfo : client.getServerVersion()) ?? {
        name: this.name,
        version: '0',
      },
      protocolVersion: this.#protocolVersion,
      capabilities,
      instructions: discovered ? discovered.instructions : client.getInstructions(),
      tools,
      resources,
      resourceTemplates,
      prompts,
    };
  }

  async #listAll<T>(client: Client, method: string, key: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    // A server that pages forever is cut off rather than trusted.
    for (let page = 0; page < 100; page++) {
      const result = await client.request({ method, params: cursor ? { cursor } : {} }, ResultSchema, {
        timeout: 30_000,
      });
      const list = (result as Record<string, unknown>)[key];
      if (Array.isArray(list)) items.push(...(list as T[]));
      cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
      if (!cursor) break;
    }
    return items;
  }

  async #onNotification(notification: Notification): Promise<void> {
    const method = notification.method;
    // The acknowledgement of Ferry's own listen stream on a modern child is for Ferry, not for any client.
    if (method === 'notifications/subscriptions/acknowledged') return;
    if (method.endsWith('/list_changed') && this.#client && this.#catalog) {
      await this.#refreshCatalog();
    }
    this.#init.hooks.onNotification(this, notification);
  }

  async #refreshCatalog(): Promise<void> {
    // Bursts of list_changed collapse into one refresh that starts after the current one.
    if (this.#refreshing) return this.#refreshing;
    this.#refreshing = (async () => {
      try {
        const client = this.#client;
        if (client) this.#catalog = await this.#loadCatalog(client);
      } catch {
        // Keep the previous catalog; the child will announce again or crash visibly.
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }
}

export function describeExit(exit: ChildExit): string {
  const how =
    exit.signal != null
      ? `was killed by ${exit.signal}`
      : exit.code != null
        ? `exited with code ${exit.code}`
        : 'stopped';
  return exit.duringInit ? `it ${how} before finishing initialize` : `it ${how}`;
}

/**
 * The SDK dispatches notifications on a microtask but settles responses synchronously, so when a child's
 * last progress notification and its result arrive in one read, the request settles first and the
 * progress is dropped as unknown. When a notification arrived in the current tick, a response waits for
 * the next macrotask, after every queued notification handler; otherwise it is delivered at once.
 */
function keepNotificationsBeforeResponses(transport: Transport): void {
  const deliver = transport.onmessage;
  if (!deliver) return;
  let notificationThisTick = false;
  transport.onmessage = (message) => {
    const isNotification = 'method' in message && !('id' in message);
    const isResponse = !('method' in message) && 'id' in message;
    if (isNotification && !notificationThisTick) {
      notificationThisTick = true;
      setImmediate(() => (notificationThisTick = false));
    }
    if (isResponse && notificationThisTick) setImmediate(() => deliver(message));
    else deliver(message);
  };
}
