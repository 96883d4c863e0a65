import type { MenuItemConstructorOptions } from 'electron';
import type { MenuEntry, TrayAction } from './model.js';

/**
 * The plain-data menu as Electron's template. Labels come from outside (client names, server names), so `&`
 * is escaped where it would be read as an access-key marker: Windows, and Linux (Chromium's D-Bus and GTK
 * menus convert Windows-style mnemonics too). macOS menus show it as it is.
 */
export function menuTemplate(
  entries: MenuEntry[],
  dispatch: (action: TrayAction) => void,
  platform: NodeJS.Platform,
): MenuItemConstructorOptions[] {
  const text = (label: string) => (platform === 'darwin' ? label : label.replaceAll('&', '&&'));
  return entries.map((entry): MenuItemConstructorOptions => {
    switch (entry.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: text(entry.label), enabled: false };
      case 'submenu':
        return { label: text(entry.label), submenu: menuTemplate(entry.items, dispatch, platform) };
      case 'action':
        return {
          label: text(entry.label),
          enabled: entry.enabled ?? true,
          ...(entry.checked !== undefined ? { type: 'checkbox' as const, checked: entry.checked } : {}),
          click: () => dispatch(entry.action),
        };
    }
  });
}
