import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { startFerry, type TestFerry } from '../helpers/ferry.js';

describe('admin listener: the window and the request contract', () => {
  let ferry: TestFerry;
  let ui: string;
  let admin: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    ui = await mkdtemp(path.join(os.tmpdir(), 'ferry-ui-'));
    await mkdir(path.join(ui, 'assets'));
    await writeFile(
      path.join(ui, 'index.html'),
      '<!doctype html><title>Ferry</title><script type="module" src="/assets/app.js"></script>',
    );
    await writeFile(path.join(ui, 'assets', 'app.js'), 'console.log("ferry")');
    await writeFile(path.join(os.tmpdir(), 'ferry-outside-ui.txt'), 'secret outside');
    ferry = await startFerry({ echo: echoServer() }, { coreOptions: { adminUiDir: ui } });
    admin = ferry.runtime.adminUrl as string;
    auth = { authorization: `Bearer ${ferry.runtime.adminToken}`, 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await ferry.stop();
    await rm(ui, { recursive: true, force: true });
  });

  const raw = (pathname: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = request(`${admin}${pathname}`, { headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });

  it('serves the window at / without the token, with headers that keep it unframeable and private', async () => {
    const page = await fetch(`${admin}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Ferry</title>');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const asset = await fetch(`${admin}/assets/app.js`);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    // The data behind it still needs the token.
    expect((await fetch(`${admin}/api/status`)).status).toBe(401);
  });

  it('keeps the Host check for the window too, and never serves files outside its directory', async () => {
    expect((await raw('/', { host: 'evil.example' })).status).toBe(403);
    for (const attempt of [
      '/../ferry-outside-ui.txt',
      '/%2e%2e/ferry-outside-ui.txt',
      '/assets/..%2f..%2fferry-outside-ui.txt',
    ]) {
      const res = await raw(attempt);
      expect(res.status, attempt).toBe(404);
      expect(res.body).not.toContain('secret outside');
    }
  });

  it('answers malformed bodies with invalid_input and field issues instead of failing', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/api/servers', 'just a string'],
      ['POST', '/api/servers', { spec: { command: 'x' } }],
      ['PATCH', '/api/servers/echo', {}],
      ['PATCH', '/api/servers/echo', { disabled: 'yes' }],
      ['POST', '/api/tunnel/start', { mode: 'warp' }],
      ['POST', '/api/consents/abc/approve', { remember: 'please' }],
    ];
    for (const [method, route, body] of cases) {
      const res = await fetch(`${admin}${route}`, { method, headers: auth, body: JSON.stringify(body) });
      const json = (await res.json()) as { error: { code: string; issues?: { path: string }[] } };
      expect(res.status, `${method} ${route}`).toBe(400);
      expect(json.error.code, `${method} ${route}`).toBe('invalid_input');
      expect(json.error.issues?.length, `${method} ${route}`).toBeGreaterThan(0);
    }
  });
});
