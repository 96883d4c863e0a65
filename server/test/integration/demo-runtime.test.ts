import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core, type CoreOptions } from '../../src/core.js';
import { EventBus } from '../../src/events/bus.js';
import { MemorySecretStore } from '../../src/secrets/memory.js';
import { repoRoot } from '../helpers/fixtures.js';

/** How the desktop app chooses to run the demo server when there is no config (electron/src/main/boot.ts). */
let dataDir: string;
let core: Core | undefined;

afterEach(async () => {
  await core?.stop();
  core = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

async function start(demoRuntime: Pick<CoreOptions, 'demoRuntime'>) {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-demo-runtime-'));
  const bus = new EventBus();
  core = createCore(
    {
      dataDir,
      port: 0,
      adminPort: false,
      writeRuntimeFile: false,
      tunnel: 'off',
      auth: false,
      ...demoRuntime,
    },
    { bus, secrets: new MemorySecretStore() },
  );
  await core.start();
  await core.whenSettled();
  return { core, bus };
}

describe('demo runtime', () => {
  it('runs the self-contained bundle on the given node (a packaged app with RunAsNode off)', async () => {
    const script = path.join(repoRoot, 'server/dist/demo-standalone/server.mjs');
    const { core } = await start({ demoRuntime: { command: process.execPath, script } });
    const [demo] = core.admin.servers();
    expect(demo).toMatchObject({ name: 'demo', state: 'ready', args: [script] });
    expect(demo?.tools).toBeGreaterThan(0);
  });

  it('starts with no servers, and says how to add one, when there is no node to run it', async () => {
    const { core, bus } = await start({ demoRuntime: false });
    expect(core.admin.servers()).toEqual([]);
    expect(core.admin.status().demo).toBe(true);
    expect(
      bus.since(0).some((e) => e.type === 'log' && /add a server or import Claude Desktop/.test(e.message)),
    ).toBe(true);
  });
});
