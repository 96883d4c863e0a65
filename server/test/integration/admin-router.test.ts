import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminRouter, type AdminDispatch } from '../../src/admin/router.js';
import { createCore, type Core } from '../../src/core.js';
import { EventBus } from '../../src/events/bus.js';
import { MemorySecretStore } from '../../src/secrets/memory.js';

/** The transport-free admin router both surfaces dispatch through (HTTP listener, Electron IPC). */
let dataDir: string;
let core: Core;
let dispatch: AdminDispatch;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-router-'));
  core = createCore(
    {
      dataDir,
      port: 0,
      adminPort: false,
      writeRuntimeFile: false,
      tunnel: 'off',
      auth: false,
      demoRuntime: false,
    },
    { bus: new EventBus(), secrets: new MemorySecretStore() },
  );
  await core.start();
  dispatch = createAdminRouter(core.admin);
});
afterAll(async () => {
  await core.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as { code: string; message: string; issues?: unknown[] },
  );

describe('admin router', () => {
  it('routes by method and path, with query parameters', async () => {
    expect(await dispatch('GET', '/servers')).toEqual([]);
    core.events.log('info', 'test', 'one');
    core.events.log('info', 'test', 'two');
    const logs = (await dispatch('GET', '/logs?limit=1')) as { message: string }[];
    expect(logs.map((line) => line.message)).toEqual(['two']);
  });

  it('tells a wrong method from an unknown path', async () => {
    expect(await failure(dispatch('DELETE', '/status'))).toMatchObject({
      code: 'not_found',
      message: 'DELETE is not allowed on /status',
    });
    expect(await failure(dispatch('GET', '/nothing'))).toMatchObject({
      code: 'not_found',
      message: 'no admin route GET /nothing',
    });
  });

  it('takes only a path: no authority, no relative reference', async () => {
    expect(await failure(dispatch('GET', '//status/status'))).toMatchObject({ code: 'not_found' });
    expect(await failure(dispatch('GET', 'status'))).toMatchObject({ code: 'not_found' });
  });

  it('answers invalid_input for a malformed escape in a name and for a body that does not match', async () => {
    expect(await failure(dispatch('GET', '/servers/%E0%A4%A'))).toMatchObject({ code: 'invalid_input' });
    const bad = await failure(dispatch('POST', '/servers', { spec: {} }));
    expect(bad).toMatchObject({ code: 'invalid_input' });
    expect(bad.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'name' })]));
    expect(await failure(dispatch('GET', '/servers/ghost'))).toMatchObject({ code: 'not_found' });
  });
});
