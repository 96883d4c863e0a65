import { readFile } from 'node:fs/promises';
import { authStateCorruptError, authStateIoError, AuthStoreError } from './errors.js';
import { isExpired } from './modelTable.js';
import { isDurable, PERSISTED_MODELS, type PersistedModel, type StoredEntry } from './types.js';

/** Layout of the state file; docs/oauth-storage.md describes it. Bump `version` on any incompatible change. */
export const STATE_VERSION = 1;

export type PersistedState = Record<PersistedModel, [key: string, entry: StoredEntry][]>;

/**
 * Reads the state file. A missing file is a fresh start (undefined); anything unreadable or malformed throws,
 * so that the next write can never replace the user's clients and grants with an empty state.
 */
export async function readStateFile(file: string): Promise<PersistedState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw authStateIoError(file, 'read', error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw authStateCorruptError(file, 'it is not valid JSON', error);
  }
  return parseState(file, parsed);
}

function parseState(file: string, parsed: unknown): PersistedState {
  if (!isRecord(parsed)) throw authStateCorruptError(file, 'it is not a JSON object');
  if (parsed.version !== STATE_VERSION) {
    if (typeof parsed.version === 'number' && parsed.version > STATE_VERSION)
      throw new AuthStoreError(
        'auth_state_version',
        file,
        `The OAuth state file ${file} has version ${parsed.version}, written by a newer Ferry; this one reads ` +
          `version ${STATE_VERSION}. Ferry will not overwrite it. Fix: update Ferry, or move the file aside ` +
          'and restart (connected clients will have to authorize again).',
      );
    throw authStateCorruptError(file, `"version" must be ${STATE_VERSION}`);
  }
  const { models } = parsed;
  if (!isRecord(models)) throw authStateCorruptError(file, '"models" must be an object');
  for (const name of Object.keys(models)) {
    if (!(PERSISTED_MODELS as readonly string[]).includes(name))
      throw authStateCorruptError(file, `"models" has an unknown model "${name}"`);
  }
  const state = {} as PersistedState;
  for (const name of PERSISTED_MODELS) {
    const records = models[name] ?? {};
    if (!isRecord(records)) throw authStateCorruptError(file, `"models.${name}" must be an object`);
    state[name] = Object.entries(records).map(([key, value]) => {
      const entry = parseEntry(value);
      if (entry === undefined)
        throw authStateCorruptError(
          file,
          `"models.${name}" has a malformed entry ${JSON.stringify(key)} (it needs a "payload" object and a numeric "createdAt")`,
        );
      return [key, entry];
    });
  }
  return state;
}

function parseEntry(value: unknown): StoredEntry | undefined {
  if (!isRecord(value) || !isRecord(value.payload) || !isTime(value.createdAt)) return undefined;
  const entry: StoredEntry = { payload: value.payload, createdAt: value.createdAt };
  for (const field of ['expiresAt', 'lastUsedAt', 'approvedAt'] as const) {
    const time = value[field];
    if (time === undefined) continue;
    if (!isTime(time)) return undefined;
    entry[field] = time;
  }
  return entry;
}

/**
 * The file's text for the live entries of each persisted model; expired ones, and clients nobody approved
 * yet (`isDurable`), are left out.
 */
export function serializeState(
  entriesOf: (model: PersistedModel) => Iterable<[string, StoredEntry]>,
  now: number,
): string {
  const models = Object.fromEntries(
    PERSISTED_MODELS.map((name) => {
      const live = [...entriesOf(name)].filter(
        ([, entry]) => !isExpired(entry, now) && isDurable(name, entry),
      );
      // fromEntries defines own properties, so an id such as "__proto__" survives as a key.
      return [name, Object.fromEntries(live.map(([key, entry]) => [key, orderFields(entry)]))];
    }),
  );
  return `${JSON.stringify({ version: STATE_VERSION, models }, null, 2)}\n`;
}

/** Timestamps first, payload last, absent fields omitted: a stable, readable record. */
function orderFields(entry: StoredEntry): StoredEntry {
  return {
    createdAt: entry.createdAt,
    ...(entry.expiresAt === undefined ? {} : { expiresAt: entry.expiresAt }),
    ...(entry.lastUsedAt === undefined ? {} : { lastUsedAt: entry.lastUsedAt }),
    ...(entry.approvedAt === undefined ? {} : { approvedAt: entry.approvedAt }),
    payload: entry.payload,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
