import Provider, { type Configuration } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CLAUDE_CLIENT_METADATA_URL,
  createCimdFetch,
  type ResolvedAddress,
} from '../../src/auth/policy/cimdFetch.js';

// The fetch as oidc-provider itself drives it (client_id_metadata_document.js): proves the pinned Response
// passes its status, body-limit and cache checks, and that it turns our refusals and a 3xx into errors.

const PUBLIC: ResolvedAddress[] = [{ address: '93.184.216.34', family: 4 }];
const PRIVATE: ResolvedAddress[] = [{ address: '10.0.0.5', family: 4 }];

const fetchImpl = vi.fn<typeof fetch>();
const resolve: Record<string, ResolvedAddress[]> = {
  'public.example': PUBLIC,
  'private.example': PRIVATE,
};
let provider: Provider;

beforeAll(() => {
  // The quick-start adapter and keys warn on construction; this test needs neither.
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
  const configuration: Configuration = {
    features: { clientIdMetadataDocument: { enabled: true, ack: 'draft-02' } },
    fetch: createCimdFetch({
      fetchImpl,
      lookup: (hostname) => Promise.resolve(resolve[hostname] ?? []),
    }),
  };
  provider = new Provider('https://ferry.example', configuration);
});

afterAll(() => {
  vi.restoreAllMocks();
});

function causeOf(error: unknown): string {
  const { error_description: description, cause } = error as { error_description?: string; cause?: unknown };
  return `${description}: ${cause instanceof Error ? cause.message : JSON.stringify(cause)}`;
}

describe('createCimdFetch under oidc-provider', () => {
  it("resolves Claude's client from the pinned document without the network", async () => {
    const client = await provider.Client.find(CLAUDE_CLIENT_METADATA_URL);
    expect(client?.clientId).toBe(CLAUDE_CLIENT_METADATA_URL);
    expect(client?.redirectUris).toEqual(['https://claude.ai/api/mcp/auth_callback']);
    expect(client?.tokenEndpointAuthMethod).toBe('none');
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('turns a private address into invalid_client', async () => {
    const failure = await provider.Client.find('https://private.example/client.json').catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ error: 'invalid_client' });
    expect(causeOf(failure)).toContain('non-public address 10.0.0.5');
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('refuses a redirect instead of following it', async () => {
    fetchImpl.mockResolvedValueOnce(
      new Response(null, { status: 302, headers: { location: 'https://169.254.169.254/' } }),
    );
    const failure = await provider.Client.find('https://public.example/redirect.json').catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ error: 'invalid_client' });
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(fetchImpl.mock.calls[0]?.[1]?.redirect).toBe('manual');
  });

  it('refuses a document over 5 KiB', async () => {
    const url = 'https://public.example/big.json';
    fetchImpl.mockResolvedValueOnce(
      new Response(JSON.stringify({ client_id: url, padding: 'x'.repeat(6000) }), { status: 200 }),
    );
    const failure = await provider.Client.find(url).catch((e: unknown) => e);
    expect(failure).toMatchObject({ error: 'invalid_client' });
    // Without content-length, oidc-provider 9.13 trips over its own stream lock ("ReadableStream is locked")
    // while cancelling the oversized body: still a refusal, just a muddled message.
    expect(causeOf(failure)).toMatch(/response too large|ReadableStream is locked/);
  });

  it('refuses an oversized document that declares its length', async () => {
    const url = 'https://public.example/declared.json';
    const body = JSON.stringify({ client_id: url, padding: 'x'.repeat(6000) });
    fetchImpl.mockResolvedValueOnce(
      new Response(body, { status: 200, headers: { 'content-length': String(body.length) } }),
    );
    const failure = await provider.Client.find(url).catch((e: unknown) => e);
    expect(causeOf(failure)).toContain('response too large');
  });

  it('accepts a public document fetched through the pinned connection', async () => {
    const url = 'https://public.example/client.json';
    fetchImpl.mockResolvedValueOnce(
      Response.json({
        client_id: url,
        client_name: 'Example',
        redirect_uris: ['http://127.0.0.1:33418/'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      }),
    );
    const client = await provider.Client.find(url);
    expect(client?.clientName).toBe('Example');
  });
});
