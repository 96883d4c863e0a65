import type { LoadedConfig } from './load.js';
import type { ConfigFile } from './save.js';
import { configSchema, type FerryConfig, type FerrySettings } from './schema.js';

/**
 * What a part reads from the running config: `ferry.*` as it is now. Parts keep the view, not a copy, and
 * read it on every use, so an edit applies without a restart. `LiveConfig` is one; a test can pass a literal.
 */
export interface SettingsView<K extends keyof FerrySettings = keyof FerrySettings> {
  readonly ferry: Pick<FerrySettings, K>;
}

export interface ConfigChange {
  readonly before: FerryConfig;
  readonly config: FerryConfig;
  /** Ferry runs the built-in demo server instead of `config.mcpServers` (there is no config file yet). */
  readonly demo: boolean;
  /** This change added the first real server, which replaces the demo server. */
  readonly demoEnded: boolean;
}

type ChangeListener = (change: ConfigChange) => void | Promise<void>;

/**
 * The config Ferry runs on: the one place that holds the parsed config, knows whether the demo server stands
 * in for a missing file, and reaches the file. Edits go to the file first (through `ConfigFile`: re-read,
 * validated, atomic) and only then become current; listeners (the hub) follow every change, in order.
 */
export class LiveConfig implements SettingsView {
  readonly file: ConfigFile;
  #current: FerryConfig = configSchema.parse({});
  #demo = false;
  readonly #listeners: ChangeListener[] = [];

  constructor(file: ConfigFile) {
    this.file = file;
  }

  get current(): FerryConfig {
    return this.#current;
  }

  get ferry(): FerrySettings {
    return this.#current.ferry;
  }

  get demo(): boolean {
    return this.#demo;
  }

  /** Called after the file-first edit, in registration order; a listener's error fails the edit. */
  onChange(listener: ChangeListener): void {
    this.#listeners.push(listener);
  }

  /** Reads the file; without one, Ferry runs the demo server until the first server is added. */
  async load(): Promise<LoadedConfig> {
    const loaded = await this.file.load();
    this.#demo = !loaded.exists;
    await this.replace(loaded.config);
    return loaded;
  }

  /** Makes a config the file already holds current. */
  async replace(next: FerryConfig): Promise<void> {
    const before = this.#current;
    const demoEnded = this.#demo && Object.keys(next.mcpServers).length > 0;
    if (demoEnded) this.#demo = false;
    this.#current = next;
    const change: ConfigChange = { before, config: next, demo: this.#demo, demoEnded };
    for (const listener of this.#listeners) await listener(change);
  }

  /** One edit of the file (a `ConfigFile` method) that then becomes current. */
  async edit(change: (file: ConfigFile) => Promise<FerryConfig>): Promise<FerryConfig> {
    const next = await change(this.file);
    await this.replace(next);
    return next;
  }
}
