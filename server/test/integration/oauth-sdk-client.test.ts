import { randomBytes } from 'node:crypto';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAUDE_CLIENT_METADATA_URL } from '../../src/auth/policy/claudeClient.js';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { CLAUDE_CALLBACK, CookieJar } from '../helpers/oauth.js';
import { freePort } from '../helpers/net.js';

/** Never a Cloudflare tunnel here, even on a machine with cloudflared installed: these tests stay offline. */
const NO_TUNNEL = { tunnel: { mode: 'off' } };

/**
 * The browser: opens the authorization URL the SDK built, follows Ferry's redirects with cookies to the
 * waiting page, lets `approve` decide on "this machine", polls the status URL the page's script polls, follows
 * `next` and returns the first redirect that leaves Ferry (the client's redirect URI, never requested).
 */
async function browserLeg(ferry: TestFerry, authorizationUrl: URL): Promise<URL> {
  const origin = new URL(ferry.runtime.localUrl).origin;
  const jar = new CookieJar();
  const get = async (url: string) => {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(res);
    return res;
  };
  const clientId = authorizationUrl.searchParams.get('client_id');
  const requested = ferry.waitFor((e) => e.type === 'consent.requested' && e.consent.clientId === clientId);
  let url = authorizationUrl.href;
  for (let hop = 0; hop < 10; hop++) {
    const res = await get(url);
    const location = res.headers.get('location');
    if (res.status === 302 || res.status === 303) {
      const next = new URL(location as string, url);
      if (next.origin !== origin) return next;
      url = next.href;
      continue;
    }
    const html = await res.text();
    const statusUrl = /fetch\(("\/consent\/[^"]+\/status")/.exec(html)?.[1];
    if (res.status !== 200 || !statusUrl) throw new Error(`browser stuck at ${url}: ${res.status} ${html}`);
    const event = await requested;
    if (event.type !== 'consent.requested') throw new Error('unreachable');
    expect(html).toContain(event.consent.matchCode);
    // Approved on the user's machine, in-process: the admin API's own call.
    await ferry.core.admin.approveConsent(event.consent.id);
    let next: string | undefined;
    for (let i = 0; i < 100 && !next; i++) {
      const status = (await (await get(new URL(JSON.parse(statusUrl) as string, origin).href)).json()) as {
        next?: string;
      };
      next = status.next;
      if (!next) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!next) throw new Error('consent never resolved');
    url = new URL(next, origin).href;
  }
  throw new Error(`too many redirects, last at ${url}`);
}

/** An OAuthClientProvider as an MCP host implements it, in memory; the browser leg happens in redirectToAuthorization. */
class TestOAuthProvider implements OAuthClientProvider {
  clientInfo: OAuthClientInformationMixed | undefined;
  savedTokens: OAuthTokens | undefined;
  verifier = '';
  lastState = '';
  readonly redirects: URL[] = [];
  /** Where the browser was sent back to: the redirect URI with code, state and iss. */
  callback: URL | undefined;

  constructor(
    private readonly ferry: TestFerry,
    readonly redirectUrl: string,
    readonly clientMetadataUrl?: string,
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'ferry-sdk-test',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  state(): string {
    this.lastState = randomBytes(8).toString('hex');
    return this.lastState;
  }

  clientInformation() {
    return this.clientInfo;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.clientInfo = info;
  }

  tokens() {
    return this.savedTokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.savedTokens = tokens;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    return this.verifier;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.redirects.push(authorizationUrl);
    this.callback = await browserLeg(this.ferry, authorizationUrl);
  }
}

/** Every request the SDK makes, as "METHOD path status", to check the handshake's order. */
function recordingFetch(log: string[]): FetchLike {
  return async (input, init) => {
    const res = await fetch(input, init);
    log.push(
      `${init?.method ?? 'GET'} ${new URL(input instanceof URL ? input.href : input).pathname} ${res.status}`,
    );
    return res;
  };
}

describe('the MCP SDK’s own OAuth client (StreamableHTTPClientTransport + OAuthClientProvider)', () => {
  let ferry: TestFerry;
  let mcpUrl: URL;
  const clients: Client[] = [];

  const connect = async (provider: TestOAuthProvider, log: string[] = []) => {
    const client = new Client({ name: 'ferry-sdk-oauth-test', version: '1.0.0' });
    clients.push(client);
    await client.connect(
      new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider, fetch: recordingFetch(log) }),
    );
    return client;
  };

  /** The whole dance: connect fails with UnauthorizedError after the browser leg, finishAuth, reconnect. */
  const authorizeAndConnect = async (provider: TestOAuthProvider, log: string[]) => {
    const transport = new StreamableHTTPClientTransport(mcpUrl, {
      authProvider: provider,
      fetch: recordingFetch(log),
    });
    const first = new Client({ name: 'ferry-sdk-oauth-test', version: '1.0.0' });
    await expect(first.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.redirects).toHaveLength(1);
    const callback = provider.callback as URL;
    expect(`${callback.origin}${callback.pathname}`).toBe(provider.redirectUrl);
    expect(callback.searchParams.get('state')).toBe(provider.lastState);
    expect(callback.searchParams.get('iss')).toBe(ferry.runtime.publicUrl);
    await transport.finishAuth(callback.searchParams.get('code') as string);
    expect(provider.savedTokens).toMatchObject({
      token_type: expect.stringMatching(/^bearer$/i),
      scope: 'mcp',
    });
    return connect(provider, log);
  };

  beforeAll(async () => {
    ferry = await startFerry({ echo: echoServer() }, { auth: true, ferry: NO_TUNNEL });
    await serverState(ferry, 'echo', 'ready');
    mcpUrl = new URL(ferry.mcpUrl);
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await ferry.stop();
  });

  describe('with dynamic client registration and a loopback redirect URI', () => {
    let provider: TestOAuthProvider;

    it('goes 401 → metadata → DCR → browser → token → initialize, then lists and calls tools', async () => {
      provider = new TestOAuthProvider(ferry, `http://127.0.0.1:${await freePort()}/callback`);
      const log: string[] = [];
      const client = await authorizeAndConnect(provider, log);
      expect(log.slice(0, 4)).toEqual([
        'POST /mcp 401',
        'GET /.well-known/oauth-protected-resource/mcp 200',
        'GET /.well-known/oauth-authorization-server 200',
        'POST /register 201',
      ]);
      expect(log).toContain('POST /token 200');
      expect(log.indexOf('POST /mcp 200')).toBeGreaterThan(log.indexOf('POST /token 200'));
      expect(provider.clientInfo?.client_id).toEqual(expect.any(String));
      expect(provider.clientInfo?.client_id).not.toMatch(/^https:/);
      expect(provider.redirects[0]?.searchParams.get('resource')).toBe(ferry.mcpUrl);
      expect(provider.redirects[0]?.searchParams.get('code_challenge_method')).toBe('S256');

      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('echo__echo');
      const result = await client.callTool({
        name: 'echo__echo',
        arguments: { text: 'via the SDK’s OAuth' },
      });
      expect(result.content).toEqual([{ type: 'text', text: 'via the SDK’s OAuth' }]);
      expect(ferry.core.admin.clients().map((c) => c.clientId)).toContain(provider.clientInfo?.client_id);
    });

    it('connects again with the stored tokens, without another browser leg', async () => {
      const log: string[] = [];
      const client = await connect(provider, log);
      expect(provider.redirects).toHaveLength(1);
      expect(log[0]).toBe('POST /mcp 200');
      const result = await client.callTool({ name: 'echo__echo', arguments: { text: 'again' } });
      expect(result.content).toEqual([{ type: 'text', text: 'again' }]);
    });

    it('refreshes by itself when its access token is refused, then carries on', async () => {
      const refreshToken = provider.savedTokens?.refresh_token;
      provider.savedTokens = { ...(provider.savedTokens as OAuthTokens), access_token: 'not-a-valid-token' };
      const log: string[] = [];
      const client = await connect(provider, log);
      expect(log).toEqual(expect.arrayContaining(['POST /mcp 401', 'POST /token 200', 'POST /mcp 200']));
      expect(provider.redirects).toHaveLength(1);
      expect(provider.savedTokens?.access_token).not.toBe('not-a-valid-token');
      expect(provider.savedTokens?.refresh_token).not.toBe(refreshToken);
      const result = await client.callTool({ name: 'echo__echo', arguments: { text: 'refreshed' } });
      expect(result.content).toEqual([{ type: 'text', text: 'refreshed' }]);
    });
  });

  describe('with a client metadata URL (clientMetadataUrl) instead of registration', () => {
    // Ferry resolves only its pinned copy of Claude's document without the network, so the SDK plays Claude:
    // the document's redirect URI is Claude's, and the browser leg stops at the redirect to it.
    it('uses the URL as client_id, skips /register, and ends in a successful tools/call', async () => {
      const provider = new TestOAuthProvider(ferry, CLAUDE_CALLBACK, CLAUDE_CLIENT_METADATA_URL);
      const log: string[] = [];
      const client = await authorizeAndConnect(provider, log);
      expect(log.some((line) => line.includes('/register'))).toBe(false);
      expect(provider.clientInfo?.client_id).toBe(CLAUDE_CLIENT_METADATA_URL);
      expect(provider.redirects[0]?.searchParams.get('client_id')).toBe(CLAUDE_CLIENT_METADATA_URL);
      const result = await client.callTool({ name: 'echo__echo', arguments: { text: 'CIMD via the SDK' } });
      expect(result.content).toEqual([{ type: 'text', text: 'CIMD via the SDK' }]);
    });
  });
});
