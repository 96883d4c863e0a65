import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus } from '../events/bus.js';
import type { ServerHosts } from '../http/serverHosts.js';
import type { SecretStore } from '../secrets/types.js';
import type { BodyBounds } from '../util/body.js';
import type { BearerClaims } from './bearer.js';
import type { ConsentManager } from './consent.js';
import type { RememberedApproval } from './rememberedApprovals.js';
import type { SelfToken } from './selfToken.js';
import type { ResourceUrls } from './resources.js';
import type { AuthStore, ClientSummary } from './store/index.js';

export interface AuthOptions {
  bus: EventBus;
  dataDir: string;
  secrets: () => Promise<SecretStore>;
  /** The externally visible origin (tunnel, reverse proxy, or the local origin). */
  publicOrigin: () => string;
  serverExists: (name: string) => boolean;
  /** Per-server hostnames (`ferry.tunnel.serverHostnames`): each serves one server at exactly `/mcp`. */
  serverHosts?: ServerHosts;
  /** Redirect URIs (or https origins) the user allowed besides Claude's and loopback. */
  extraRedirectUris: () => string[];
  /** Time and drain bounds for /register and /token bodies (default: the public listener's). */
  bodyBounds?: BodyBounds;
}

export interface AuthorizedRequest {
  claims: BearerClaims;
  clientId: string | undefined;
  grantId: string;
}

export interface Auth {
  readonly consents: ConsentManager;
  readonly resources: ResourceUrls;
  readonly store: AuthStore;
  /** Serves OAuth, metadata and consent routes; false when the path is none of them. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** Authorized clients with a name a person recognises (metadata-document clients have no stored name). */
  listClients(): ClientSummary[];
  /** One client's name as `listClients` shows it; undefined for a client Ferry does not know. */
  clientName(clientId: string): string | undefined;
  /** Forgets every remembered approval of this client (part of revoking it). */
  forgetClient(clientId: string): Promise<void>;
  /** Approvals the user chose to remember, each bound to one browser, client, redirect URI and resource. */
  listRemembered(): RememberedApproval[];
  /** Forgets one remembered approval: the next request asks the user again. False when unknown. */
  forgetRemembered(id: string): Promise<boolean>;
  /** Checks the bearer token of an MCP request for `resource`; answers 401 itself when it fails. */
  authorize(
    req: IncomingMessage,
    res: ServerResponse,
    resource: string,
  ): Promise<AuthorizedRequest | undefined>;
  /** A short-lived token for Ferry's own doctor (selfToken.ts); the admin surface is its only caller. */
  mintSelfToken(resource: string): Promise<SelfToken>;
  close(): Promise<void>;
}
