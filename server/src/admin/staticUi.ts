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

/**
 * Serves the window's static files. They hold no data (everything comes from /api with the token), so
 * they need no token themselves; paths are confined to the UI directory.
 */
export async function serveUi(uiDir: string, pathname: string, res: ServerResponse): Promise<boolean> {
  const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
  if (relative.includes('\0')) return false;
  const root = await realpath(uiDir).catch(() => undefined);
  if (!root) {
    if (pathname !== '/') return false;
    const body = 'The Ferry window is not built. Run `npm run build`, then reload.';
    res.writeHead(503, {
      ...HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
    });
    res.end(body);
    return true;
  }
  const file = path.resolve(root, relative);
  if (file !== root && !file.startsWith(root + path.sep)) return false;
  let body: Buffer;
  try {
    body = await readFile(await realpath(file));
  } catch {
    return false;
  }
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  res.writeHead(200, {
    ...HEADERS,
    'Content-Type': type,
    'Content-Length': body.length,
    // Hashed asset names may be cached; the page itself is re-read so a rebuild shows at once.
    'Cache-Control': relative === 'index.html' ? 'no-store' : 'public, max-age=31536000, immutable',
  });
  res.end(body);
  return true;
}
