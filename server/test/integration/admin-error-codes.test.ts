import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminErrorOf } from '../../src/admin/errors.js';
import { authStateIoError } from '../../src/auth/store/errors.js';
import { ConfigError, configIoError } from '../../src/config/errors.js';
import { Conflict, FerryError, Forbidden, Invalid, NotFound, Unavailable } from '../../src/util/errors.js';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';

/** Each part throws an error with a code; the admin surface answers by that code and nothing else. */
describe('admin errors by code', () => {
  let ferry: TestFerry;
  let admin: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    // OAuth on: the consent errors come from the running authorization server.
    ferry = await startFerry({ echo: echoServer() }, { auth: true, ferry: { tunnel: { mode: 'off' } } });
    await serverState(ferry, 'echo', 'ready');
    admin = ferry.runtime.adminUrl as string;
    auth = { authorization: `Bearer ${ferry.runtime.adminToken}` };
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await ferry.stop();
  });

  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${admin}${path}`, {
      ...init,
      headers: { ...auth, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('maps the generic kinds and every part’s own codes to a status, messages word for word', () => {
    const cases: [FerryError, string, number][] = [
      [new NotFound('gone'), 'not_found', 404],
      [new Conflict('busy'), 'conflict', 409],
      [new Invalid('bad'), 'invalid_input', 400],
      [new Forbidden('no'), 'forbidden', 403],
      [new Unavailable('off'), 'unavailable', 503],
      [new ConfigError('server_exists', 'c.json', 'taken'), 'conflict', 409],
      [new ConfigError('config_syntax', 'c.json', 'broken'), 'config_broken', 409],
    ];
    for (const [error, code, status] of cases) {
      const mapped = adminErrorOf(error);
      expect({ code: mapped.code, status: mapped.status, message: mapped.message }).toEqual({
        code,
        status,
        message: error.message,
      });
    }
    expect(NotFound.code).toBe('not_found');
    const issues = [{ path: 'command', message: 'required', fix: 'name a program' }];
    expect(adminErrorOf(new ConfigError('config_invalid', 'c.json', 'bad', { issues })).toJSON()).toEqual({
      code: 'config_broken',
      message: 'bad',
      issues,
    });
  });

  it('answers a write refused for want of space as storage_full (507), also when a part wrapped it', () => {
    let enospc: unknown;
    try {
      // A real ENOSPC from the system: every write to /dev/full is refused for want of space.
      writeFileSync('/dev/full', 'x');
    } catch (error) {
      enospc = error;
    }
    expect((enospc as NodeJS.ErrnoException).code).toBe('ENOSPC');
    const direct = adminErrorOf(enospc);
    expect([direct.code, direct.status]).toEqual(['storage_full', 507]);
    expect(direct.message).toMatch(
      /^Ferry could not save this because the disk holding its data is full \(ENOSPC/,
    );
    const wrapped = adminErrorOf(new Error('could not store the grant', { cause: enospc }));
    expect(wrapped.code).toBe('storage_full');
    // A part that wrapped it said which file and what to do: that message is kept, whatever its own code.
    const config = configIoError('/data/config.json', 'write', enospc);
    expect(adminErrorOf(config).toJSON()).toEqual({ code: 'storage_full', message: config.message });
    expect(config.message).toContain('Fix: free some disk space');
    const oauth = authStateIoError('/data/auth-state.json', 'write', enospc);
    expect(adminErrorOf(oauth).toJSON()).toEqual({ code: 'storage_full', message: oauth.message });
    expect(adminErrorOf(Object.assign(new Error('denied'), { code: 'EACCES' })).code).toBe('internal');
  });

  it('answers an error without a known code as internal, never as a guessed conflict', () => {
    expect(adminErrorOf(new Error('a bug')).code).toBe('internal');
    expect(adminErrorOf(new FerryError('uncoded')).code).toBe('internal');
    expect(adminErrorOf('thrown text').toJSON()).toEqual({ code: 'internal', message: 'thrown text' });
  });

  it('answers what the hub, the consents, the approvals and the tool gate throw by their codes', async () => {
    expect(await api('/api/consents/nope/approve', { method: 'POST', body: '{}' })).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'no consent request nope (it may have expired)' } },
    });
    expect(await api('/api/approvals/nope/deny', { method: 'POST' })).toEqual({
      status: 404,
      body: {
        error: {
          code: 'not_found',
          message: 'no such approval is waiting (answered, timed out or cancelled)',
        },
      },
    });
    expect(await api('/api/tools/echo/ghost/accept', { method: 'POST' })).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'no tool "ghost" of "echo" has been seen' } },
    });
    await api('/api/servers/echo', { method: 'PATCH', body: JSON.stringify({ disabled: true }) });
    expect(await api('/api/servers/echo/restart', { method: 'POST' })).toEqual({
      status: 409,
      body: { error: { code: 'conflict', message: 'server "echo" is disabled; enable it first' } },
    });
    await api('/api/servers/echo', { method: 'PATCH', body: JSON.stringify({ disabled: false }) });
    await serverState(ferry, 'echo', 'ready');
  });

  it('answers a plain Error from a part as internal (500) and logs it, instead of calling it a conflict', async () => {
    const logged: string[] = [];
    const off = ferry.core.events.on('log', (event) => {
      if (event.source === 'admin') logged.push(event.message);
    });
    vi.spyOn(ferry.core.hub, 'restartServer').mockRejectedValueOnce(new TypeError('a bug, not a state'));
    const res = await api('/api/servers/echo/restart', { method: 'POST' });
    off();
    expect(res).toEqual({
      status: 500,
      body: { error: { code: 'internal', message: 'a bug, not a state' } },
    });
    expect(logged.some((line) => line.includes('TypeError: a bug, not a state'))).toBe(true);
  });
});
