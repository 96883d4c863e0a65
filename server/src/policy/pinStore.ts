import { readFile, rename } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { WriteBehind } from '../auth/store/writeBehind.js';
import { TOOL_POLICY_LIMITS } from './limits.js';
import type { PinnedDefinition } from './types.js';

/** Layout version of `tool-pins.json`; bump on any incompatible change. */
export const PIN_FILE_VERSION = 1;

/** One pinned tool. `definition` is kept for the side-by-side review (null when larger than the bound). */
export interface Pin {
  digest: string;
  pinnedAt: number;
  definition: PinnedDefinition | null;
}

/**
 * The digests of tool definitions the user has seen (first sight) or accepted, per server and original
 * tool name, persisted as `<dataDir>/tool-pins.json` (mode 0600, atomic replace):
 * `{ "version": 1, "pins": { "<server>": { "<tool>": { "digest", "pinnedAt", "definition" } } } }`.
 * Changes are written behind (coalesced within `delayMs`), and `flush` writes what is pending.
 */
export class PinStore {
  readonly #pins = new Map<string, Map<string, Pin>>();
  #count = 0;
  readonly #writer: WriteBehind;

  constructor(
    readonly file: string,
    private readonly warn: (message: string) => void,
    delayMs = 50,
  ) {
    this.#writer = new WriteBehind(
      () => this.#write(),
      delayMs,
      (error) => this.warn(`could not save tool pins to ${file}: ${(error as Error).message}`),
    );
  }

  get size(): number {
    return this.#count;
  }

  get full(): boolean {
    return this.#count >= TOOL_POLICY_LIMITS.pinnedTools;
  }

  /**
   * Reads the file. A missing file is a first start. An unreadable or malformed one is moved aside (its
   * name gets `.corrupt-<time>`) and Ferry starts with no pins, saying so: every tool is then pinned
   * again on first sight, as on a first start.
   */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.warn(`could not read tool pins ${this.file}: ${(error as Error).message}`);
      return;
    }
    try {
      this.#parse(JSON.parse(text) as unknown);
    } catch (error) {
      this.#pins.clear();
      this.#count = 0;
      const aside = `${this.file}.corrupt-${Date.now()}`;
      await rename(this.file, aside).catch(() => undefined);
      this.warn(
        `tool pins ${this.file} were unreadable (${(error as Error).message}); moved to ${aside}: every tool is pinned again as first seen`,
      );
    }
  }

  get(server: string, tool: string): Pin | undefined {
    return this.#pins.get(server)?.get(tool);
  }

  /** Pins (or re-pins, on accept) a definition; false when the store is full and the tool is new to it. */
  pin(server: string, tool: string, digest: string, definition: PinnedDefinition): boolean {
    let tools = this.#pins.get(server);
    if (!tools?.has(tool) && this.full) return false;
    if (!tools) this.#pins.set(server, (tools = new Map<string, Pin>()));
    if (!tools.has(tool)) this.#count++;
    const size = Buffer.byteLength(JSON.stringify(definition));
    tools.set(tool, {
      digest,
      pinnedAt: Date.now(),
      definition: size <= TOOL_POLICY_LIMITS.pinnedDefinitionBytes ? definition : null,
    });
    void this.#writer.schedule().catch(() => undefined);
    return true;
  }

  flush(): Promise<void> {
    return this.#writer.flush();
  }

  #parse(parsed: unknown): void {
    if (!isRecord(parsed) || parsed.version !== PIN_FILE_VERSION || !isRecord(parsed.pins))
      throw new Error(`expected {"version": ${PIN_FILE_VERSION}, "pins": {…}}`);
    for (const [server, tools] of Object.entries(parsed.pins)) {
      if (!isRecord(tools)) throw new Error(`pins of "${server}" are not an object`);
      const map = new Map<string, Pin>();
      for (const [tool, pin] of Object.entries(tools)) {
        if (!isRecord(pin) || typeof pin.digest !== 'string' || typeof pin.pinnedAt !== 'number')
          throw new Error(`pin of "${server}/${tool}" is malformed`);
        map.set(tool, {
          digest: pin.digest,
          pinnedAt: pin.pinnedAt,
          definition: isRecord(pin.definition) ? (pin.definition as unknown as PinnedDefinition) : null,
        });
        this.#count++;
      }
      this.#pins.set(server, map);
    }
  }

  async #write(): Promise<void> {
    const pins = Object.fromEntries(
      [...this.#pins].map(([server, tools]) => [server, Object.fromEntries(tools)]),
    );
    await writeFileAtomic(this.file, `${JSON.stringify({ version: PIN_FILE_VERSION, pins }, null, 1)}\n`, {
      mode: 0o600,
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
