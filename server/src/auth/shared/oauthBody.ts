import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyError, readBody } from '../../util/body.js';
import type { AuthContext } from './context.js';
import { sendJson } from './json.js';

/** `/token` and `POST /authorize` bodies; `/register` has its own, smaller bound (REGISTRATION_LIMITS). */
export const OAUTH_BODY_LIMIT = 64 * 1024;

/**
 * OAuth requests are tiny and sent at once; a larger body is answered 413 (after draining it, so the
 * client reads the answer) and a trickled one 408, instead of being parsed. Undefined: already answered.
 */
export async function readOAuthBody(
  ctx: AuthContext,
  req: IncomingMessage,
  res: ServerResponse,
  limit = OAUTH_BODY_LIMIT,
): Promise<Buffer | undefined> {
  try {
    return await readBody(req, limit, ctx.bodyBounds);
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    const description = error.kind === 'too_large' ? `request body over ${limit / 1024} KiB` : error.message;
    sendJson(
      res,
      error.status,
      { error: 'invalid_request', error_description: description },
      { Connection: 'close' },
    );
    return undefined;
  }
}
