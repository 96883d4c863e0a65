import os from 'node:os';
import path from 'node:path';

/** What the path functions read from the machine; tests pass their own to cover every OS from one. */
export interface PathEnvironment {
  env?: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  homedir?: string;
}

interface ResolvedEnvironment {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  home: string;
  /** Windows paths must be built with win32 rules even when the tests run on Linux. */
  join: (...parts: string[]) => string;
}

function resolveEnvironment(options: PathEnvironment = {}): ResolvedEnvironment {
  const platform = options.platform ?? process.platform;
  const flavour = platform === 'win32' ? path.win32 : path.posix;
  return {
    env: options.env ?? process.env,
    platform,
    home: options.homedir ?? os.homedir(),
    join: (...parts) => flavour.join(...parts),
  };
}

/** Per-user application data root: `%APPDATA%`, `~/Library/Application Support`, `$XDG_CONFIG_HOME`. */
function appDataRoot(resolved: ResolvedEnvironment): string {
  const { env, platform, home, join } = resolved;
  if (platform === 'win32') {
    const appData = env.APPDATA;
    return appData && path.win32.isAbsolute(appData) ? appData : join(home, 'AppData', 'Roaming');
  }
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  return xdg && path.posix.isAbsolute(xdg) ? xdg : join(home, '.config');
}

/** Where Ferry keeps its config, secrets file (if chosen) and state. */
export function defaultDataDir(options?: PathEnvironment): string {
  const resolved = resolveEnvironment(options);
  const name = resolved.platform === 'win32' || resolved.platform === 'darwin' ? 'Ferry' : 'ferry';
  return resolved.join(appDataRoot(resolved), name);
}

export function defaultConfigPath(dataDir: string): string {
  return path.join(dataDir, 'config.json');
}

/**
 * Claude Desktop's own config. On Linux (unofficial builds) Electron puts it under
 * `$XDG_CONFIG_HOME/Claude`, which is `~/.config/Claude` unless the user moved it.
 */
export function claudeDesktopConfigPath(options?: PathEnvironment): string {
  const resolved = resolveEnvironment(options);
  return resolved.join(appDataRoot(resolved), 'Claude', 'claude_desktop_config.json');
}
