import { readUiAsset } from '#core';
import { APP_SCHEME } from '../../shared/ipc.js';
import type { Desktop } from '../desktop.js';
import type { ElectronHost } from '../host.js';

/**
 * `ferry://app/` serves the built window. A standard, secure custom scheme instead of file:// gives the
 * page a real origin (so the CSP's 'self' and the IPC sender check mean something) and no reach into the
 * file system. Must run before the app is ready.
 */
export function registerScheme(host: Pick<ElectronHost, 'protocol'>): void {
  host.protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false },
    },
  ]);
}

export function register(desktop: Desktop): void {
  desktop.host.protocol.handle(APP_SCHEME, (request) => appResponse(desktop.paths.uiDir, request));
}

/** The response for one request to the app's origin: the window's files with their security headers. */
export async function appResponse(uiDir: string, request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.host !== 'app') return new Response('not found', { status: 404 });
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return new Response('method not allowed', { status: 405, headers: { Allow: 'GET, HEAD' } });
  const asset = await readUiAsset(uiDir, url.pathname);
  if (!asset) return new Response('not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(asset.body), {
    status: asset.status,
    headers: asset.headers,
  });
}
