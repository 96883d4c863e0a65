import type { Desktop } from '../desktop.js';

/** How long quitting may take before Ferry exits anyway (children get their own kill grace inside). */
export const QUIT_DEADLINE_MS = 20_000;

/**
 * Ferry lives in the tray: closing the window does not quit it. Quitting (menu, OS shutdown, a signal) stops
 * the core first — children, their process trees and cloudflared — and only then lets Electron exit.
 */
export function register(desktop: Desktop, signals: Pick<NodeJS.Process, 'on' | 'off'> = process): void {
  const { app } = desktop.host;
  let stopped = false;
  app.on('second-instance', () => desktop.window.show());
  app.on('activate', () => desktop.window.show());
  app.on('window-all-closed', () => {
    // Stay in the tray; without a listener Electron would quit here.
  });
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    if (desktop.stopping) return;
    desktop.window.close();
    const deadline = setTimeout(() => {
      desktop.core.events.log('error', 'ferry', `quitting took over ${QUIT_DEADLINE_MS / 1000} s; exiting`);
      app.exit(1);
    }, QUIT_DEADLINE_MS);
    deadline.unref();
    void desktop.stop().finally(() => {
      clearTimeout(deadline);
      stopped = true;
      app.quit();
    });
  });
  const quit = () => app.quit();
  signals.on('SIGINT', quit);
  signals.on('SIGTERM', quit);
  desktop.onDispose(() => {
    signals.off('SIGINT', quit);
    signals.off('SIGTERM', quit);
  });
}
