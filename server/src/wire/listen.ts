import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Caller } from '../hub/clientLimits.js';
import type { Hub } from '../hub/hub.js';
import type { HubSession, Scope } from '../hub/session.js';
import { HttpError, sendHttpError } from '../http/jsonRpcHttp.js';
import { SSE_HEADERS, writeSseKeepAlive, writeSseMessage } from '../http/sseStream.js';
import { META } from './protocol.js';
import type { RequestContext } from './requestContext.js';

/** Open `subscriptions/listen` streams: each holds a socket for as long as the client keeps it. */
export const LISTEN_LIMITS = Object.freeze({
  perClient: 10,
  total: 100,
  /** Resource URIs one stream may subscribe to. */
  maxResourceSubscriptions: 100,
});

interface Filter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

interface ListenRequest {
  id: RequestId;
  params: Record<string, unknown>;
  context: RequestContext;
  scope: Scope;
  caller: Caller;
}

const NOTIFICATION_OF: Readonly<Record<string, keyof Filter>> = {
  'notifications/tools/list_changed': 'toolsListChanged',
  'notifications/prompts/list_changed': 'promptsListChanged',
  'notifications/resources/list_changed': 'resourcesListChanged',
  'notifications/resources/updated': 'resourceSubscriptions',
};

/**
 * `subscriptions/listen`, the 2026-07-28 replacement of the GET stream and `resources/subscribe`: a POST
 * whose SSE answer stays open. The first message is the acknowledgement (the notification types Ferry
 * will honour), and every later notification carries the listen request's id as its subscription id.
 * The stream is a hub session of its own, so children's `list_changed` and resource updates reach it the
 * way they reach stateful sessions; only the requested types are written.
 */
export class ListenStreams {
  readonly #open = new Map<
    string,
    { session: HubSession; res: ServerResponse; client: string; id: RequestId }
  >();

  constructor(private readonly options: { hub: Hub; keepAliveMs: () => number }) {}

  get count(): number {
    return this.#open.size;
  }

  async open(_req: IncomingMessage, res: ServerResponse, request: ListenRequest): Promise<void> {
    const { id, params, context, scope, caller } = request;
    const filter = params.notifications;
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
      return sendHttpError(
        res,
        new HttpError(
          400,
          ErrorCode.InvalidParams,
          'Invalid params: "notifications" (the subscription filter) is required',
          {},
          id,
        ),
      );
    }
    const wanted = filter as Filter;
    const uris = Array.isArray(wanted.resourceSubscriptions)
      ? wanted.resourceSubscriptions.filter((u): u is string => typeof u === 'string')
      : [];
    if (uris.length > LISTEN_LIMITS.maxResourceSubscriptions) {
      return sendHttpError(
        res,
        new HttpError(
          400,
          ErrorCode.InvalidParams,
          `Invalid params: at most ${LISTEN_LIMITS.maxResourceSubscriptions} resource subscriptions per stream`,
          {},
          id,
        ),
      );
    }
    let mine = 0;
    for (const open of this.#open.values()) if (open.client === caller.clientId) mine++;
    if (mine >= LISTEN_LIMITS.perClient || this.#open.size >= LISTEN_LIMITS.total) {
      return sendHttpError(
        res,
        new HttpError(
          429,
          ErrorCode.InternalError,
          `Too many listen streams: at most ${LISTEN_LIMITS.perClient} per client and ${LISTEN_LIMITS.total} in all`,
          { 'Retry-After': '30' },
          id,
        ),
      );
    }
    const hub = this.options.hub;
    const endpoint = scope.kind === 'all' ? '/mcp' : `/mcp/${scope.server}`;
    const sessionId = `listen-${randomUUID()}`;
    const session = hub.openSession(sessionId, scope, endpoint, { caller, kind: 'stateless' });
    session.identify({
      protocolVersion: context.protocolVersion,
      clientCapabilities: context.clientCapabilities,
      clientInfo: context.clientInfo,
    });
    const { capabilities } = session.describe();
    const honoured: Filter = {};
    if (wanted.toolsListChanged === true && capabilities.tools) honoured.toolsListChanged = true;
    if (wanted.promptsListChanged === true && capabilities.prompts) honoured.promptsListChanged = true;
    if (wanted.resourcesListChanged === true && capabilities.resources) honoured.resourcesListChanged = true;
    if (uris.length > 0 && capabilities.resources?.subscribe) honoured.resourceSubscriptions = uris;
    const subscriptionMeta = { [META.subscriptionId]: id };

    const write = (message: JSONRPCMessage) => {
      if (!res.writableEnded) writeSseMessage(res, message);
    };
    const transport: Transport = {
      start: () => Promise.resolve(),
      close: () => Promise.resolve(),
      send: (message) => {
        if (!('method' in message) || 'id' in message) return Promise.resolve();
        const key = NOTIFICATION_OF[message.method];
        if (!key || !honoured[key]) return Promise.resolve();
        const notificationParams = (message.params ?? {}) as Record<string, unknown>;
        if (key === 'resourceSubscriptions' && !uris.includes(String(notificationParams.uri))) {
          return Promise.resolve();
        }
        write({
          jsonrpc: '2.0',
          method: message.method,
          params: {
            ...notificationParams,
            _meta: { ...((notificationParams._meta as object | undefined) ?? {}), ...subscriptionMeta },
          },
        });
        return Promise.resolve();
      },
    };
    // The acknowledgement goes first: nothing may reach the stream before it.
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    write({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: honoured, _meta: subscriptionMeta },
    });
    await session.connect(transport);
    for (const uri of honoured.resourceSubscriptions ?? []) session.subscriptions.add(uri);
    this.#open.set(sessionId, { session, res, client: caller.clientId, id });
    // The children must send updates for those URIs: subscribe them (a shared child once for everyone).
    await session.subscribeChildren(honoured.resourceSubscriptions ?? []);
    const timer = setInterval(() => writeSseKeepAlive(res), this.options.keepAliveMs());
    await new Promise<void>((resolve) => {
      res.on('close', () => {
        clearInterval(timer);
        this.#open.delete(sessionId);
        void hub.closeSession(sessionId, 'listen stream closed');
        resolve();
      });
    });
  }

  async closeAll(): Promise<void> {
    for (const { res, id } of this.#open.values()) {
      // A graceful end: the listen request's own response, as the spec asks on shutdown.
      if (!res.writableEnded) {
        writeSseMessage(res, {
          jsonrpc: '2.0',
          id,
          result: { resultType: 'complete', _meta: { [META.subscriptionId]: id } },
        });
        res.end();
      }
    }
    this.#open.clear();
    return Promise.resolve();
  }
}
