import type { LookupAddress, LookupOptions } from 'node:dns';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createPinnedAgent, pinnedLookup, pinnedTargetOf } from '../../src/auth/policy/pinnedAgent.js';

// `.invalid` never resolves (RFC 6761): a request that arrives proves DNS was not consulted.
const HOST = 'ferry-pinned.invalid';
const LOCAL: LookupAddress[] = [{ address: '127.0.0.1', family: 4 }];
const OPTIONS = { timeoutMs: 2000, maxResponseBytes: 1024 };

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function listen(server: Server | ReturnType<typeof createTlsServer>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as AddressInfo).port;
}

function lookupResult(
  lookup: ReturnType<typeof pinnedLookup>,
  hostname: string,
  options: LookupOptions,
): Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }> {
  return new Promise((resolve) => {
    lookup(hostname, options, (error, address, family) => resolve({ error, address, family }));
  });
}

describe('pinnedLookup', () => {
  const addresses: LookupAddress[] = [
    { address: '2606:4700::1', family: 6 },
    { address: '93.184.216.34', family: 4 },
  ];
  const lookup = pinnedLookup('cimd.example', addresses);

  it('answers every checked address when asked for all', async () => {
    expect(await lookupResult(lookup, 'cimd.example', { all: true })).toEqual({
      error: null,
      address: addresses,
      family: undefined,
    });
  });

  it('answers the first address otherwise, honouring a requested family', async () => {
    expect(await lookupResult(lookup, 'cimd.example', {})).toMatchObject({
      address: '2606:4700::1',
      family: 6,
    });
    expect(await lookupResult(lookup, 'cimd.example', { family: 4 })).toMatchObject({
      address: '93.184.216.34',
      family: 4,
    });
    expect(await lookupResult(lookup, 'cimd.example', { family: 'IPv4', all: true })).toMatchObject({
      address: [{ address: '93.184.216.34', family: 4 }],
    });
  });

  it('refuses any other hostname, and a family it has no address for', async () => {
    const other = await lookupResult(lookup, 'evil.example', { all: true });
    expect(other.error?.code).toBe('ENOTFOUND');
    expect(other.error?.message).toContain('pinned to cimd.example');
    const v6only = pinnedLookup('cimd.example', [{ address: '2606:4700::1', family: 6 }]);
    expect((await lookupResult(v6only, 'cimd.example', { family: 4 })).error?.code).toBe('ENOTFOUND');
  });
});

describe('createPinnedAgent', () => {
  it('records where it connects', async () => {
    const agent = createPinnedAgent(HOST, LOCAL, OPTIONS);
    expect(pinnedTargetOf(agent)).toEqual({ hostname: HOST, addresses: LOCAL });
    expect(pinnedTargetOf({})).toBeUndefined();
    expect(pinnedTargetOf(null)).toBeUndefined();
    await agent.close();
  });

  it('connects to the pinned address and keeps the original Host header', async () => {
    let seen: { headers: IncomingHttpHeaders; remote: string | undefined } | undefined;
    const port = await listen(
      createServer((req, res) => {
        seen = { headers: req.headers, remote: req.socket.remoteAddress };
        res.setHeader('content-type', 'application/json');
        res.end('{"ok":true}');
      }),
    );
    const agent = createPinnedAgent(HOST, LOCAL, OPTIONS);
    const response = await fetch(`http://${HOST}:${port}/doc`, { dispatcher: agent });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(seen?.headers.host).toBe(`${HOST}:${port}`);
    expect(seen?.remote).toBe('127.0.0.1');
    await agent.close();
  });

  it('refuses to connect anywhere for another hostname', async () => {
    const agent = createPinnedAgent(HOST, LOCAL, OPTIONS);
    const failure = await fetch('http://other.invalid/doc', { dispatcher: agent }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(TypeError);
    expect(String((failure as TypeError).cause)).toContain(`pinned to ${HOST}`);
    await agent.close();
  });

  it('sends the original hostname as TLS SNI', async () => {
    let servername: string | undefined;
    const port = await listen(
      createTlsServer({
        SNICallback: (name, callback) => {
          servername = name;
          // No certificate needed: seeing the ClientHello's server name is the point.
          callback(new Error('test server has no certificate'));
        },
      }),
    );
    const agent = createPinnedAgent(HOST, LOCAL, OPTIONS);
    await expect(fetch(`https://${HOST}:${port}/doc`, { dispatcher: agent })).rejects.toThrow();
    expect(servername).toBe(HOST);
    await agent.close();
  });

  it('lets a response body be read after close() was called, then lets go', async () => {
    const port = await listen(
      createServer((_req, res) => {
        res.write('{"slow":');
        setTimeout(() => res.end('true}'), 50);
      }),
    );
    const agent = createPinnedAgent(HOST, LOCAL, OPTIONS);
    const response = await fetch(`http://${HOST}:${port}/`, { dispatcher: agent });
    const closed = agent.close();
    expect(await response.json()).toEqual({ slow: true });
    await closed;
  });

  it('fails a response larger than maxResponseBytes', async () => {
    const port = await listen(createServer((_req, res) => res.end('x'.repeat(4096))));
    const agent = createPinnedAgent(HOST, LOCAL, OPTIONS);
    const failure = await fetch(`http://${HOST}:${port}/`, { dispatcher: agent })
      .then((response) => response.text())
      .catch((error: unknown) => error);
    expect((failure as Error).cause).toMatchObject({ code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' });
    await agent.close();
  });

  it('does not follow redirects when asked not to', async () => {
    const port = await listen(
      createServer((_req, res) => {
        res.statusCode = 302;
        res.setHeader('location', 'http://169.254.169.254/latest');
        res.end();
      }),
    );
    const agent = createPinnedAgent(HOST, LOCAL, OPTIONS);
    const response = await fetch(`http://${HOST}:${port}/`, { dispatcher: agent, redirect: 'manual' });
    expect(response.status).toBe(302);
    await response.body?.cancel();
    await agent.close();
  });
});
