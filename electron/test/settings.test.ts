import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SettingsStore } from '../src/main/settings/store.js';

let dir: string;
let warnings: string[];
const warn = (message: string) => void warnings.push(message);

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-settings-'));
  warnings = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const settingsFile = () => path.join(dir, 'desktop.json');

describe('SettingsStore.open', () => {
  it('starts from the defaults without a warning when there is no file', async () => {
    const store = await SettingsStore.open(dir, warn);
    expect(store.current).toEqual({ exposed: false, tunnelMode: 'quick' });
    expect(store.file).toBe(settingsFile());
    expect(warnings).toEqual([]);
    expect(existsSync(settingsFile())).toBe(false);
  });

  it('reads a saved file', async () => {
    await writeFile(settingsFile(), JSON.stringify({ exposed: true, tunnelMode: 'named' }));
    expect((await SettingsStore.open(dir, warn)).current).toEqual({ exposed: true, tunnelMode: 'named' });
    expect(warnings).toEqual([]);
  });

  it.each([
    ['truncated JSON', '{"exposed": tr'],
    ['not JSON at all', 'exposed = true'],
    ['null', 'null'],
    ['an array', '[true, "named"]'],
  ])('starts from the defaults with one warning naming the file for %s', async (_what, text) => {
    await writeFile(settingsFile(), text);
    const store = await SettingsStore.open(dir, warn);
    expect(store.current).toEqual({ exposed: false, tunnelMode: 'quick' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(settingsFile());
  });

  it('keeps the good field when one field is bad', async () => {
    await writeFile(settingsFile(), JSON.stringify({ exposed: true, tunnelMode: 'carrier-pigeon' }));
    expect((await SettingsStore.open(dir, warn)).current).toEqual({ exposed: true, tunnelMode: 'quick' });
  });

  it('keeps the good field when the other one has the wrong type', async () => {
    await writeFile(settingsFile(), JSON.stringify({ exposed: 'yes', tunnelMode: 'named' }));
    expect((await SettingsStore.open(dir, warn)).current).toEqual({ exposed: false, tunnelMode: 'named' });
  });

  it('fills in a missing field and drops unknown ones', async () => {
    await writeFile(settingsFile(), JSON.stringify({ tunnelMode: 'named', theme: 'dark' }));
    expect((await SettingsStore.open(dir, warn)).current).toEqual({ exposed: false, tunnelMode: 'named' });
  });
});

describe('SettingsStore.update', () => {
  it('persists, so opening again reads the change back', async () => {
    const store = await SettingsStore.open(dir, warn);
    await store.update({ exposed: true });
    expect(store.current).toEqual({ exposed: true, tunnelMode: 'quick' });
    await store.update({ tunnelMode: 'named' });
    expect((await SettingsStore.open(dir, warn)).current).toEqual({ exposed: true, tunnelMode: 'named' });
    expect(JSON.parse(await readFile(settingsFile(), 'utf8'))).toEqual({
      exposed: true,
      tunnelMode: 'named',
    });
  });

  it('writes the file with mode 0600', async () => {
    if (process.platform === 'win32') return;
    const store = await SettingsStore.open(dir, warn);
    await store.update({ exposed: true });
    expect((await stat(settingsFile())).mode & 0o777).toBe(0o600);
  });

  it('replaces a corrupt file on the first change', async () => {
    await writeFile(settingsFile(), '{{{');
    const store = await SettingsStore.open(dir, warn);
    await store.update({ tunnelMode: 'named' });
    expect((await SettingsStore.open(dir, () => {})).current).toEqual({
      exposed: false,
      tunnelMode: 'named',
    });
  });

  it('does not write when nothing changes', async () => {
    const store = await SettingsStore.open(dir, warn);
    await store.update({ exposed: false, tunnelMode: 'quick' });
    expect(existsSync(settingsFile())).toBe(false);
  });

  it('ends with the last value after concurrent updates', async () => {
    const store = await SettingsStore.open(dir, warn);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      writes.push(store.update({ exposed: i % 2 === 0, tunnelMode: i % 3 === 0 ? 'named' : 'quick' }));
    }
    writes.push(store.update({ exposed: true, tunnelMode: 'named' }));
    await Promise.all(writes);
    expect(store.current).toEqual({ exposed: true, tunnelMode: 'named' });
    expect((await SettingsStore.open(dir, warn)).current).toEqual({ exposed: true, tunnelMode: 'named' });
    expect(warnings).toEqual([]);
  });

  it('ends with the last value when the last change is back to an earlier value', async () => {
    const store = await SettingsStore.open(dir, warn);
    const first = store.update({ exposed: true });
    const second = store.update({ exposed: false });
    await Promise.all([first, second]);
    expect((await SettingsStore.open(dir, warn)).current.exposed).toBe(false);
  });

  it('leaves no temporary files behind', async () => {
    const store = await SettingsStore.open(dir, warn);
    await Promise.all([store.update({ exposed: true }), store.update({ tunnelMode: 'named' })]);
    expect(await readdir(dir)).toEqual(['desktop.json']);
  });
});
