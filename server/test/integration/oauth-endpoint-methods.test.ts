import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { startFerry, type TestFerry } from '../helpers/ferry.js';
import { PublicClient } from '../helpers/oauth.js';

const PUBLIC = 'https://methods.example';

/**
 * Found by the fuzzer (server/test/fuzz/public-oauth.test.ts): a method an OAuth endpoint does not serve
 * (POST /authorize, which Ferry even read and forwarded; GET /token; PUT /register …) got oidc-provider's
 * bare `text/plain` "Not Found", not an OAuth error. It is now 405 with `Allow` and an OAuth JSON error.
 */
describe('OAuth endpoints answer a wrong method with 405 and an OAuth error', () => {
  let ferry: TestFerry;
  let client: PublicClient;
  beforeAll(async () => {
    ferry = await startFerry(
      { echo: echoServer() },
      { auth: true, publicUrl: PUBLIC, ferry: { tunnel: { mode: 'off' } } },
    );
    client = new PublicClient(ferry, PUBLIC);
  });
  afterAll(() => ferry.stop());

  it.each([
    ['/authorize', 'POST', 'GET, HEAD'],
    ['/authorize', 'PUT', 'GET, HEAD'],
    ['/authorize/abc', 'POST', 'GET, HEAD'],
    ['/jwks', 'POST', 'GET, HEAD'],
    ['/token', 'GET', 'POST'],
    ['/token', 'DELETE', 'POST'],
    ['/register', 'GET', 'POST'],
    ['/register', 'PATCH', 'POST'],
    ['/revoke', 'GET', 'POST'],
  ])('%s %s', async (route, method, allow) => {
    const res = await client.json(route, {
      method,
      ...(method === 'GET' ? {} : { body: 'response_type=code&client_id=x' }),
      headers: method === 'GET' ? {} : { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.body).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) });
  });

  it('still serves the methods each endpoint takes', async () => {
    expect((await client.json('/jwks')).body).toMatchObject({ keys: expect.any(Array) });
    const token = await client.form('/token', { grant_type: 'authorization_code', code: 'x' });
    expect(token.status).toBe(400);
    expect(token.body).toMatchObject({ error: expect.any(String) });
    expect((await client.fetch('/authorize?client_id=nobody')).status).toBe(400);
  });
});
