/** Identifiers for the demo's `random_id` tool, from the OS CSPRNG. */
import { randomBytes, randomUUID } from 'node:crypto';

export const RANDOM_ID_FORMATS = ['uuid', 'hex'] as const;
export type RandomIdFormat = (typeof RANDOM_ID_FORMATS)[number];

export const MAX_RANDOM_BYTES = 1024;
export const MAX_RANDOM_COUNT = 100;

export interface RandomIdRequest {
  format: RandomIdFormat;
  /** Bytes per id for `hex` (each byte is two hex digits); ignored for `uuid`. */
  bytes: number;
  count: number;
}

function checkBound(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be a whole number from 1 to ${max}, got ${value}`);
  }
}

/** Random version-4 UUIDs or hex strings; the tool schema bounds the input, this re-checks for direct callers. */
export function randomIds({ format, bytes, count }: RandomIdRequest): string[] {
  checkBound('count', count, MAX_RANDOM_COUNT);
  if (format === 'hex') checkBound('bytes', bytes, MAX_RANDOM_BYTES);
  return Array.from({ length: count }, () =>
    format === 'uuid' ? randomUUID() : randomBytes(bytes).toString('hex'),
  );
}
