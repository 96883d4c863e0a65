import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { echoServer } from './fixtures.js';
import { serverState, startFerry, type StartOptions, type TestFerry } from './ferry.js';
import { OAuthHarness, outboundFetchGuard } from './oauth.js';

export interface OAuthFerryOptions {
  /** The servers behind it; one echo server unless told otherwise. */
  servers?: Record<string, Record<string, unknown>>;
  /** The servers to wait for before the first test; the first one unless told otherwise. */
  ready?: string[];
  /** Anything else for `startFerry`; OAuth is always on and the public URL is the fixture's. */
  start?: Omit<StartOptions, 'auth' | 'publicUrl'>;
  /** A fresh Ferry for every test instead of one for the file (state that would leak between tests). */
  perTest?: boolean;
  /** Refuse and record every fetch off the test Ferry while it runs (`outboundFetchGuard`). */
  guard?: boolean;
}

/** The harness of a file's (or a test's) Ferry, with the guard when one was asked for. */
export class OAuthFixture extends OAuthHarness<TestFerry> {
  guard: ReturnType<typeof outboundFetchGuard> | undefined;
}

/**
 * The per-file setup of the OAuth tests, as hooks: start Ferry with OAuth on behind `publicOrigin`, wait for
 * its servers, and stop it afterwards. The returned harness reaches the running Ferry (`h.ferry`) only
 * inside tests and later hooks.
 */
export function useOAuthFerry(publicOrigin: string, options: OAuthFerryOptions = {}): OAuthFixture {
  let ferry: TestFerry | undefined;
  const fixture = new OAuthFixture(() => {
    if (!ferry) throw new Error('the test Ferry runs only inside its tests and hooks');
    return ferry;
  }, publicOrigin);
  const [before, after] = options.perTest ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    const servers = options.servers ?? { echo: echoServer() };
    const started = await startFerry(servers, { ...options.start, auth: true, publicUrl: publicOrigin });
    ferry = started;
    const ready = options.ready ?? Object.keys(servers).slice(0, 1);
    await Promise.all(ready.map((name) => serverState(started, name, 'ready')));
    if (options.guard) fixture.guard = outboundFetchGuard(started);
  });
  after(async () => {
    fixture.guard?.restore();
    fixture.guard = undefined;
    await ferry?.stop();
    ferry = undefined;
  });
  return fixture;
}
