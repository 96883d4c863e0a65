import {
  appendFile,
  chmod,
  mkdir,
  open,
  readFile,
  rename,
  rm,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import path from 'node:path';
import { RingBuffer } from '../events/ringBuffer.js';
import { TOOL_POLICY_LIMITS } from './limits.js';
import type { AuditRecord } from './types.js';

export interface AuditBounds {
  fileBytes: number;
  files: number;
  lineBytes: number;
  memory: number;
}

/** Every field set must match; unset fields match anything. */
export interface AuditFilter {
  server?: string;
  tool?: string;
  decision?: string;
  outcome?: string;
  /** The client's id, or its name (from its OAuth registration or its MCP `clientInfo`). */
  client?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, inclusive. */
  until?: number;
  /** Case-insensitive text looked for in the record's line (tool, client, error, recorded arguments…). */
  text?: string;
}

/** Whether one record passes a filter (`needle`: the filter's text, lower-cased once by the caller). */
export function matchesAudit(r: AuditRecord, filter: AuditFilter, needle: string | undefined): boolean {
  if (filter.server !== undefined && r.server !== filter.server) return false;
  if (filter.tool !== undefined && r.tool !== filter.tool) return false;
  if (filter.decision !== undefined && r.decision !== filter.decision) return false;
  if (filter.outcome !== undefined && r.outcome !== filter.outcome) return false;
  if (
    filter.client !== undefined &&
    r.clientId !== filter.client &&
    r.clientName !== filter.client &&
    r.clientInfoName !== filter.client
  )
    return false;
  if (filter.since !== undefined && r.at < filter.since) return false;
  if (filter.until !== undefined && r.at > filter.until) return false;
  if (needle !== undefined && !JSON.stringify(r).toLowerCase().includes(needle)) return false;
  return true;
}

/**
 * The audit trail of tool calls: JSON Lines under `<dir>` (`audit.jsonl`, then `audit.1.jsonl` …, oldest
 * last), mode 0600, rotated by size. Lines are gathered and appended in batches after the calls that made
 * them (one write per burst); the newest `memory` records also stay in memory for `GET /api/audit`, and
 * are read back from the files on start, so the trail survives restarts.
 */
export class AuditLog {
  readonly file: string;
  readonly #recent: RingBuffer<AuditRecord>;
  readonly #bounds: AuditBounds;
  #queued: string[] = [];
  #scheduled = false;
  #size = 0;
  #chain: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly warn: (message: string) => void,
    bounds: Partial<AuditBounds> = {},
  ) {
    this.#bounds = {
      fileBytes: TOOL_POLICY_LIMITS.auditFileBytes,
      files: TOOL_POLICY_LIMITS.auditFiles,
      lineBytes: TOOL_POLICY_LIMITS.auditLineBytes,
      memory: TOOL_POLICY_LIMITS.auditMemory,
      ...bounds,
    };
    this.file = path.join(dir, 'audit.jsonl');
    this.#recent = new RingBuffer(this.#bounds.memory);
  }

  /** The newest records of the files, oldest file first, into memory. Unparseable lines are skipped. */
  async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const batches: AuditRecord[][] = [];
    let count = 0;
    for (let i = 0; i < this.#bounds.files && count < this.#bounds.memory; i++) {
      let text: string;
      try {
        text = await readFile(this.#nth(i), 'utf8');
      } catch {
        continue;
      }
      if (i === 0) this.#size = Buffer.byteLength(text);
      const records: AuditRecord[] = [];
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          records.push(JSON.parse(line) as AuditRecord);
        } catch {
          // A line cut by a crash mid-append: the rest of the trail is still good.
        }
      }
      batches.unshift(records);
      count += records.length;
    }
    for (const record of batches.flat().slice(-this.#bounds.memory)) this.#recent.push(record);
  }

  append(record: AuditRecord): void {
    const [line, kept] = this.#line(record);
    this.#recent.push(kept);
    this.#queued.push(line);
    if (this.#queued.length >= TOOL_POLICY_LIMITS.auditBatchLines) void this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Newest first, at most `limit`, matching every field of `filter` that is set. */
  recent(limit: number, filter: AuditFilter = {}): AuditRecord[] {
    const out: AuditRecord[] = [];
    const all = this.#recent.toArray();
    const needle = filter.text?.toLowerCase();
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const r = all[i] as AuditRecord;
      if (matchesAudit(r, filter, needle)) out.push(r);
    }
    return out;
  }

  /**
   * Every record on disk that matches, oldest first, as JSON lines (each ending in a newline): the rotated
   * files (`audit.<n>.jsonl`, oldest first), then the current one, after what is queued has been written.
   * Read one file at a time (each at most `fileBytes` plus one batch), so an export never holds more than
   * one file in memory. Lines cut by a crash are skipped, as on load. The caller should stop reading
   * (`return()`) when its reader goes away: the open files are closed then.
   */
  async *export(filter: AuditFilter = {}): AsyncGenerator<string> {
    await this.flush();
    const needle = filter.text?.toLowerCase();
    // Every file is opened, and its size taken, before any is read: an open file keeps its contents through
    // a rotation's renames and removal, and lines appended after the export began are not part of it, so
    // an export running while calls are recorded neither repeats nor skips lines.
    const files: { handle: FileHandle; size: number }[] = [];
    try {
      for (let i = this.#bounds.files - 1; i >= 0; i--) {
        const handle = await open(this.#nth(i), 'r').catch(() => undefined);
        if (!handle) continue;
        const entry = { handle, size: 0 };
        files.push(entry);
        entry.size = (await handle.stat()).size;
      }
      for (const { handle, size } of files) {
        const buffer = Buffer.alloc(size);
        let filled = 0;
        while (filled < size) {
          const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        for (const line of buffer.toString('utf8', 0, filled).split('\n')) {
          if (!line) continue;
          let record: AuditRecord;
          try {
            record = JSON.parse(line) as AuditRecord;
          } catch {
            continue;
          }
          if (matchesAudit(record, filter, needle)) yield `${line}\n`;
        }
      }
    } finally {
      await Promise.allSettled(files.map((f) => f.handle.close()));
    }
  }

  /** Appends what is queued, after any append in progress. */
  flush(): Promise<void> {
    this.#scheduled = false;
    const lines = this.#queued.splice(0);
    if (lines.length === 0) return this.#chain;
    const run = this.#chain.then(() => this.#write(`${lines.join('\n')}\n`));
    this.#chain = run.catch((error: unknown) =>
      this.warn(`could not write the audit trail ${this.file}: ${(error as Error).message}`),
    );
    return this.#chain;
  }

  /** One JSON line of at most `lineBytes`: the arguments go first, then the error text is cut. */
  #line(record: AuditRecord): [string, AuditRecord] {
    let line = JSON.stringify(record);
    // Most lines are far below the bound: the cheap length test (UTF-8 is at most 3 bytes per UTF-16 unit) skips the byte count.
    if (line.length * 3 <= this.#bounds.lineBytes || Buffer.byteLength(line) <= this.#bounds.lineBytes)
      return [line, record];
    const { arguments: _dropped, ...rest } = record;
    const slim: AuditRecord = {
      ...rest,
      ...(record.arguments !== undefined ? { argumentsDropped: true } : {}),
    };
    line = JSON.stringify(slim);
    if (Buffer.byteLength(line) <= this.#bounds.lineBytes) return [line, slim];
    // Only the error text (a child's message) is unbounded among the remaining fields.
    const over = Buffer.byteLength(line) - this.#bounds.lineBytes;
    const error = slim.error ?? '';
    const cut = { ...slim, error: `${error.slice(0, Math.max(0, error.length - over - 16))}…` };
    return [JSON.stringify(cut), cut];
  }

  async #write(data: string): Promise<void> {
    const bytes = Buffer.byteLength(data);
    if (this.#size > 0 && this.#size + bytes > this.#bounds.fileBytes) await this.#rotate();
    const created = this.#size === 0;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await appendFile(this.file, data, { mode: 0o600 });
    // The mode given at creation is filtered through the umask; the trail can hold arguments.
    if (created) await chmod(this.file, 0o600);
    this.#size += bytes;
  }

  async #rotate(): Promise<void> {
    await rm(this.#nth(this.#bounds.files - 1), { force: true });
    for (let i = this.#bounds.files - 2; i >= 0; i--) {
      await rename(this.#nth(i), this.#nth(i + 1)).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      });
    }
    this.#size = 0;
  }

  #nth(index: number): string {
    return index === 0 ? this.file : path.join(this.dir, `audit.${index}.jsonl`);
  }

  /** Bytes in the current file (tests and status). */
  async currentSize(): Promise<number> {
    return (await stat(this.file).catch(() => ({ size: 0 }))).size;
  }
}
