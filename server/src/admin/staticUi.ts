import { readFile, realpath } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** The built window (renderer/dist), next to the compiled server: server/dist/admin -> renderer/dist. */
export function defaultUiDir(): string {
  return fileURLToPath(new URL('../../../renderer/dist/', import.meta.url));
}

const HEADERS = {
  // The UI only talks to its own origin; nothing may frame it or learn its URL (the token is in the fragment).
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export interface UiAsset {
  status: 200 | 503;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * One of the window's static files with the headers it must be served with, or undefined when there is no
 * such file. They hold no data (everything comes from the admin API), so they need no token; paths are
 * confined to the UI directory. The headless listener and Electron's `ferry://` protocol both serve these.
 */
export async function readUiAsset(uiDir: string, pathname: string): Promise<UiAsset | undefined> {
  let relative: string;
  try {
    relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
  } catch {
    return undefined;
  }
  if (relative.includes('\0')) return undefined;
  const root = await realpath(uiDir).catch(() => undefined);
  if (!root) {
    if (pathname !== '/' && pathname !== '/index.html') return undefined;
    return {
      status: 503,
      headers: { ...HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
      body: Buffer.from('The Ferry window is not built. Run `npm run build`, then reload.'),
    };
  }
  const file = path.resolve(root, relative);
  if (file !== root && !file.startsWith(root + path.sep)) return undefined;
  let body: Buffer;
  try {
    const real = await realpath(file);
    // A symlink inside the UI directory must not lead out of it either.
    if (!real.startsWith(root + path.sep)) return undefined;
    body = await readFile(real);
  } catch {
    return undefined;
  }
  return {
    status: 200,
    headers: {
      ...HEADERS,
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(body.length),
      // Hashed asset names may be cached; the page itself is re-read so a rebuild shows at once.
      'Cache-Control': relative === 'index.html' ? 'no-store' : 'public, max-age=31536000, immutable',
    },
    body,
  };
}

/** Serves the window's static files on the headless admin listener. */
export async function serveUi(uiDir: string, pathname: string, res: ServerResponse): Promise<boolean> {
  const asset = await readUiAsset(uiDir, pathname);
  if (!asset) return false;
  res.writeHead(asset.status, asset.headers);
  res.end(asset.body);
  return true;
}
