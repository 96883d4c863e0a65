import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite.js';

/**
 * The headless admin listener's port and token, kept across restarts in `<dataDir>/admin.json` (0600, like
 * runtime.json, which already holds the same token while Ferry runs): a window or bookmark opened on the
 * admin link keeps working after `ferry serve` restarts. `--new-admin-token` rotates the token.
 */
export interface AdminIdentity {
  port: number;
  token: string;
}

export const ADMIN_IDENTITY_FILE = 'admin.json';

/** 32 random bytes, base64url: the same strength as before the token was kept. */
export function newAdminToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The saved identity, or undefined when there is none or it is unreadable (then Ferry mints a new one). */
export async function loadAdminIdentity(dataDir: string): Promise<AdminIdentity | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path.join(dataDir, ADMIN_IDENTITY_FILE), 'utf8')) as unknown;
    const { port, token } = (parsed ?? {}) as Partial<AdminIdentity>;
    if (
      typeof token !== 'string' ||
      !/^[A-Za-z0-9_-]{32,256}$/.test(token) ||
      typeof port !== 'number' ||
      !Number.isInteger(port) ||
      port < 1 ||
      port > 65535
    )
      return undefined;
    return { port, token };
  } catch {
    return undefined;
  }
}

export async function saveAdminIdentity(dataDir: string, identity: AdminIdentity): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(path.join(dataDir, ADMIN_IDENTITY_FILE), `${JSON.stringify(identity)}\n`, {
    mode: 0o600,
  });
}
