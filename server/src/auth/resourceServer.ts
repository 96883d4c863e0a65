import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus } from '../events/bus.js';
import type { BearerVerifier } from './bearer.js';
import { sendBearerChallenge } from './challenge.js';
import type { ResourceUrls } from './resources.js';
import type { AuthStore } from './store/index.js';
import type { AuthorizedRequest } from './types.js';

export interface ResourceServerParts {
  bus: EventBus;
  verifier: BearerVerifier;
  resources: ResourceUrls;
  store: AuthStore;
}

/**
 * The check every MCP request passes: its bearer token, for the resource it asks for. A failure is answered
 * here with the 401 challenge that points the client at the resource's metadata.
 */
export function bearerCheck(
  parts: ResourceServerParts,
): (req: IncomingMessage, res: ServerResponse, resource: string) => Promise<AuthorizedRequest | undefined> {
  const { bus, verifier, resources, store } = parts;
  return async (req, res, resource) => {
    if (new URL(req.url ?? '/', 'http://local').searchParams.has('access_token')) {
      // Tokens in URLs end up in logs and Referers; OAuth 2.1 forbids them. Treat as absent.
      bus.emit({
        type: 'auth',
        kind: 'token.rejected',
        detail: 'access token sent in the query string: refused',
      });
    }
    const result = await verifier.verify(req.headers.authorization, resource);
    if (!result.ok) {
      if (req.headers.authorization) {
        bus.emit({
          type: 'auth',
          kind: 'token.rejected',
          detail: `${result.description} for ${resource}: ${result.reason}`,
        });
      }
      sendBearerChallenge(
        res,
        resources.metadataUrl(resource),
        req.headers.authorization ? result : undefined,
      );
      return undefined;
    }
    const clientId = result.claims.client_id;
    if (clientId) store.touchClient(clientId);
    return { claims: result.claims, clientId, grantId: result.claims.gid as string };
  };
}
