import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '#core';
import type { AppLike } from '../host.js';

/** Starting Ferry when the user logs in, wherever the platform allows it. */
export interface LoginItem {
  readonly supported: boolean;
  isEnabled(): Promise<boolean>;
  setEnabled(enabled: boolean): Promise<void>;
}

/** The argument a login launch carries, so Ferry starts in the tray without opening its window. */
export const HIDDEN_ARG = '--hidden';

/** macOS and Windows keep login items themselves; Electron talks to them. */
export function systemLoginItem(
  app: Pick<AppLike, 'getLoginItemSettings' | 'setLoginItemSettings'>,
): LoginItem {
  return {
    supported: true,
    // Windows matches the registered entry by its arguments too: ask with the ones it was set with.
    isEnabled: () => Promise.resolve(app.getLoginItemSettings({ args: [HIDDEN_ARG] }).openAtLogin),
    setEnabled: (enabled) => {
      app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_ARG] });
      return Promise.resolve();
    },
  };
}

/**
 * Linux has no login-item API in Electron: desktops follow the XDG autostart spec, a `.desktop` file in
 * `$XDG_CONFIG_HOME/autostart`. The command is the AppImage when running from one (its mount path changes
 * on every launch), else the executable.
 */
export function xdgAutostart(options: {
  env: Record<string, string | undefined>;
  home: string;
  executable: string;
}): LoginItem {
  const configHome =
    options.env.XDG_CONFIG_HOME && path.isAbsolute(options.env.XDG_CONFIG_HOME)
      ? options.env.XDG_CONFIG_HOME
      : path.join(options.home, '.config');
  const file = path.join(configHome, 'autostart', 'dev.ferry.app.desktop');
  const command = options.env.APPIMAGE ?? options.executable;
  return {
    supported: true,
    async isEnabled() {
      try {
        const text = await readFile(file, 'utf8');
        return (
          !/^Hidden\s*=\s*true\s*$/m.test(text) && !/^X-GNOME-Autostart-enabled\s*=\s*false\s*$/m.test(text)
        );
      } catch {
        return false;
      }
    },
    async setEnabled(enabled) {
      if (!enabled) {
        await rm(file, { force: true });
        return;
      }
      await mkdir(path.dirname(file), { recursive: true });
      const entry = [
        '[Desktop Entry]',
        'Type=Application',
        'Name=Ferry',
        'Comment=Expose your MCP servers to Claude',
        `Exec=${desktopExecQuote(command)} ${HIDDEN_ARG}`,
        'Terminal=false',
        'X-GNOME-Autostart-enabled=true',
        '',
      ].join('\n');
      await writeFileAtomic(file, entry, { mode: 0o644 });
    },
  };
}

/**
 * An Exec argument per the Desktop Entry spec: inside double quotes `"`, `` ` ``, `$` and `\` take a
 * backslash; `%` is doubled (field codes); then the string-value escaping doubles every backslash again.
 */
export function desktopExecQuote(argument: string): string {
  if (/^[A-Za-z0-9_./+-]+$/.test(argument)) return argument;
  const quoted = argument.replace(/(["`$\\])/g, '\\$1').replaceAll('%', '%%');
  // A raw newline would end the Exec line: the string-value escape for it is `\n`.
  return `"${quoted.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}"`;
}
