import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite.js';
import type { EventBus } from '../events/bus.js';

/** Where a running Ferry says how to reach it (`ferry status`, the CLI's other commands, scripts). */
export const RUNTIME_FILE = 'runtime.json';

export interface RuntimeInfo {
  pid: number;
  localUrl: string;
  publicUrl: string;
  mcpUrl: string;
  adminUrl: string | undefined;
  adminToken: string | undefined;
}

export interface RuntimeFileOptions {
  dataDir: string;
  /** `false` keeps the record in memory only (tests, embedders that publish it themselves). */
  write: boolean;
  /** The origin the world uses now; read on every write because the tunnel changes it. */
  publicOrigin: () => string;
  bus: EventBus;
}

/**
 * The record of the running Ferry and its one writer: published once the listeners are up, rewritten when
 * the tunnel connects or stops (the public URL changed), removed on stop.
 */
export class RuntimeFile {
  #info: RuntimeInfo | undefined;

  constructor(private readonly options: RuntimeFileOptions) {
    options.bus.on('tunnel.state', (event) => {
      if (event.state !== 'connected' && event.state !== 'off') return;
      if (!this.#info || !options.write) return;
      this.#write().catch((error: unknown) =>
        options.bus.log('warn', 'ferry', `could not update runtime.json: ${String(error)}`),
      );
    });
  }

  get path(): string {
    return path.join(this.options.dataDir, RUNTIME_FILE);
  }

  /** The record as last published, if Ferry is running. */
  get current(): RuntimeInfo | undefined {
    return this.#info;
  }

  async publish(info: Omit<RuntimeInfo, 'publicUrl' | 'mcpUrl'>): Promise<RuntimeInfo> {
    const { pid, localUrl, adminUrl, adminToken } = info;
    this.#info = { pid, localUrl, publicUrl: '', mcpUrl: '', adminUrl, adminToken };
    if (this.options.write) await this.#write();
    else this.#withOrigin();
    return this.#info;
  }

  async remove(): Promise<void> {
    if (this.options.write && this.#info) await rm(this.path, { force: true });
  }

  #withOrigin(): RuntimeInfo {
    const origin = this.options.publicOrigin();
    this.#info = { ...(this.#info as RuntimeInfo), publicUrl: origin, mcpUrl: `${origin}/mcp` };
    return this.#info;
  }

  async #write(): Promise<void> {
    const info = this.#withOrigin();
    await mkdir(this.options.dataDir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.path, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  }
}
