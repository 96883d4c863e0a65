import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { acceptedTypes, parseMessages } from '../../src/http/jsonRpcHttp.js';
import { OriginPolicy } from '../../src/http/originPolicy.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('parseMessages', () => {
  it('accepts a single message and a batch', () => {
    expect(parseMessages(Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping"}'))).toEqual({
      messages: [{ jsonrpc: '2.0', id: 1, method: 'ping' }],
      batch: false,
    });
    expect(
      parseMessages(Buffer.from('[{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","id":"x","result":{}}]'))
        .batch,
    ).toBe(true);
  });

  it.each([
    ['{', -32700],
    ['"text"', -32600],
    ['{"jsonrpc":"2.0","id":null,"method":"x"}', -32600],
    ['{"jsonrpc":"2.0","id":{},"method":"x"}', -32600],
    ['{"jsonrpc":"2.0","method":""}', -32600],
    ['{"jsonrpc":"2.0","id":1}', -32600],
    ['{"jsonrpc":"2.0"}', -32600],
  ])('rejects %s with code %i', (body, code) => {
    expect(() => parseMessages(Buffer.from(body))).toThrow(
      expect.objectContaining({ rpcCode: code, status: 400 }),
    );
  });

  it('echoes the id of an invalid message when it has one', () => {
    expect(() => parseMessages(Buffer.from('{"jsonrpc":"2.0","id":42,"method":"x","params":"bad"}'))).toThrow(
      expect.objectContaining({ id: 42, rpcCode: -32600 }),
    );
  });
});

describe('acceptedTypes', () => {
  it.each([
    ['', { json: true, sse: true }],
    ['*/*', { json: true, sse: true }],
    ['application/json', { json: true, sse: false }],
    ['text/event-stream', { json: false, sse: true }],
    ['application/json, text/event-stream', { json: true, sse: true }],
    ['text/html', { json: false, sse: false }],
  ])('Accept %j', (accept, expected) => {
    expect(acceptedTypes(req(accept ? { accept } : {}))).toEqual(expected);
  });
});

describe('OriginPolicy', () => {
  const policy = new OriginPolicy(
    () => new URL('https://words-here.trycloudflare.com'),
    () => ['proxy.internal:8443'],
    {
      localUrl: () => new URL('http://127.0.0.1:8790'),
      allowedOrigins: () => ['http://localhost:6274', 'http://127.0.0.1:6274'],
    },
  );

  it.each([
    ['127.0.0.1:8790', true],
    ['localhost:1', true],
    ['[::1]:8790', true],
    ['words-here.trycloudflare.com', true],
    ['WORDS-HERE.trycloudflare.com:443', true],
    ['proxy.internal:8443', true],
    ['evil.example', false],
    ['127.0.0.1.evil.example', false],
    ['', false],
  ])('Host %j allowed: %s', (host, allowed) => {
    expect(policy.hostAllowed(req(host ? { host } : {}))).toBe(allowed);
  });

  it.each([
    [undefined, true],
    ['https://words-here.trycloudflare.com', true],
    // Ferry's own listener, reached by a loopback name.
    ['http://127.0.0.1:8790', true],
    ['http://localhost:8790', true],
    ['http://[::1]:8790', true],
    // The allowlist (MCP Inspector's default origins), exactly.
    ['http://localhost:6274', true],
    ['http://127.0.0.1:6274', true],
    ['https://proxy.internal:8443', true],
    // Any other page, even on this machine: issue #11 item 8.
    ['http://localhost:1234', false],
    ['http://127.0.0.1:1234', false],
    ['https://localhost:6274', false],
    ['http://localhost:8791', false],
    ['https://127.0.0.1:8790', false],
    ['https://evil.example', false],
    ['null', false],
    ['https://words-here.trycloudflare.com.evil.example', false],
  ])('Origin %j allowed: %s', (origin, allowed) => {
    expect(policy.originAllowed(req(origin ? { origin } : {}))).toBe(allowed);
  });

  it('allows no extra origin when the allowlist is empty', () => {
    const strict = new OriginPolicy(
      () => new URL('https://words-here.trycloudflare.com'),
      () => [],
      { allowedOrigins: () => [] },
    );
    expect(strict.originAllowed(req({ origin: 'http://localhost:6274' }))).toBe(false);
    expect(strict.originAllowed(req({ origin: 'https://words-here.trycloudflare.com' }))).toBe(true);
  });
});
