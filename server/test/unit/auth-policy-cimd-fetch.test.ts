import { describe, expect, it, vi } from 'vitest';
import {
  CLAUDE_CLIENT_METADATA,
  CLAUDE_CLIENT_METADATA_URL,
  CimdFetchError,
  DEFAULT_CIMD_TIMEOUT_MS,
  createCimdFetch,
  type ResolvedAddress,
} from '../../src/auth/policy/cimdFetch.js';
import { pinnedTargetOf } from '../../src/auth/policy/pinnedAgent.js';

const PUBLIC_V4 = { address: '93.184.216.34', family: 4 };
const PUBLIC_V6 = { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 };

function setup(resolve: Record<string, ResolvedAddress[]> = {}, timeoutMs?: number) {
  const lookup = vi.fn((hostname: string) => {
    const addresses = resolve[hostname];
    return addresses === undefined
      ? Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }))
      : Promise.resolve(addresses);
  });
  const fetchImpl = vi.fn<typeof fetch>(() =>
    Promise.resolve(new Response('{"client_id":"x"}', { status: 200 })),
  );
  const cimdFetch = createCimdFetch({ lookup, fetchImpl, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  return { cimdFetch, lookup, fetchImpl };
}

/** The call oidc-provider makes (lib/helpers/client_id_metadata_document.js and fetch_request.js). */
function providerInit(): RequestInit {
  return {
    method: 'GET',
    headers: new Headers({ accept: 'application/json', 'user-agent': '' }),
    redirect: 'manual',
    signal: AbortSignal.timeout(2500),
    dispatcher: { providersOwn: true } as unknown as RequestInit['dispatcher'],
  };
}

describe('createCimdFetch: pinned documents', () => {
  it("serves Claude's pinned document without touching DNS or the network", async () => {
    const { cimdFetch, lookup, fetchImpl } = setup();
    const response = await cimdFetch(CLAUDE_CLIENT_METADATA_URL, providerInit());
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('max-age=3600');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual(CLAUDE_CLIENT_METADATA);
    expect(lookup).not.toHaveBeenCalled();
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('serves a fresh body every time (Response bodies are single-use)', async () => {
    const { cimdFetch } = setup();
    const first = await cimdFetch(new URL(CLAUDE_CLIENT_METADATA_URL));
    const second = await cimdFetch(CLAUDE_CLIENT_METADATA_URL);
    expect(await first.text()).toBe(await second.text());
  });

  it('has the document Claude publishes', () => {
    expect(CLAUDE_CLIENT_METADATA).toEqual({
      client_id: 'https://claude.ai/oauth/mcp-oauth-client-metadata',
      client_name: 'Claude',
      client_uri: 'https://claude.ai',
      redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    expect(Object.isFrozen(CLAUDE_CLIENT_METADATA)).toBe(true);
    expect(Object.isFrozen(CLAUDE_CLIENT_METADATA.redirect_uris)).toBe(true);
  });

  it('matches pinned URLs exactly', async () => {
    const { cimdFetch, lookup } = setup({ 'claude.ai': [{ address: '10.0.0.1', family: 4 }] });
    await expect(cimdFetch(`${CLAUDE_CLIENT_METADATA_URL}/`)).rejects.toThrow(CimdFetchError);
    expect(lookup).toHaveBeenCalledWith('claude.ai');
  });

  it('takes its own pinned set, which replaces the default', async () => {
    const url = 'https://client.example/metadata.json';
    const fetchImpl = vi.fn<typeof fetch>();
    const lookup = () => Promise.resolve([{ address: '10.1.2.3', family: 4 }]);
    const cimdFetch = createCimdFetch({ pinned: { [url]: { client_id: url } }, fetchImpl, lookup });
    expect(await (await cimdFetch(url)).json()).toEqual({ client_id: url });
    await expect(cimdFetch(CLAUDE_CLIENT_METADATA_URL)).rejects.toThrow(CimdFetchError);
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('refuses a pinned document whose client_id is not its URL', () => {
    expect(() =>
      createCimdFetch({ pinned: { 'https://a.example/m': { client_id: 'https://b.example/m' } } }),
    ).toThrow(TypeError);
  });
});

describe('createCimdFetch: refused before any lookup', () => {
  it.each([
    ['http://client.example/metadata', 'only https'],
    ['ftp://client.example/metadata', 'only https'],
    ['file:///etc/passwd', 'only https'],
    ['data:application/json,{}', 'only https'],
    ['https://user:pw@client.example/metadata', 'credentials'],
    ['https://client.example:8443/metadata', 'port 8443'],
    ['https://client.example:22/metadata', 'port 22'],
    ['not a url', 'not a valid URL'],
    ['https://127.0.0.1/x', 'non-public address 127.0.0.1'],
    ['https://[::1]/x', 'non-public address ::1'],
    ['https://169.254.169.254/latest', 'non-public address 169.254.169.254'],
    ['https://[::ffff:169.254.169.254]/latest', 'non-public address ::ffff:a9fe:a9fe'],
    ['https://[fe80::1]/x', 'non-public address fe80::1'],
    ['https://[fd00::1]/x', 'non-public address fd00::1'],
    ['https://10.0.0.5/x', 'non-public address 10.0.0.5'],
    ['https://2130706433/x', 'non-public address 127.0.0.1'],
    ['https://0x7f.1/x', 'non-public address 127.0.0.1'],
    ['https://0.0.0.0/x', 'non-public address 0.0.0.0'],
    ['https://100.64.0.1/x', 'non-public address 100.64.0.1'],
  ])('%s', async (url, reason) => {
    const { cimdFetch, lookup, fetchImpl } = setup();
    const failure = await cimdFetch(url, providerInit()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CimdFetchError);
    expect((failure as Error).message).toContain(reason);
    expect(lookup).not.toHaveBeenCalled();
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('refuses a Request object', async () => {
    const { cimdFetch, fetchImpl } = setup();
    await expect(cimdFetch(new Request('https://client.example/metadata'))).rejects.toThrow(CimdFetchError);
    expect(fetchImpl).not.toHaveBeenCalled();
  });
});

describe('createCimdFetch: DNS', () => {
  it.each([
    ['a private address', [{ address: '10.0.0.5', family: 4 }], '10.0.0.5'],
    [
      'one public and one private address',
      [PUBLIC_V4, { address: '192.168.1.10', family: 4 }],
      '192.168.1.10',
    ],
    ['a private address first', [{ address: '172.16.0.1', family: 4 }, PUBLIC_V4], '172.16.0.1'],
    ['loopback', [{ address: '127.0.0.1', family: 4 }], '127.0.0.1'],
    ['IPv6 loopback', [PUBLIC_V6, { address: '::1', family: 6 }], '::1'],
    ['cloud metadata', [{ address: '169.254.169.254', family: 4 }], '169.254.169.254'],
    ['IPv4-mapped loopback', [{ address: '::ffff:127.0.0.1', family: 6 }], '::ffff:127.0.0.1'],
    ['CGNAT', [{ address: '100.100.100.100', family: 4 }], '100.100.100.100'],
    ['unique-local IPv6', [{ address: 'fd7a:115c:a1e0::1', family: 6 }], 'fd7a:115c:a1e0::1'],
    ['garbage', [{ address: 'not-an-ip', family: 4 }], 'not-an-ip'],
  ])('refuses a hostname resolving to %s', async (_name, addresses, bad) => {
    const { cimdFetch, fetchImpl } = setup({ 'client.example': addresses });
    const failure = await cimdFetch('https://client.example/metadata', providerInit()).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CimdFetchError);
    expect((failure as Error).message).toBe(
      `refusing client.example: it resolves to non-public address ${bad}`,
    );
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('refuses a hostname with no addresses', async () => {
    const { cimdFetch, fetchImpl } = setup({ 'client.example': [] });
    await expect(cimdFetch('https://client.example/m')).rejects.toThrow('client.example has no addresses');
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('refuses a lookup that answers something other than a list', async () => {
    const lookup = () => Promise.resolve(undefined as unknown as ResolvedAddress[]);
    const cimdFetch = createCimdFetch({ lookup, fetchImpl: vi.fn<typeof fetch>() });
    await expect(cimdFetch('https://client.example/m')).rejects.toThrow('client.example has no addresses');
  });

  it('passes on a lookup failure', async () => {
    const { cimdFetch, fetchImpl } = setup();
    await expect(cimdFetch('https://nowhere.example/m')).rejects.toThrow('ENOTFOUND');
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('gives up on a lookup that hangs once the timeout passes', async () => {
    const fetchImpl = vi.fn<typeof fetch>();
    const cimdFetch = createCimdFetch({ lookup: () => new Promise(() => {}), fetchImpl, timeoutMs: 50 });
    const started = Date.now();
    await expect(cimdFetch('https://slow.example/m')).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it("honours the caller's own abort signal during the lookup", async () => {
    const controller = new AbortController();
    const cimdFetch = createCimdFetch({
      lookup: () => new Promise(() => {}),
      fetchImpl: vi.fn<typeof fetch>(),
    });
    const pending = cimdFetch('https://slow.example/m', { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
  });
});

describe('createCimdFetch: the request it makes', () => {
  it('fetches the original URL through a dispatcher pinned to the checked addresses', async () => {
    const { cimdFetch, lookup, fetchImpl } = setup({ 'client.example': [PUBLIC_V4, PUBLIC_V6] });
    const init = providerInit();
    const response = await cimdFetch('https://client.example/metadata.json', init);
    expect(response.status).toBe(200);
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    const [input, sent] = fetchImpl.mock.calls[0] ?? [];
    // Same URL, so Host and SNI are the original hostname; only the socket goes to the pinned address.
    expect(input).toBe('https://client.example/metadata.json');
    expect(sent?.dispatcher).not.toBe(init.dispatcher);
    expect(pinnedTargetOf(sent?.dispatcher)).toEqual({
      hostname: 'client.example',
      addresses: [PUBLIC_V4, PUBLIC_V6],
    });
    expect(sent?.redirect).toBe('manual');
    expect(sent?.method).toBe('GET');
    expect(new Headers(sent?.headers).get('accept')).toBe('application/json');
    expect(sent?.signal).toBeInstanceOf(AbortSignal);
    expect(sent?.signal).not.toBe(init.signal);
  });

  it('never follows redirects, whatever the caller asks', async () => {
    const { cimdFetch, fetchImpl } = setup({ 'client.example': [PUBLIC_V4] });
    fetchImpl.mockResolvedValueOnce(
      new Response(null, { status: 302, headers: { location: 'https://169.254.169.254/latest' } }),
    );
    const response = await cimdFetch('https://client.example/m', { redirect: 'follow' });
    expect(response.status).toBe(302);
    expect(fetchImpl.mock.calls[0]?.[1]?.redirect).toBe('manual');
  });

  it('pins a public IP literal to itself without a lookup', async () => {
    const { cimdFetch, lookup, fetchImpl } = setup();
    await cimdFetch('https://[2606:4700:4700::1111]/m');
    await cimdFetch('https://1.1.1.1/m');
    expect(lookup).not.toHaveBeenCalled();
    expect(pinnedTargetOf(fetchImpl.mock.calls[0]?.[1]?.dispatcher)).toEqual({
      hostname: '2606:4700:4700::1111',
      addresses: [{ address: '2606:4700:4700::1111', family: 6 }],
    });
    expect(pinnedTargetOf(fetchImpl.mock.calls[1]?.[1]?.dispatcher)?.addresses).toEqual([
      { address: '1.1.1.1', family: 4 },
    ]);
  });

  it('aborts a request that outlives the timeout', async () => {
    const fetchImpl = vi.fn<typeof fetch>(
      (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error));
        }),
    );
    const cimdFetch = createCimdFetch({
      lookup: () => Promise.resolve([PUBLIC_V4]),
      fetchImpl,
      timeoutMs: 50,
    });
    await expect(cimdFetch('https://client.example/m')).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('uses a 5 s timeout by default', () => {
    // AbortSignal.timeout runs on Node's internal timers, which fake timers cannot drive; the 50 ms case
    // above shows the timeout is applied, this pins the default.
    expect(DEFAULT_CIMD_TIMEOUT_MS).toBe(5000);
  });
});
