import { createServer, IncomingMessage, ServerResponse, type Server, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

/**
 * An HTTP server for an express app whose requests and responses are born with the app's prototypes.
 *
 * express re-parents every `req` and `res` (`Object.setPrototypeOf` to `app.request` / `app.response`) as it
 * starts handling them. Changing the prototype of a live object gives it a new hidden class, so every Node
 * internal that touched it before (the HTTP parser, `writeHead`, `end`, stream state) meets two shapes and
 * runs slower: on the MCP path that cost more than express's routing itself (bench/profile.js, issue #17).
 * Node lets a server choose the classes it constructs; with the app's prototypes already in place, express's
 * `setPrototypeOf` finds nothing to change and V8 returns early.
 */
export function createExpressServer(app: Express, options: ServerOptions = {}): Server {
  return createServer(
    {
      ...options,
      IncomingMessage: withPrototype(IncomingMessage, app.request),
      ServerResponse: withPrototype(ServerResponse, app.response),
    },
    app,
  );
}

/**
 * A constructor Node can `new` that builds a `base` whose prototype is `prototype`. `Reflect.construct` with
 * the returned function as `new.target` does that whether Node's class is a plain function or an ES class.
 */
function withPrototype<T extends typeof IncomingMessage | typeof ServerResponse>(
  base: T,
  prototype: object,
): T {
  // The signature Node calls: (socket) for a request, (req, options) for a response.
  function Constructed(...args: [Socket] | [IncomingMessage, object?]): object {
    return Reflect.construct(base, args, Constructed) as object;
  }
  Constructed.prototype = prototype;
  return Constructed as unknown as T;
}
