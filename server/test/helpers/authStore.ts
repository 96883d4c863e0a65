import path from 'node:path';
import { afterEach } from 'vitest';
import { AuthStore, type AdapterPayload, type AuthStoreOptions } from '../../src/auth/store/index.js';
import { useTempDirEach } from './tempDir.js';

/** A fixed start for the stores' clock, in seconds, so that every expiry a test checks is exact. */
export const T0 = 1_700_000_000;
/** The clock `seconds` after T0, in milliseconds (what `now` returns). */
export const at = (seconds: number): number => (T0 + seconds) * 1000;

/** A public client registered for Claude's callback, as the store keeps it; `name` unless none is given. */
export const storedClient = (id: string, name?: string, extra: AdapterPayload = {}): AdapterPayload => ({
  client_id: id,
  ...(name === undefined ? {} : { client_name: name }),
  redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
  token_endpoint_auth_method: 'none',
  ...extra,
});

/** A test's store file in a fresh temp dir, the clock its stores read, and the stores it opened. */
export class AuthStoreFixture {
  dir = '';
  file = '';
  /** What every store opened here takes for now; a test moves it. */
  clock = at(0);
  readonly #open: AuthStore[] = [];

  /** A store on this test's file with this fixture's clock; closed after the test. */
  async open(options: AuthStoreOptions = {}): Promise<AuthStore> {
    const store = await AuthStore.open(this.file, { now: () => this.clock, ...options });
    this.#open.push(store);
    return store;
  }

  async closeAll(): Promise<void> {
    for (const store of this.#open.splice(0)) await store.close().catch(() => undefined);
  }
}

/**
 * The per-test setup of the AuthStore unit tests, as hooks: a fresh file `fileName` in a temp dir of
 * `prefix`, the clock at T0, and every store opened through the fixture closed before the dir goes.
 */
export function useAuthStore(prefix: string, fileName = 'auth-state.json'): AuthStoreFixture {
  const fixture = new AuthStoreFixture();
  useTempDirEach(prefix, (dir) => {
    fixture.dir = dir;
    fixture.file = path.join(dir, fileName);
    fixture.clock = at(0);
  });
  // Registered after the temp dir's hooks, so it runs before them (after-hooks run in reverse).
  afterEach(() => fixture.closeAll());
  return fixture;
}
