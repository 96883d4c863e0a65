import path from 'node:path';
import type Provider from 'oidc-provider';
import { DEFAULT_LISTENER_BOUNDS } from '../http/bounds.js';
import type * as ProviderModuleNs from './provider.js';
import { BearerVerifier } from './bearer.js';
import { ConsentManager } from './consent.js';
import { loadOrCreateKeys, type AuthKeys } from './keys.js';
import { CLAUDE_CLIENT_METADATA, CLAUDE_CLIENT_METADATA_URL, createCimdFetch } from './policy/cimdFetch.js';
import { MetadataFetchLimit } from './policy/metadataFetchLimit.js';
import { redirectUriProblem } from './policy/redirectUris.js';
import { mirrorProviderEvents } from './providerEvents.js';
import { RememberedApprovals } from './rememberedApprovals.js';
import { bearerCheck } from './resourceServer.js';
import { ResourceUrls } from './resources.js';
import { mintSelfToken } from './selfToken.js';
import { authRoutes } from './routes.js';
import type { AuthContext } from './shared/context.js';
import { safeHost } from './shared/safeHost.js';
import { AuthStore } from './store/index.js';
import type { Auth, AuthOptions } from './types.js';

type ProviderModule = typeof ProviderModuleNs;

/** Clients registered but never approved are forgotten after a day (Claude registers on every connection). */
const UNAPPROVED_CLIENT_TTL_SECONDS = 24 * 60 * 60;
/** How often the unapproved clients are swept: hourly is plenty for a one-day lifetime. */
const SWEEP_INTERVAL_MS = 60 * 60_000;

/**
 * The OAuth 2.1 authorization server in front of `/mcp`, built on oidc-provider with Ferry's policies
 * around it: Claude's malformed scopes normalized, redirect URIs limited, registration rate-limited,
 * consent decided on this machine, tokens checked with jose on every request.
 */
export async function createAuth(options: AuthOptions): Promise<Auth> {
  const { bus } = options;
  const keys: AuthKeys = await loadOrCreateKeys(await options.secrets());
  const store = await AuthStore.open(path.join(options.dataDir, 'oauth-state.json'));
  const { approvals: remembered, legacyCleared } = await RememberedApprovals.open(options.dataDir);
  if (legacyCleared) {
    bus.log(
      'warn',
      'auth',
      'remembered approvals from an earlier Ferry were cleared: they were not bound to your browser, so anyone could use them. Apps you had remembered ask once more.',
    );
  }
  const resources = new ResourceUrls(options.publicOrigin, options.serverExists, options.serverHosts);
  const pinnedDocuments = { [CLAUDE_CLIENT_METADATA_URL]: CLAUDE_CLIENT_METADATA };
  const metadataFetches = new MetadataFetchLimit(Object.keys(pinnedDocuments));
  const cimdFetch = createCimdFetch({ pinned: pinnedDocuments });

  let issuer = '';
  let provider: Provider | undefined;
  // oidc-provider (with Koa) is the heaviest part of Ferry: loaded on the first OAuth request, not at start.
  let providerModule: Promise<ProviderModule> | undefined;
  const currentProvider = async (): Promise<Provider> => {
    const { createProvider } = await (providerModule ??= import('./provider.js'));
    const origin = options.publicOrigin();
    // The issuer is fixed when a Provider is built: a new public hostname needs a new one.
    if (!provider || issuer !== origin) {
      issuer = origin;
      provider = createProvider({
        issuer,
        adapter: (name) => store.adapterFor(name),
        keys,
        resources,
        bus,
        fetch: cimdFetch,
        allowCimdFetch: (clientId) => metadataFetches.allow(clientId),
        redirectProblem: (uri) => redirectUriProblem(uri, options.extraRedirectUris()),
      });
      mirrorProviderEvents(provider, bus);
    }
    return provider;
  };

  const verifier = new BearerVerifier({
    publicJwk: keys.publicJwk,
    issuer: () => options.publicOrigin(),
    grantExists: (grantId) => store.grantExists(grantId),
  });

  const consents = new ConsentManager({
    bus,
    provider: currentProvider,
    rememberedFor: (browser, request) => remembered.match(browser, request),
    remember: (browser, request) => remembered.add(browser, request),
  });

  const sweeper = setInterval(
    () => void store.sweepUnapprovedClients(UNAPPROVED_CLIENT_TTL_SECONDS).catch(() => undefined),
    SWEEP_INTERVAL_MS,
  );
  sweeper.unref();

  const context: AuthContext = {
    bus,
    resources,
    consents,
    publicOrigin: options.publicOrigin,
    extraRedirectUris: options.extraRedirectUris,
    bodyBounds: options.bodyBounds ?? DEFAULT_LISTENER_BOUNDS,
    provider: currentProvider,
  };

  return {
    consents,
    resources,
    store,
    handle: authRoutes(context),
    authorize: bearerCheck({ bus, verifier, resources, store }),

    forgetClient: async (clientId) => {
      await remembered.removeClient(clientId);
    },
    listRemembered: () => remembered.list(),
    mintSelfToken: async (resource) => mintSelfToken(await currentProvider(), resources, resource),
    forgetRemembered: (id) => remembered.remove(id),

    clientName: (clientId) => {
      const registered = store.registeredName(clientId);
      if (registered !== undefined) return registered;
      if (clientId === CLAUDE_CLIENT_METADATA_URL) return CLAUDE_CLIENT_METADATA.client_name;
      // A metadata-document client's id is its URL: its host is what the consent page showed.
      return /^https:\/\//.test(clientId) ? safeHost(clientId) : undefined;
    },

    listClients: () =>
      store.listClients().map((client) => {
        if (client.clientName) return client;
        const pinned =
          client.clientId === CLAUDE_CLIENT_METADATA_URL ? CLAUDE_CLIENT_METADATA.client_name : undefined;
        return { ...client, clientName: pinned ?? safeHost(client.clientId) };
      }),

    async close() {
      clearInterval(sweeper);
      consents.close();
      await store.close();
    },
  };
}
