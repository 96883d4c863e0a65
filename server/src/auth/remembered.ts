import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../config/atomicWrite.js';

/** Clients the user approved with "remember": their next requests skip the prompt until revoked. */
export class RememberedClients {
  private constructor(
    private readonly file: string,
    private readonly ids: Set<string>,
  ) {}

  static async open(file: string): Promise<RememberedClients> {
    const text = await readFile(file, 'utf8').catch(() => '[]');
    let ids: string[] = [];
    try {
      const parsed = JSON.parse(text) as unknown;
      if (Array.isArray(parsed)) ids = parsed.filter((id): id is string => typeof id === 'string');
    } catch {
      // An unreadable list only means the user is asked again: the safe direction.
    }
    return new RememberedClients(file, new Set(ids));
  }

  has(clientId: string): boolean {
    return this.ids.has(clientId);
  }

  async add(clientId: string): Promise<void> {
    this.ids.add(clientId);
    await writeFileAtomic(this.file, JSON.stringify([...this.ids]));
  }

  async remove(clientId: string): Promise<void> {
    if (this.ids.delete(clientId)) await writeFileAtomic(this.file, JSON.stringify([...this.ids]));
  }
}
