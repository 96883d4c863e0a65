/** How often `until` asks again: often enough that a test waits little past the moment, rarely enough to stay cheap. */
export const UNTIL_POLL_MS = 50;
/** How long `until` waits unless told otherwise: far beyond any condition a passing test waits for. */
export const UNTIL_TIMEOUT_MS = 10_000;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` every UNTIL_POLL_MS until it returns something other than undefined/false, and returns
 * that; fails after `timeoutMs`, naming `what` and the last error the probe threw.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = UNTIL_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : JSON.stringify(error);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`,
      );
    }
    await sleep(UNTIL_POLL_MS);
  }
}
