import { APP_ORIGIN } from '../../shared/ipc.js';
import type { Desktop } from '../desktop.js';

/** Permissions the window uses: writing to the clipboard (copy buttons). Everything else is refused. */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/**
 * Every page Electron creates (there should only ever be Ferry's window) stays on Ferry's origin: links
 * open in the user's browser, other navigation and new windows are refused, `<webview>` cannot attach.
 */
export function register(desktop: Desktop): void {
  const { app, shell, session } = desktop.host;
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isExternalLink(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(ALLOWED_PERMISSIONS.has(permission)),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission) =>
    ALLOWED_PERMISSIONS.has(permission),
  );
}

/** Only web links leave the app: never file:, custom schemes or script URLs, which could run something. */
export function isExternalLink(url: string): boolean {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) return false;
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
}
