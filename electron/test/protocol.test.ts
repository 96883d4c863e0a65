import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appResponse, registerScheme } from '../src/main/protocol/register.js';
import { FakeElectron } from './fakeElectron.js';

const INDEX_HTML = '<!doctype html><title>Ferry</title><script type="module" src="/assets/app.js"></script>';
const APP_JS = 'console.log("ferry");';
const SECRET = 'outside the UI directory';

let root: string;
let uiDir: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ferry-protocol-'));
  uiDir = path.join(root, 'ui');
  await mkdir(path.join(uiDir, 'assets'), { recursive: true });
  await writeFile(path.join(uiDir, 'index.html'), INDEX_HTML);
  await writeFile(path.join(uiDir, 'assets', 'app.js'), APP_JS);
  await writeFile(path.join(uiDir, 'assets', 'app.css'), 'body{}');
  await writeFile(path.join(uiDir, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(path.join(uiDir, 'assets', 'blob.bin'), 'raw');
  await writeFile(path.join(root, 'secret.txt'), SECRET);
  await symlink(path.join(root, 'secret.txt'), path.join(uiDir, 'assets', 'leak.txt'));
  await symlink(path.join(uiDir, 'assets', 'app.js'), path.join(uiDir, 'alias.js'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const get = (url: string, init?: RequestInit) => appResponse(uiDir, new Request(url, init));

describe('appResponse: the window’s page', () => {
  it('serves index.html with 200, its content and no-store', async () => {
    const response = await get('ferry://app/index.html');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(INDEX_HTML);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('sends a Content-Security-Policy with script-src self and frame-ancestors none', async () => {
    const csp = (await get('ferry://app/index.html')).headers.get('content-security-policy') ?? '';
    const directives = csp.split(';').map((directive) => directive.trim());
    expect(directives).toContain("script-src 'self'");
    expect(directives).toContain("frame-ancestors 'none'");
    expect(directives).toContain("default-src 'self'");
  });

  it('serves index.html for /', async () => {
    const response = await get('ferry://app/');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(INDEX_HTML);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('ignores the fragment and query of the window’s URL', async () => {
    const response = await get('ferry://app/index.html?x=1#/logs');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(INDEX_HTML);
  });
});

describe('appResponse: assets', () => {
  it.each([
    ['assets/app.js', 'text/javascript; charset=utf-8'],
    ['assets/app.css', 'text/css; charset=utf-8'],
    ['assets/logo.svg', 'image/svg+xml'],
    ['assets/blob.bin', 'application/octet-stream'],
  ])('serves %s as %s', async (file, type) => {
    const response = await get(`ferry://app/${file}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
  });

  it('serves an asset’s bytes, cacheable, with the CSP too', async () => {
    const response = await get('ferry://app/assets/app.js');
    expect(await response.text()).toBe(APP_JS);
    expect(response.headers.get('cache-control')).toContain('immutable');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('follows a symlink that stays inside the UI directory', async () => {
    const response = await get('ferry://app/alias.js');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(APP_JS);
  });

  it('answers 404 for a file that does not exist', async () => {
    expect((await get('ferry://app/assets/missing.js')).status).toBe(404);
  });

  it('answers 404 for a directory', async () => {
    expect((await get('ferry://app/assets')).status).toBe(404);
  });
});

describe('appResponse: confinement', () => {
  it('serves the outside file when its directory is the one served (so the 404s below mean refused)', async () => {
    const outside = await appResponse(root, new Request('ferry://app/secret.txt'));
    expect(await outside.text()).toBe(SECRET);
  });

  it.each([
    'ferry://app/../secret.txt',
    'ferry://app/assets/../../secret.txt',
    'ferry://app/%2e%2e/secret.txt',
    'ferry://app/%2E%2E/%2e%2e/secret.txt',
    'ferry://app/..%2fsecret.txt',
    'ferry://app/assets/..%2F..%2Fsecret.txt',
    'ferry://app/%2e%2e%2fsecret.txt',
  ])('answers 404 for %s', async (url) => {
    const response = await get(url);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain(SECRET);
  });

  it('answers 404 for an encoded absolute path to the file outside', async () => {
    const response = await get(`ferry://app/${encodeURIComponent(path.join(root, 'secret.txt'))}`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain(SECRET);
  });

  it('answers 404 for a symlink inside that points outside', async () => {
    const response = await get('ferry://app/assets/leak.txt');
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain(SECRET);
  });

  it('answers 404 for a NUL byte in the path', async () => {
    expect((await get('ferry://app/index.html%00.js')).status).toBe(404);
  });

  it('answers 404 for a malformed escape', async () => {
    expect((await get('ferry://app/%E0%A4%A')).status).toBe(404);
  });

  it.each(['ferry://evil/index.html', 'ferry://app.evil/index.html', 'ferry://app:8080/index.html'])(
    'answers 404 for another host: %s',
    async (url) => {
      const response = await get(url);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('<title>Ferry');
    },
  );
});

describe('appResponse: methods', () => {
  it.each(['POST', 'PUT', 'DELETE'])('answers %s with 405 and Allow: GET, HEAD', async (method) => {
    const response = await get('ferry://app/index.html', { method, body: method === 'DELETE' ? null : 'x' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await get('ferry://app/index.html', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.body).toBeNull();
    expect(await response.text()).toBe('');
  });
});

describe('appResponse: no built window', () => {
  beforeEach(() => {
    uiDir = path.join(root, 'not-built');
  });

  it.each(['ferry://app/', 'ferry://app/index.html'])(
    'answers %s with 503 saying it is not built',
    async (url) => {
      const response = await get(url);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('not built');
      expect(response.headers.get('cache-control')).toBe('no-store');
    },
  );

  it('answers an asset with 404', async () => {
    expect((await get('ferry://app/assets/app.js')).status).toBe(404);
  });
});

describe('registerScheme', () => {
  it('registers ferry as a standard, secure scheme before the app is ready', async () => {
    const userData = await mkdtemp(path.join(os.tmpdir(), 'ferry-protocol-userdata-'));
    try {
      const fake = new FakeElectron({ userData });
      registerScheme(fake);
      expect(fake.schemes).toHaveLength(1);
      expect(fake.schemes[0]?.scheme).toBe('ferry');
      expect(fake.schemes[0]?.privileges).toMatchObject({ standard: true, secure: true });
      expect(fake.protocolHandlers.size).toBe(0);
    } finally {
      await rm(userData, { recursive: true, force: true });
    }
  });
});
