import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite.js';
import type { TunnelMode } from '../events/types.js';

/**
 * "Pause exposure": the public surface leaves the internet (tunnel stopped, public listener refusing) while
 * Ferry and its children keep running. The choice is the user's and outlives a restart, so it is kept in
 * `<dataDir>/exposure.json` beside runtime.json and read before the tunnel would start.
 */
export const EXPOSURE_FILE = 'exposure.json';

/**
 * The Retry-After a paused Ferry sends. A pause lasts as long as the user wants; five minutes keeps a
 * well-behaved client from hammering a paused Ferry without leaving it waiting for hours after a resume.
 */
export const PAUSED_RETRY_AFTER_SECONDS = 300;

/** What a client hears from a paused Ferry (JSON-RPC error message or OAuth error_description). */
export const PAUSED_MESSAGE = 'Ferry is paused by its user: try again after they resume it';

export interface PauseRecord {
  paused: boolean;
  /** When the pause began (epoch ms). */
  since?: number;
  /** The tunnel to bring back on resume: the one running when the pause began. */
  resumeTunnel?: TunnelMode;
}

const NOT_PAUSED: PauseRecord = { paused: false };

export class PauseStore {
  #current: PauseRecord = NOT_PAUSED;

  constructor(
    private readonly dataDir: string,
    private readonly warn: (message: string) => void,
  ) {}

  get current(): PauseRecord {
    return this.#current;
  }

  get file(): string {
    return path.join(this.dataDir, EXPOSURE_FILE);
  }

  /** A missing file means not paused; an unreadable one too (said in the log): Ferry never pauses by accident. */
  async load(): Promise<PauseRecord> {
    try {
      this.#current = parse(JSON.parse(await readFile(this.file, 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.warn(`${this.file} could not be read (${(error as Error).message}); exposure is not paused`);
      this.#current = NOT_PAUSED;
    }
    return this.#current;
  }

  async save(record: PauseRecord): Promise<void> {
    this.#current = record;
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  }
}

function parse(value: unknown): PauseRecord {
  const { paused, since, resumeTunnel } = (value ?? {}) as Record<string, unknown>;
  if (paused !== true) return NOT_PAUSED;
  return {
    paused: true,
    ...(typeof since === 'number' && Number.isFinite(since) ? { since } : {}),
    ...(resumeTunnel === 'quick' || resumeTunnel === 'named' || resumeTunnel === 'off'
      ? { resumeTunnel }
      : {}),
  };
}
