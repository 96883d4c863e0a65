import path from 'node:path';
import type { Desktop } from '../desktop.js';
import type { TrayLike } from '../host.js';
import { menuTemplate } from './menu.js';
import { trayView } from './model.js';

/**
 * How often the menu is rebuilt while a client is connected, so "last call 20 s ago" does not go stale
 * between calls: often enough for its coarsest unit below a minute, rarely enough to cost nothing.
 */
export const ACTIVITY_REFRESH_MS = 15_000;

/**
 * The tray icon: drawn from the desktop snapshot, redrawn whenever a state event arrives. The waiting
 * consent count shows as the macOS title, the dock/launcher badge and the Windows taskbar overlay.
 */
export function register(desktop: Desktop): void {
  const { host, platform } = desktop;
  const iconPath = (name: string) => path.join(desktop.paths.trayIconsDir, `${name}.png`);
  let shownIcon = trayView(desktop.snapshot()).icon;
  const tray: TrayLike = new host.Tray(iconPath(shownIcon));

  const draw = () => {
    if (tray.isDestroyed()) return;
    const view = trayView(desktop.snapshot());
    if (view.icon !== shownIcon) {
      tray.setImage(iconPath(view.icon));
      shownIcon = view.icon;
    }
    tray.setToolTip(view.tooltip);
    if (platform === 'darwin') tray.setTitle(view.badge > 0 ? String(view.badge) : '');
    host.app.setBadgeCount(view.badge);
    const window = desktop.window.current;
    if (platform === 'win32' && window) {
      window.setOverlayIcon(
        view.badge > 0 ? host.nativeImage.createFromPath(iconPath('attention')) : null,
        view.badge > 0 ? `${view.badge} waiting` : '',
      );
    }
    tray.setContextMenu(
      host.Menu.buildFromTemplate(
        menuTemplate(view.menu, (action) => void desktop.perform(action), platform),
      ),
    );
  };

  // Windows and most Linux trays open the window on a click; macOS shows the menu itself.
  if (platform !== 'darwin') tray.on('click', () => desktop.window.show());
  draw();
  const stop = desktop.onChange(draw);
  const refresh = setInterval(() => {
    if (desktop.snapshot().activity?.client) draw();
  }, ACTIVITY_REFRESH_MS);
  refresh.unref();
  desktop.onDispose(() => {
    clearInterval(refresh);
    stop();
    tray.destroy();
  });
}
