import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { writeFileAtomic } from '#core';
import { z } from 'zod';

/** The shell's own memory across launches; the core's configuration stays in Ferry's config file. */
const settingsSchema = z.object({
  /** Whether the servers were exposed when Ferry last ran: a restart puts them back the same way. */
  exposed: z.boolean().catch(false),
  /** The tunnel kind last used, so "Expose to Claude" brings back a named tunnel if that was chosen. */
  tunnelMode: z.enum(['quick', 'named']).catch('quick'),
});

export type DesktopSettings = z.output<typeof settingsSchema>;

const DEFAULTS: DesktopSettings = { exposed: false, tunnelMode: 'quick' };

export class SettingsStore {
  #current: DesktopSettings;
  #writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    initial: DesktopSettings,
  ) {
    this.#current = initial;
  }

  /** Reads `<dir>/desktop.json`; a missing or unreadable file means the defaults (a bad field, its default). */
  static async open(dir: string, warn: (message: string) => void): Promise<SettingsStore> {
    const file = path.join(dir, 'desktop.json');
    let initial = DEFAULTS;
    try {
      initial = settingsSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        warn(`${file} could not be read (${(error as Error).message}); starting from the defaults`);
    }
    return new SettingsStore(file, initial);
  }

  get current(): DesktopSettings {
    return this.#current;
  }

  /** Changes and saves; writes are queued so the file always ends up holding the last change. */
  update(change: Partial<DesktopSettings>): Promise<void> {
    const next = { ...this.#current, ...change };
    if (isDeepStrictEqual(next, this.#current)) return this.#writing;
    this.#current = next;
    const text = `${JSON.stringify(next, null, 2)}\n`;
    this.#writing = this.#writing
      .catch(() => undefined)
      .then(() => writeFileAtomic(this.file, text, { mode: 0o600 }));
    return this.#writing;
  }
}
