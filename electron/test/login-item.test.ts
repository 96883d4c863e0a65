import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  desktopExecQuote,
  HIDDEN_ARG,
  systemLoginItem,
  xdgAutostart,
} from '../src/main/loginItem/loginItem.js';
import { FakeApp } from './fakeElectron.js';

let root: string;
let home: string;
let configHome: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ferry-login-'));
  home = path.join(root, 'home');
  configHome = path.join(root, 'xdg-config');
  await mkdir(home, { recursive: true });
});
afterEach(() => rm(root, { recursive: true, force: true }));

const EXECUTABLE = '/opt/Ferry/ferry';
const entryFile = (dir: string) => path.join(dir, 'autostart', 'dev.ferry.app.desktop');

function autostart(
  env: Record<string, string | undefined> = { XDG_CONFIG_HOME: configHome },
  executable = EXECUTABLE,
) {
  return xdgAutostart({ env, home, executable });
}

/** The `[Desktop Entry]` group as key -> value, failing on anything a Desktop Entry parser would reject. */
function parseDesktopEntry(text: string): Map<string, string> {
  const lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  expect(lines[0]).toBe('[Desktop Entry]');
  const entries = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const match = /^([A-Za-z0-9-]+)=(.*)$/.exec(line);
    if (!match) throw new Error(`not a key=value line: ${JSON.stringify(line)}`);
    const [, key = '', value = ''] = match;
    expect(entries.has(key), `duplicate key ${key}`).toBe(false);
    entries.set(key, value);
  }
  return entries;
}

/**
 * An Exec value back to its arguments, the way the Desktop Entry spec reads it: string escapes first
 * (`\\`, `\s`, `\n`, `\t`, `\r`), then double-quoted arguments with `\"`, `` \` ``, `\$`, `\\`, then `%%`.
 */
function parseExec(value: string): string[] {
  let unescaped = '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === '\\' && i + 1 < value.length) {
      const next = value[++i] ?? '';
      const escapes: Record<string, string> = { s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' };
      unescaped += escapes[next] ?? `\\${next}`;
    } else unescaped += char;
  }
  const args: string[] = [];
  let current = '';
  let quoted = false;
  let inArgument = false;
  for (let i = 0; i < unescaped.length; i++) {
    const char = unescaped[i] ?? '';
    if (quoted) {
      const next = unescaped[i + 1] ?? '';
      if (char === '\\' && '"`$\\'.includes(next) && next !== '') current += unescaped[++i];
      else if (char === '"') quoted = false;
      else current += char;
    } else if (char === '"') {
      quoted = true;
      inArgument = true;
    } else if (char === ' ') {
      if (inArgument) args.push(current);
      current = '';
      inArgument = false;
    } else {
      current += char;
      inArgument = true;
    }
  }
  expect(quoted, `unterminated quote in ${value}`).toBe(false);
  if (inArgument) args.push(current);
  return args.map((argument) => argument.replaceAll('%%', '%'));
}

describe('xdgAutostart', () => {
  it('is supported and off by default', async () => {
    const item = autostart();
    expect(item.supported).toBe(true);
    expect(await item.isEnabled()).toBe(false);
    expect(existsSync(entryFile(configHome))).toBe(false);
  });

  it('enabling writes autostart/dev.ferry.app.desktop and counts as on', async () => {
    const item = autostart();
    await item.setEnabled(true);
    expect(existsSync(entryFile(configHome))).toBe(true);
    expect(await item.isEnabled()).toBe(true);
  });

  it('writes a valid Desktop Entry whose Exec runs the executable with --hidden', async () => {
    await autostart().setEnabled(true);
    const entry = parseDesktopEntry(await readFile(entryFile(configHome), 'utf8'));
    expect(entry.get('Type')).toBe('Application');
    expect(entry.get('Name')).toBe('Ferry');
    expect(entry.get('Exec')).toBe(`${EXECUTABLE} --hidden`);
    expect(parseExec(entry.get('Exec') ?? '')).toEqual([EXECUTABLE, HIDDEN_ARG]);
    expect(entry.get('Hidden')).toBeUndefined();
    expect(entry.get('X-GNOME-Autostart-enabled')).toBe('true');
  });

  it('quotes an executable path with spaces so it stays one argument', async () => {
    const executable = path.join(root, 'My Apps', 'Ferry 1.0', 'ferry');
    await autostart(undefined, executable).setEnabled(true);
    const entry = parseDesktopEntry(await readFile(entryFile(configHome), 'utf8'));
    expect(parseExec(entry.get('Exec') ?? '')).toEqual([executable, '--hidden']);
  });

  it('runs the AppImage instead of the executable when APPIMAGE is set', async () => {
    const appImage = path.join(home, 'Applications', 'Ferry-1.0.0.AppImage');
    const item = autostart({ XDG_CONFIG_HOME: configHome, APPIMAGE: appImage });
    await item.setEnabled(true);
    const entry = parseDesktopEntry(await readFile(entryFile(configHome), 'utf8'));
    expect(parseExec(entry.get('Exec') ?? '')).toEqual([appImage, '--hidden']);
    expect(entry.get('Exec')).not.toContain(EXECUTABLE);
  });

  it('writes the entry readable by the desktop (0644)', async () => {
    if (process.platform === 'win32') return;
    await autostart().setEnabled(true);
    expect((await stat(entryFile(configHome))).mode & 0o777).toBe(0o644);
  });

  it('disabling removes the file and counts as off', async () => {
    const item = autostart();
    await item.setEnabled(true);
    await item.setEnabled(false);
    expect(existsSync(entryFile(configHome))).toBe(false);
    expect(await item.isEnabled()).toBe(false);
  });

  it('disabling when already off succeeds', async () => {
    await expect(autostart().setEnabled(false)).resolves.toBeUndefined();
  });

  it.each(['Hidden=true', 'Hidden = true', 'X-GNOME-Autostart-enabled=false'])(
    'counts an entry with %s as off',
    async (line) => {
      await mkdir(path.dirname(entryFile(configHome)), { recursive: true });
      await writeFile(
        entryFile(configHome),
        ['[Desktop Entry]', 'Type=Application', 'Name=Ferry', `Exec=${EXECUTABLE} --hidden`, line, ''].join(
          '\n',
        ),
      );
      expect(await autostart().isEnabled()).toBe(false);
    },
  );

  it('counts an entry with Hidden=false as on', async () => {
    await mkdir(path.dirname(entryFile(configHome)), { recursive: true });
    await writeFile(
      entryFile(configHome),
      `[Desktop Entry]\nType=Application\nExec=${EXECUTABLE}\nHidden=false\n`,
    );
    expect(await autostart().isEnabled()).toBe(true);
  });

  it('enabling over a Hidden=true entry turns it back on', async () => {
    await mkdir(path.dirname(entryFile(configHome)), { recursive: true });
    await writeFile(entryFile(configHome), `[Desktop Entry]\nType=Application\nExec=old\nHidden=true\n`);
    const item = autostart();
    await item.setEnabled(true);
    expect(await item.isEnabled()).toBe(true);
  });

  it('uses <home>/.config when XDG_CONFIG_HOME is unset', async () => {
    await autostart({}).setEnabled(true);
    expect(existsSync(entryFile(path.join(home, '.config')))).toBe(true);
  });

  it('ignores a relative XDG_CONFIG_HOME and falls back to <home>/.config', async () => {
    const relative = `ferry-relative-xdg-${path.basename(root)}`;
    try {
      const item = autostart({ XDG_CONFIG_HOME: relative });
      await item.setEnabled(true);
      expect(existsSync(entryFile(path.join(home, '.config')))).toBe(true);
      expect(existsSync(path.resolve(relative))).toBe(false);
      expect(await item.isEnabled()).toBe(true);
    } finally {
      await rm(path.resolve(relative), { recursive: true, force: true });
    }
  });

  it('ignores an empty XDG_CONFIG_HOME', async () => {
    await autostart({ XDG_CONFIG_HOME: '' }).setEnabled(true);
    expect(existsSync(entryFile(path.join(home, '.config')))).toBe(true);
  });
});

describe('desktopExecQuote', () => {
  it.each(['/opt/Ferry/ferry', '/usr/lib/ferry-1.2_3/ferry+bin', 'ferry'])('leaves %s unquoted', (plain) => {
    expect(desktopExecQuote(plain)).toBe(plain);
  });

  it('quotes a path with spaces', () => {
    expect(desktopExecQuote('/opt/My Apps/ferry')).toBe('"/opt/My Apps/ferry"');
  });

  it('escapes a double quote (its backslash doubled by the string escaping)', () => {
    expect(desktopExecQuote('/opt/a"b')).toBe(String.raw`"/opt/a\\"b"`);
  });

  it('escapes $ as \\\\$ and ` as \\\\`', () => {
    expect(desktopExecQuote('/home/$USER/ferry')).toBe(String.raw`"/home/\\$USER/ferry"`);
    expect(desktopExecQuote('/opt/a`b')).toBe(String.raw`"/opt/a\\` + '`' + 'b"');
  });

  it('writes a literal backslash as four backslashes', () => {
    expect(desktopExecQuote(String.raw`/opt/a\b`)).toBe(String.raw`"/opt/a\\\\b"`);
  });

  it('doubles %', () => {
    expect(desktopExecQuote('/opt/100%/ferry')).toBe('"/opt/100%%/ferry"');
    expect(desktopExecQuote('/opt/%f')).toBe('"/opt/%%f"');
  });

  it.each([
    '/opt/My Apps/ferry',
    '/opt/a"b',
    '/home/$USER/ferry',
    '/opt/a`b',
    String.raw`/opt/a\b\\c`,
    '/opt/100% sure/%u',
    "/opt/it's/ferry",
    '/opt/a;b&c|d<e>f*g?h#i~j',
    '/opt/tab\there',
  ])('reads back as one argument: %s', (argument) => {
    expect(parseExec(`${desktopExecQuote(argument)} --hidden`)).toEqual([argument, '--hidden']);
  });

  it('keeps a newline in the path from ending the Exec line', () => {
    const argument = '/tmp/odd\nname/ferry';
    const quoted = desktopExecQuote(argument);
    expect(quoted).not.toContain('\n');
    expect(parseExec(`${quoted} --hidden`)).toEqual([argument, '--hidden']);
  });
});

describe('systemLoginItem', () => {
  it('round-trips through the app’s login item settings with --hidden', async () => {
    const app = new FakeApp({ userData: root });
    const item = systemLoginItem(app);
    expect(item.supported).toBe(true);
    expect(await item.isEnabled()).toBe(false);

    await item.setEnabled(true);
    expect(app.loginItem).toEqual({ openAtLogin: true, args: ['--hidden'] });
    expect(await item.isEnabled()).toBe(true);

    await item.setEnabled(false);
    expect(app.loginItem).toEqual({ openAtLogin: false, args: ['--hidden'] });
    expect(await item.isEnabled()).toBe(false);
  });
});
