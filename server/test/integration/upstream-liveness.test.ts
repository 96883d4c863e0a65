import { afterEach, describe, expect, it } from 'vitest';
import { SecretStoreError } from '../../src/secrets/types.js';
import { MemorySecretStore } from '../../src/secrets/memory.js';
import { faultServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';

/**
 * Found by the soak (`npm run soak`, docs/reliability.md): a child that stops answering stayed "ready" for
 * ever, and a secret store that failed for a moment while a child restarted left that server `crashed`.
 */

let ferry: TestFerry | undefined;
afterEach(async () => {
  await ferry?.stop();
  ferry = undefined;
});

const pidOf = (f: TestFerry, name: string) => f.core.admin.server(name).pid;

/** A memory store that can be made to fail the way a locked or stopped keychain does. */
class FlakyStore extends MemorySecretStore {
  down = false;
  override get(key: string): Promise<string | undefined> {
    if (this.down) {
      return Promise.reject(new SecretStoreError('keychain_unavailable', 'the keychain is locked (test)'));
    }
    return super.get(key);
  }
}

describe('upstream liveness', () => {
  it('restarts a child that stops answering after a request to it times out', async () => {
    ferry = await startFerry(
      { fault: faultServer() },
      { ferry: { servers: { fault: { requestTimeoutSeconds: 1 } } } },
    );
    await serverState(ferry, 'fault', 'ready');
    const client = await ferry.connect('fault');
    const frozenPid = pidOf(ferry, 'fault');
    const seq = ferry.bus.lastSeq;
    await expect(client.callTool({ name: 'freeze', arguments: {} })).rejects.toThrow();
    const restarting = await ferry.waitFor(
      (e) => e.seq > seq && e.type === 'server.status' && e.server === 'fault' && e.state === 'restarting',
      20_000,
    );
    expect(restarting.type === 'server.status' && restarting.reason).toMatch(/stopped answering/);
    await ferry.waitFor(
      (e) => e.seq > seq && e.type === 'server.status' && e.server === 'fault' && e.state === 'ready',
      20_000,
    );
    expect(pidOf(ferry, 'fault')).not.toBe(frozenPid);
    const again = await client.callTool({ name: 'slow', arguments: { ms: 1 } });
    expect(again.isError).toBeFalsy();
  });

  it('leaves a slow child that still answers pings alone', async () => {
    ferry = await startFerry(
      { fault: faultServer() },
      { ferry: { servers: { fault: { requestTimeoutSeconds: 1 } } } },
    );
    await serverState(ferry, 'fault', 'ready');
    const client = await ferry.connect('fault');
    const pid = pidOf(ferry, 'fault');
    await expect(client.callTool({ name: 'slow', arguments: { ms: 3000, steps: 1 } })).rejects.toThrow();
    // Longer than the ping bound: had the ping failed, the child would be gone by now.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(pidOf(ferry, 'fault')).toBe(pid);
    expect(ferry.core.admin.server('fault').state).toBe('ready');
  });

  it('starts a child again once its secret store is back, instead of marking it crashed', async () => {
    const secrets = new FlakyStore();
    await secrets.set('fault/token', 'value-1');
    ferry = await startFerry(
      { fault: { ...faultServer(), env: { FAULT_TOKEN: '${secret:fault/token}' } } },
      { secrets },
    );
    await serverState(ferry, 'fault', 'ready');
    const firstPid = pidOf(ferry, 'fault') as number;
    const seq = ferry.bus.lastSeq;
    secrets.down = true;
    process.kill(firstPid, 'SIGKILL');
    const waiting = await ferry.waitFor(
      (e) =>
        e.seq > seq &&
        e.type === 'server.status' &&
        e.server === 'fault' &&
        /cannot read its secrets/.test(e.reason ?? ''),
      10_000,
    );
    expect(waiting.type === 'server.status' && waiting.state).toBe('restarting');
    // Longer than the test restart policy needs to give up on a crash loop (5 exits within a few backoffs).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(ferry.core.admin.server('fault').state).not.toBe('crashed');
    secrets.down = false;
    await ferry.waitFor(
      (e) => e.seq > seq && e.type === 'server.status' && e.server === 'fault' && e.state === 'ready',
      10_000,
    );
    expect(pidOf(ferry, 'fault')).not.toBe(firstPid);
  });
});
