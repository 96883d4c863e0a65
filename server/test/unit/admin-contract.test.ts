import { describe, expect, it } from 'vitest';
import type { AdminApi } from '../../src/admin/api.js';
import { AdminDownload } from '../../src/admin/download.js';
import { adminOperations } from '../../src/admin/operations.js';
import { createAdminRouter } from '../../src/admin/router.js';
import { AdminClient } from '../../../renderer/src/api/client.js';
import { ROUTES } from '../../../renderer/src/api/routes.js';
import type { AdminTransport } from '../../../renderer/src/api/transport.js';
import type { BodyOf, ParamsOf, QueryOf, ResultOf, StatusSnapshot } from '../../../renderer/src/api/types.js';

/**
 * The operation table is the one source of the admin contract: the router dispatches from it and the
 * window's client is typed from it. These check that the two ends agree on every operation at run time
 * (the compiler checks the types; the `@ts-expect-error` lines below fail `tsc` if a check goes away).
 */

/** An AdminApi that records which method ran with which arguments, and answers with that record. */
function recordingApi(): { api: AdminApi; calls: [string, unknown[]][] } {
  const calls: [string, unknown[]][] = [];
  const api = new Proxy(
    {},
    {
      get: (_target, method: string) =>
        method === 'auditExport'
          ? (...args: unknown[]) => {
              calls.push([method, args]);
              return new AdminDownload('f.jsonl', 'application/x-ndjson', lines());
            }
          : (...args: unknown[]) => {
              calls.push([method, args]);
              return { ran: method };
            },
    },
  );
  return { api: api as AdminApi, calls };
}

async function* lines(): AsyncGenerator<string> {
  yield await Promise.resolve('{"a":1}\n');
}

/** The window's transport, short-circuited to the router (what HTTP and IPC both end in). */
function routerTransport(api: AdminApi, sent: [string, string, unknown][]): AdminTransport {
  const dispatch = createAdminRouter(api);
  return {
    description: 'the router',
    request: (method, path, body) => {
      sent.push([method, path, body]);
      return dispatch(method, path, body);
    },
    download: async (path) => {
      sent.push(['GET', path, undefined]);
      const file = (await dispatch('GET', path)) as AdminDownload;
      return { filename: file.filename, contentType: file.contentType, text: await file.text() };
    },
    events: () => () => undefined,
  };
}

describe('the admin operation table', () => {
  it('is what the window addresses: the same method and path pattern for every operation', () => {
    const table = Object.fromEntries(
      Object.entries(adminOperations).map(([name, op]) => [name, [op.method, op.path]]),
    );
    expect(ROUTES).toEqual(table);
  });

  it('takes every client call to its AdminApi method, path names encoded and decoded intact', async () => {
    const { api, calls } = recordingApi();
    const sent: [string, string, unknown][] = [];
    const client = new AdminClient(routerTransport(api, sent));
    const name = 'a b/c%d?e';
    await client.server(name);
    await client.restartServer(name);
    await client.setDisabled(name, true);
    await client.updateServer(name, { spec: { command: 'x' } });
    await client.tool(name, 'x/y');
    await client.setToolPolicy(name, 'x/y', null);
    await client.revokeClient('https://client.example/meta.json');
    await client.approveToolCall('id 1', 'always');
    await client.importServers({ fromClaudeDesktop: true, preview: true });
    await client.audit(5, { server: name, decision: 'denied', since: 1000, q: '' });
    expect(await client.calls(3)).toEqual({ ran: 'calls' });
    expect(await client.removeServer(name)).toEqual({ removed: true });
    expect(await client.exportAudit({ tool: 'x' })).toEqual({
      filename: 'f.jsonl',
      contentType: 'application/x-ndjson',
      text: '{"a":1}\n',
    });
    expect(calls).toEqual([
      ['server', [name]],
      ['restartServer', [name]],
      ['setDisabled', [name, true]],
      ['updateServer', [name, { command: 'x' }, undefined, undefined]],
      ['tool', [name, 'x/y']],
      ['setToolPolicy', [name, 'x/y', null]],
      ['revokeClient', ['https://client.example/meta.json']],
      ['approveToolCall', ['id 1', 'always']],
      ['importServers', [{ fromClaudeDesktop: true, preview: true }]],
      ['audit', [5, { server: name, decision: 'denied', since: 1000 }]],
      ['calls', [3]],
      ['removeServer', [name]],
      ['auditExport', [{ tool: 'x' }]],
    ]);
    // Each name is one path segment on the wire, and an empty filter is no parameter.
    expect(sent.map(([method, path]) => `${method} ${path}`)).toEqual([
      'GET /servers/a%20b%2Fc%25d%3Fe',
      'POST /servers/a%20b%2Fc%25d%3Fe/restart',
      'PATCH /servers/a%20b%2Fc%25d%3Fe',
      'PATCH /servers/a%20b%2Fc%25d%3Fe',
      'GET /tools/a%20b%2Fc%25d%3Fe/x%2Fy',
      'PATCH /tools/a%20b%2Fc%25d%3Fe/x%2Fy',
      'DELETE /clients/https%3A%2F%2Fclient.example%2Fmeta.json',
      'POST /approvals/id%201/approve',
      'POST /servers/import',
      'GET /audit?limit=5&server=a+b%2Fc%25d%3Fe&decision=denied&since=1000',
      'GET /calls?limit=3',
      'DELETE /servers/a%20b%2Fc%25d%3Fe',
      'GET /audit/export?tool=x',
    ]);
  });

  it('holds the window to the table at compile time', () => {
    // @ts-expect-error the table says GET
    const wrongMethod: (typeof ROUTES)['status'] = ['POST', '/status'];
    // @ts-expect-error a path parameter the pattern does not name
    const wrongParam: ParamsOf<'tool'> = { server: 's', name: 't' };
    // @ts-expect-error not a policy
    const wrongBody: BodyOf<'setToolPolicy'> = { policy: 'maybe' };
    // @ts-expect-error not a parameter of the audit query
    const wrongQuery: QueryOf<'audit'> = { limt: 5 };
    const status: ResultOf<'status'> extends StatusSnapshot ? true : false = true;
    expect([wrongMethod, wrongParam, wrongBody, wrongQuery, status]).toHaveLength(5);
  });
});
