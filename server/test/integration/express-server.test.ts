import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpressServer } from '../../src/http/expressServer.js';

describe('createExpressServer', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('hands express requests and responses that already have its prototypes, and they still work', async () => {
    const app = express();
    app.disable('x-powered-by');
    app.post('/echo/:word', (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        res.status(201).set('X-Word', req.params.word).json({ path: req.path, body });
      });
    });
    server = createExpressServer(app, { connectionsCheckingInterval: 1_000 });
    // Seen before express touches them: what Node built.
    const born: { request: boolean; response: boolean; nodeTypes: boolean }[] = [];
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      born.push({
        request: Object.getPrototypeOf(req) === app.request,
        response: Object.getPrototypeOf(res) === app.response,
        nodeTypes: req instanceof IncomingMessage && res instanceof ServerResponse,
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const answers = await Promise.all(
      ['one', 'two'].map((word) =>
        fetch(`http://127.0.0.1:${port}/echo/${word}?q=1`, { method: 'POST', body: `said ${word}` }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual([201, 201]);
    expect(answers.map((r) => r.headers.get('x-word'))).toEqual(['one', 'two']);
    expect(await Promise.all(answers.map((r) => r.json()))).toEqual([
      { path: '/echo/one', body: 'said one' },
      { path: '/echo/two', body: 'said two' },
    ]);
    expect(born).toEqual([
      { request: true, response: true, nodeTypes: true },
      { request: true, response: true, nodeTypes: true },
    ]);
  });
});
