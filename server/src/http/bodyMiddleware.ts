import type { RequestHandler } from 'express';
import { readBody, watchBody, type BodyBounds } from '../util/body.js';

/*
 * Express middleware over Ferry's own body reader. body-parser (`express.json`/`express.raw`) was the first
 * choice and does not fit: it has no idle or total deadline (a trickled body holds its socket until the
 * 408 Ferry owes the client never comes), and past its size limit it reads the whole rest of the body,
 * unbounded, before answering 413. `bounds.ts` promises a 408 within `bodyIdleMs`/`bodyTotalMs` and a 413
 * after at most `drainBytes`/`drainMs`, so the reading stays in `body.ts` and only the wrapping is express.
 */

/**
 * First on a listener: bounds every request body, whoever reads it (a route, oidc-provider, nobody). See
 * `watchBody`.
 */
export function bodyBackstop(bounds: BodyBounds): RequestHandler {
  return (req, res, next) => {
    watchBody(req, res, bounds);
    next();
  };
}

/**
 * Reads the body of a request whose method is in `methods` within `limit` bytes and the body bounds into
 * `req.body` (a Buffer); other methods pass with `req.body` undefined. A failure goes to the error handler as a `BodyError`
 * (413, 408 or 400), which each surface answers in its own wire format.
 */
export function boundedBody(limit: number, bounds: BodyBounds, methods: ReadonlySet<string>): RequestHandler {
  return async (req, _res, next) => {
    if (!methods.has(req.method)) return next();
    req.body = await readBody(req, limit, bounds);
    next();
  };
}
