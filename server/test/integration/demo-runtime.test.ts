import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CoreOptions } from '../../src/core.js';
import { startFerry, type TestFerry } from '../helpers/ferry.js';
import { repoRoot } from '../helpers/fixtures.js';

/** How the desktop app chooses to run the demo server when there is no config (electron/src/main/boot.ts). */
let ferry: TestFerry | undefined;

afterEach(async () => {
  await ferry?.stop();
  ferry = undefined;
});

async function start(demoRuntime: CoreOptions['demoRuntime']) {
  ferry = await startFerry({}, { noConfig: true, coreOptions: { demoRuntime } });
  await ferry.core.whenSettled();
  return { core: ferry.core, bus: ferry.bus };
}

describe('demo runtime', () => {
  it('runs the self-contained bundle on the given node (a packaged app with RunAsNode off)', async () => {
    const script = path.join(repoRoot, 'server/dist/demo-standalone/server.mjs');
    const { core } = await start({ command: process.execPath, script });
    const [demo] = core.admin.servers();
    expect(demo).toMatchObject({ name: 'demo', state: 'ready', args: [script] });
    expect(demo?.tools).toBeGreaterThan(0);
  });

  it('starts with no servers, and says how to add one, when there is no node to run it', async () => {
    const { core, bus } = await start(false);
    expect(core.admin.servers()).toEqual([]);
    expect(core.admin.status().demo).toBe(true);
    expect(
      bus.since(0).some((e) => e.type === 'log' && /add a server or import Claude Desktop/.test(e.message)),
    ).toBe(true);
  });
});
