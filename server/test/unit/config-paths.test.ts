import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeDesktopConfigPath, defaultConfigPath, defaultDataDir } from '../../src/config/paths.js';

describe('defaultDataDir', () => {
  it('uses $XDG_CONFIG_HOME on Linux', () => {
    expect(
      defaultDataDir({ platform: 'linux', homedir: '/home/ann', env: { XDG_CONFIG_HOME: '/xdg' } }),
    ).toBe('/xdg/ferry');
  });

  it('falls back to ~/.config on Linux when XDG_CONFIG_HOME is unset, empty or relative', () => {
    for (const env of [{}, { XDG_CONFIG_HOME: '' }, { XDG_CONFIG_HOME: 'relative/dir' }]) {
      expect(defaultDataDir({ platform: 'linux', homedir: '/home/ann', env })).toBe(
        '/home/ann/.config/ferry',
      );
    }
  });

  it('uses Application Support on macOS and ignores XDG there', () => {
    expect(
      defaultDataDir({ platform: 'darwin', homedir: '/Users/ann', env: { XDG_CONFIG_HOME: '/xdg' } }),
    ).toBe('/Users/ann/Library/Application Support/Ferry');
  });

  it('uses %APPDATA% on Windows, with Windows separators', () => {
    expect(
      defaultDataDir({
        platform: 'win32',
        homedir: 'C:\\Users\\ann',
        env: { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' },
      }),
    ).toBe('C:\\Users\\ann\\AppData\\Roaming\\Ferry');
  });

  it('derives %APPDATA% from the home directory when it is missing', () => {
    expect(defaultDataDir({ platform: 'win32', homedir: 'C:\\Users\\ann', env: {} })).toBe(
      'C:\\Users\\ann\\AppData\\Roaming\\Ferry',
    );
  });

  it('reads the real environment when given nothing', () => {
    const expected =
      process.platform === 'linux' && process.env.XDG_CONFIG_HOME?.startsWith('/')
        ? path.join(process.env.XDG_CONFIG_HOME, 'ferry')
        : undefined;
    const dir = defaultDataDir();
    expect(path.isAbsolute(dir)).toBe(true);
    if (expected) expect(dir).toBe(expected);
    else expect(dir.startsWith(os.homedir()) || process.platform === 'win32').toBe(true);
  });
});

describe('defaultConfigPath', () => {
  it('is config.json inside the data dir', () => {
    expect(defaultConfigPath('/data/ferry')).toBe(path.join('/data/ferry', 'config.json'));
  });
});

describe('claudeDesktopConfigPath', () => {
  it('knows where Claude Desktop keeps its config on each OS', () => {
    expect(claudeDesktopConfigPath({ platform: 'darwin', homedir: '/Users/ann', env: {} })).toBe(
      '/Users/ann/Library/Application Support/Claude/claude_desktop_config.json',
    );
    expect(
      claudeDesktopConfigPath({
        platform: 'win32',
        homedir: 'C:\\Users\\ann',
        env: { APPDATA: 'D:\\Roaming' },
      }),
    ).toBe('D:\\Roaming\\Claude\\claude_desktop_config.json');
    expect(claudeDesktopConfigPath({ platform: 'linux', homedir: '/home/ann', env: {} })).toBe(
      '/home/ann/.config/Claude/claude_desktop_config.json',
    );
  });

  it('follows $XDG_CONFIG_HOME on Linux like Electron does', () => {
    expect(
      claudeDesktopConfigPath({ platform: 'linux', homedir: '/home/ann', env: { XDG_CONFIG_HOME: '/cfg' } }),
    ).toBe('/cfg/Claude/claude_desktop_config.json');
  });
});
