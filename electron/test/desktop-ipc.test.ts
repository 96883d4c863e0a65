import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Stamped } from '#core';
import { AdminClient } from '../../renderer/src/api/client.js';
import { AdminApiError } from '../../renderer/src/api/errors.js';
import { createIpcTransport, type AdminIpcBridge } from '../../renderer/src/api/ipc.js';
import type { AdminTransport } from '../../renderer/src/api/transport.js';
import { createAdminBridge } from '../src/preload/bridge.js';
import type { AdminBridge } from '../src/shared/ipc.js';
import type { FakeWebContents } from './fakeElectron.js';
import {
  eventually,
  fixture,
  launch,
  rendererIpc,
  removeDirs,
  repoRoot,
  testDirs,
  writeConfig,
  type Launched,
  type TestDirs,
} from './helpers/desktop.js';

let dirs: TestDirs;
let app: Launched;

beforeEach(async () => {
  dirs = await testDirs();
  await writeConfig(dirs, {
    mcpServers: { echo: { command: process.execPath, args: [fixture('echo-server.ts')] } },
  });
  app = await launch(dirs);
  await app.desktop.core.whenSettled();
});
afterEach(async () => {
  await app.quit();
  await removeDirs(dirs);
});

function windowTransport(): { transport: AdminTransport; contents: FakeWebContents } {
  const contents = app.fake.window?.webContents;
  if (!contents) throw new Error('no window');
  // The preload's bridge is exactly what the renderer's IPC transport expects, both ways.
  const bridge: AdminIpcBridge = createAdminBridge(rendererIpc(app.fake, contents));
  const back: AdminBridge = bridge;
  return { transport: createIpcTransport(back), contents };
}

describe('the admin API over IPC (preload bridge -> typed channels -> the same router as HTTP)', () => {
  it('answers the window’s requests and maps errors to the renderer’s AdminApiError', async () => {
    const { transport } = windowTransport();
    // The window's own client, typed from the operation table, over this transport.
    const client = new AdminClient(transport);
    const status = await client.status();
    expect(status.auth).toBe(true);
    expect(status.servers).toEqual([expect.objectContaining({ name: 'echo', state: 'ready' })]);

    const missing = await transport.request('GET', '/servers/nope').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(AdminApiError);
    expect(missing).toMatchObject({ code: 'not_found' });

    const invalid = await transport
      .request('POST', '/servers', { name: 'bad name!', spec: { command: '' } })
      .catch((error: unknown) => error);
    expect(invalid).toMatchObject({ code: 'invalid_input' });
    expect((invalid as AdminApiError).issues.length).toBeGreaterThan(0);

    const restarted = await client.restartServer('echo');
    expect(restarted.name).toBe('echo');
  });

  it('carries the per-tool control routes: the audit export as a whole file, bad queries as invalid_input', async () => {
    const { transport } = windowTransport();
    // A tool call through the window is not audited (no client), so the export of a fresh trail is empty.
    const file = await transport.download('/audit/export?server=echo');
    expect(file).toEqual({
      filename: expect.stringMatching(/^ferry-audit-.+\.jsonl$/) as string,
      contentType: 'application/x-ndjson',
      text: expect.any(String) as string,
    });
    const bad = await transport.request('GET', '/audit?limit=none').catch((error: unknown) => error);
    expect(bad).toMatchObject({ code: 'invalid_input', issues: [{ path: 'query.limit' }] });
    const policy = await transport.request('PATCH', '/servers/echo/policy', { defaultToolPolicy: 'deny' });
    expect(policy).toMatchObject({ server: 'echo', defaultToolPolicy: 'deny' });
    const tool = await new AdminClient(transport).tool('echo', 'echo');
    expect(tool).toMatchObject({
      policy: 'deny',
      policySource: 'server',
      review: { current: { name: 'echo' } },
    });
  });

  it('streams core events to the window in order, once each, with a backlog after `since`', async () => {
    const { transport } = windowTransport();
    const live: Stamped[] = [];
    const stop = transport.events(undefined, (event) => void live.push(event));
    const before = app.desktop.core.events.lastSeq;
    await transport.request('POST', '/servers/echo/restart');
    await eventually(
      () => live.some((e) => e.type === 'server.status' && e.state === 'ready'),
      'the restart to reach the window',
    );
    const seqs = live.map((e) => e.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    stop();

    const replayed: Stamped[] = [];
    const stopReplay = transport.events(before, (event) => void replayed.push(event));
    await eventually(() => replayed.length >= live.length, 'the backlog');
    expect(replayed.slice(0, live.length).map((e) => e.seq)).toEqual(seqs.slice(0, replayed.length));
    stopReplay();
    // The last subscriber leaving stops the pushes in the main process too.
    const sentBefore = app.fake.window?.webContents.sent.length ?? 0;
    app.desktop.core.events.log('info', 'test', 'after unsubscribe');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(app.fake.window?.webContents.sent.length).toBe(sentBefore);
  });

  it('refuses calls from other pages, other origins, subframes, and malformed arguments, without running them', async () => {
    const { contents } = windowTransport();
    const request = { method: 'POST', path: '/servers/echo/restart' };
    const pid = app.desktop.core.admin.servers()[0]?.pid;
    const { FakeWebContents } = await import('./fakeElectron.js');
    const stranger = new FakeWebContents();
    stranger.url = 'ferry://app/index.html';
    await expect(app.fake.ipcMain.invoke(stranger.invokeEvent(), 'admin:request', request)).rejects.toThrow(
      /refused \(sent from a page outside Ferry’s window\)/,
    );
    await expect(
      app.fake.ipcMain.invoke(
        contents.invokeEvent({ url: 'https://evil.example/' }),
        'admin:request',
        request,
      ),
    ).rejects.toThrow(/refused \(sent from https:\/\/evil\.example\)/);
    await expect(
      app.fake.ipcMain.invoke(contents.invokeEvent({ parent: {} }), 'admin:request', request),
    ).rejects.toThrow(/subframe/);
    await expect(
      app.fake.ipcMain.invoke(contents.invokeEvent(), 'admin:request', { method: 'EXEC', path: '/status' }),
    ).rejects.toThrow(/malformed arguments/);
    await expect(
      app.fake.ipcMain.invoke(contents.invokeEvent(), 'admin:request', 'GET /status'),
    ).rejects.toThrow(/malformed arguments/);
    expect(app.desktop.core.admin.servers()[0]?.pid).toBe(pid);
    const refusals = app.desktop.core.admin
      .logs(50)
      .filter((line) => line.message.startsWith('IPC admin:request refused'));
    expect(refusals).toHaveLength(3);
  });

  it('serves the window from ferry://app with its CSP, and the sandboxed preload needs nothing but electron', async () => {
    const handler = app.fake.protocolHandlers.get('ferry');
    if (!handler) throw new Error('no ferry: protocol handler');
    const page = await handler(new Request('ferry://app/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<div id="root">');
    expect((await handler(new Request('ferry://app/../../package.json'))).status).toBe(404);

    const preload = await readFile(`${repoRoot}/electron/dist/preload/index.cjs`, 'utf8');
    const required = [...preload.matchAll(/require\((["'])([^"']+)\1\)/g)].map((m) => m[2]);
    expect(required).toEqual(['electron']);
    expect(preload).not.toMatch(/^\s*(import|export)\s/m);
  });
});
