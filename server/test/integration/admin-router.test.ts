import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminRouter, type AdminDispatch } from '../../src/admin/router.js';
import type { Core } from '../../src/core.js';
import { startFerry, type TestFerry } from '../helpers/ferry.js';

/** The transport-free admin router both surfaces dispatch through (HTTP listener, Electron IPC). */
let ferry: TestFerry;
let core: Core;
let dispatch: AdminDispatch;

beforeAll(async () => {
  ferry = await startFerry({}, { noConfig: true, coreOptions: { demoRuntime: false } });
  core = ferry.core;
  dispatch = createAdminRouter(core.admin);
});
afterAll(() => ferry.stop());

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
