import type Provider from 'oidc-provider';
import type { EventBus } from '../../events/bus.js';
import type { BodyBounds } from '../../util/body.js';
import type { ConsentManager } from '../consent.js';
import type { ResourceUrls } from '../resources.js';

/** What the endpoint handlers share, built once per Auth by createAuth. */
export interface AuthContext {
  readonly bus: EventBus;
  readonly resources: ResourceUrls;
  readonly consents: ConsentManager;
  /** The externally visible origin (tunnel, reverse proxy, or the local origin). */
  readonly publicOrigin: () => string;
  /** Redirect URIs (or https origins) the user allowed besides Claude's and loopback. */
  readonly extraRedirectUris: () => string[];
  /** Time and drain bounds for /register, /token and consent bodies. */
  readonly bodyBounds: BodyBounds;
  /** The oidc-provider instance for the current public origin, built (and its module loaded) on first use. */
  provider(): Promise<Provider>;
}
