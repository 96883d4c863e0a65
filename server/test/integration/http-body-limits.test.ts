import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { call, read } from '../helpers/http.js';
import { RawClient, requestHead } from '../helpers/rawSocket.js';
import { OAuthHarness } from '../helpers/oauth.js';

/** Over every limit below (64 KiB MCP, 64 KiB OAuth, 1 MiB admin) and within the 16 MiB drain bound. */
const FIVE_MB = 5 * 1024 * 1024;
const PUBLIC = 'https://ferry-limits.example';

/** A JSON-RPC tools/call whose argument makes the body FIVE_MB long. */
const hugeCall = () => JSON.stringify(call(1, 'echo__echo', { text: 'x'.repeat(FIVE_MB) }));

/**
 * `body` as a stream of 64 KiB chunks a few milliseconds apart: a client on a real link (a tunnel, Wi-Fi)
 * is still sending when Ferry has decided. On loopback a whole 5 MB body is in the kernel's buffers before
 * Ferry answers, which would hide a socket closed mid-body.
 */
function paced(body: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(body);
  let offset = 0;
  return new ReadableStream({
    async pull(controller) {
      if (offset >= bytes.length) return controller.close();
      await new Promise((resolve) => setTimeout(resolve, 2));
      controller.enqueue(bytes.subarray(offset, (offset += 64 * 1024)));
    },
  });
}

/** Node's global fetch (undici), the transport the MCP SDK's client uses, sending `body` paced. */
/** Sends a whole 5 MB body to `path` over a raw socket: the server must read it all, then answer 413 and close. */
async function expectDrainedThen413(base: string, path: string, headers: Record<string, string> = {}) {
  const client = new RawClient(base);
  await client.connected();
  try {
    client.write(requestHead('POST', path, { ...headers, 'content-length': String(FIVE_MB) }));
    expect(await client.writeBody(FIVE_MB)).toBeUndefined();
    expect(await client.closedWithin(10_000)).toBe(true);
    expect(client.status).toBe(413);
  } finally {
    client.destroy();
  }
}

/** What a 5 MB echo through the SDK client fails with (undefined if it did not fail). */
const hugeEchoFailure = (client: Client): Promise<unknown> =>
  client.callTool({ name: 'echo__echo', arguments: { text: 'x'.repeat(FIVE_MB) } }).then(
    () => undefined,
    (failure: unknown) => failure,
  );

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: paced(body),
    duplex: 'half',
  }).then(read);

/** The SDK transport's fetch, sending its bodies paced like `post`. */
const pacedFetch: typeof fetch = (input, init) =>
  fetch(input, {
    ...init,
    ...(typeof init?.body === 'string' ? { body: paced(init.body), duplex: 'half' } : {}),
  });

/**
 * Issue #12 item 2: an oversized body must come back as a 413 that every client can read. Ferry used to
 * close the socket while the client was still sending, so curl saw the 413 but Node's fetch (and the MCP
 * SDK on top of it) saw `fetch failed` / EPIPE.
 */
describe('a body over the limit is answered with a readable 413', () => {
  describe('without OAuth', () => {
    let ferry: TestFerry;

    beforeAll(async () => {
      ferry = await startFerry({ echo: echoServer() }, { ferry: { maxBodyBytes: 64 * 1024 } });
      await serverState(ferry, 'echo', 'ready');
    });
    afterAll(() => ferry.stop());

    it.each(['/mcp', '/mcp/echo'])('on %s, through Node fetch, with a JSON-RPC error body', async (path) => {
      const res = await post(`${ferry.runtime.localUrl}${path}`, hugeCall());
      expect(res.status).toBe(413);
      expect(res.json).toMatchObject({
        jsonrpc: '2.0',
        error: { code: -32600, message: expect.stringContaining('exceeds') },
      });
    });

    it('on /messages (the 2024 HTTP+SSE transport), through Node fetch', async () => {
      const controller = new AbortController();
      const stream = await fetch(`${ferry.runtime.localUrl}/sse`, {
        headers: { accept: 'text/event-stream' },
        signal: controller.signal,
      });
      try {
        const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
        let text = '';
        while (!/data: (\S+)/.test(text)) {
          const { value, done } = await reader.read();
          if (done) throw new Error('the SSE stream ended before its endpoint event');
          text += new TextDecoder().decode(value);
        }
        const endpoint = (/data: (\S+)/.exec(text) as RegExpExecArray)[1] as string;
        const res = await post(new URL(endpoint, ferry.runtime.localUrl).href, hugeCall());
        expect(res.status).toBe(413);
        expect(res.json).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
      } finally {
        controller.abort();
      }
    });

    it('through the MCP SDK client transport, which then keeps working', async () => {
      const client = new Client({ name: 'limits-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(ferry.mcpUrl), { fetch: pacedFetch }));
      try {
        const error = await hugeEchoFailure(client);
        expect(error).toBeInstanceOf(StreamableHTTPError);
        expect((error as StreamableHTTPError).code).toBe(413);
        expect((error as Error).message).toContain('"code":-32600');
        const after = await client.callTool({ name: 'echo__echo', arguments: { text: 'small' } });
        expect(after).toMatchObject({ content: [{ type: 'text', text: 'small' }] });
      } finally {
        await client.close();
      }
    });

    it('on the admin API, with its own error shape', async () => {
      const res = await post(`${ferry.runtime.adminUrl as string}/api/servers`, 'x'.repeat(FIVE_MB), {
        authorization: `Bearer ${ferry.runtime.adminToken as string}`,
      });
      expect(res.status).toBe(413);
      expect(res.json).toMatchObject({ error: { code: 'too_large' } });
    });

    it.each([
      ['/mcp', () => ferry.runtime.localUrl, {}],
      ['/api/servers', () => ferry.runtime.adminUrl as string, { authorization: 'admin' }],
    ])(
      'lets a client finish sending its body to %s before answering 413 and closing',
      async (path, base, extra) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if ('authorization' in extra) headers.authorization = `Bearer ${ferry.runtime.adminToken as string}`;
        await expectDrainedThen413(base(), path, headers);
      },
    );

    it('closes without draining a body declared larger than the drain bound', async () => {
      const client = new RawClient(ferry.runtime.localUrl);
      await client.connected();
      try {
        client.write(
          requestHead('POST', '/mcp', {
            'content-type': 'application/json',
            'content-length': String(64 * 1024 + 16 * 1024 * 1024 + 1),
          }),
        );
        client.write('{');
        expect(await client.closedWithin(10_000)).toBe(true);
        expect(client.status).toBe(413);
      } finally {
        client.destroy();
      }
    });
  });

  describe('with OAuth', () => {
    let ferry: TestFerry;
    let h: OAuthHarness;
    let token: string;

    beforeAll(async () => {
      ferry = await startFerry(
        { echo: echoServer() },
        { auth: true, publicUrl: PUBLIC, ferry: { maxBodyBytes: 64 * 1024 } },
      );
      await serverState(ferry, 'echo', 'ready');
      h = new OAuthHarness(ferry, PUBLIC);
      token = (await h.connect()).accessToken;
    });
    afterAll(() => ferry.stop());

    it.each([
      ['/register', 'application/json'],
      ['/token', 'application/x-www-form-urlencoded'],
    ])('on %s, through Node fetch, with an OAuth error body', async (path, type) => {
      const res = await post(`${ferry.runtime.localUrl}${path}`, 'x'.repeat(FIVE_MB), {
        'content-type': type,
      });
      expect(res.status).toBe(413);
      expect(res.json).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) });
    });

    it.each(['/register', '/token'])(
      'lets a client finish sending its body to %s before answering 413 and closing',
      async (path) => {
        await expectDrainedThen413(ferry.runtime.localUrl, path);
      },
    );

    it('on /mcp with a valid token, through Node fetch and the MCP SDK client', async () => {
      const res = await post(`${ferry.runtime.localUrl}/mcp`, hugeCall(), {
        authorization: `Bearer ${token}`,
      });
      expect(res.status).toBe(413);
      expect(res.json).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });

      const client = new Client({ name: 'limits-test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${ferry.runtime.localUrl}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
          fetch: pacedFetch,
        }),
      );
      try {
        const error = await hugeEchoFailure(client);
        expect((error as StreamableHTTPError).code).toBe(413);
      } finally {
        await client.close();
      }
    });
  });
});
