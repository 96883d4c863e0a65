import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MainIpc, push, senderRefusal } from '../src/main/ipc/typedIpc.js';
import type { InvokeEventLike } from '../src/main/host.js';
import type { AdminReply, AdminRequest } from '../src/shared/ipc.js';
import { WindowController } from '../src/main/window/controller.js';
import { FakeElectron, FakeWebContents } from './fakeElectron.js';

const APP_PAGE = 'ferry://app/index.html#/status';

let userData: string;
let fake: FakeElectron;

beforeEach(async () => {
  userData = await mkdtemp(path.join(os.tmpdir(), 'ferry-ipc-'));
  fake = new FakeElectron({ userData });
});
afterEach(() => rm(userData, { recursive: true, force: true }));

function page(url = APP_PAGE): FakeWebContents {
  const contents = new FakeWebContents();
  contents.url = url;
  return contents;
}

const owned =
  (...contents: FakeWebContents[]) =>
  (id: number) =>
    contents.some((c) => c.id === id);

describe('senderRefusal', () => {
  it('accepts a call from the top frame of ferry://app in an owned webContents', () => {
    const contents = page();
    expect(senderRefusal(contents.invokeEvent(), owned(contents))).toBeUndefined();
  });

  it('asks about the sending webContents by its id', () => {
    const contents = page();
    const asked: number[] = [];
    senderRefusal(contents.invokeEvent(), (id) => {
      asked.push(id);
      return true;
    });
    expect(asked).toEqual([contents.id]);
  });

  it('refuses when the sending frame is gone', () => {
    const contents = page();
    const event: InvokeEventLike = { sender: { id: contents.id }, senderFrame: null };
    expect(senderRefusal(event, owned(contents))).toBe('the sending frame is gone');
  });

  it('refuses a subframe, even on the app origin', () => {
    const contents = page();
    const event = contents.invokeEvent({ url: 'ferry://app/index.html', parent: { url: APP_PAGE } });
    expect(senderRefusal(event, owned(contents))).toBe('sent from a subframe');
  });

  it.each([
    ['https://app/index.html', 'https://app'],
    ['ferry://other/index.html', 'ferry://other'],
    ['file:///index.html', 'file://'],
    ['http://localhost:8787/ui/', 'http://localhost:8787'],
    ['ferry://app.evil/index.html', 'ferry://app.evil'],
  ])('refuses a frame on %s, naming %s', (url, origin) => {
    const contents = page(url);
    expect(senderRefusal(contents.invokeEvent(), owned(contents))).toBe(`sent from ${origin}`);
  });

  it('refuses a frame without a parseable URL', () => {
    const contents = page('');
    expect(senderRefusal(contents.invokeEvent(), owned(contents))).toBe('the sending frame has no URL');
  });

  it('refuses the app origin in a webContents Ferry does not own', () => {
    const mine = page();
    const stranger = page();
    const reason = senderRefusal(stranger.invokeEvent(), owned(mine));
    expect(reason).toBeDefined();
    expect(reason).toContain('outside');
  });
});

describe('MainIpc', () => {
  const parseRequest = (args: unknown[]): [AdminRequest] => {
    const [raw] = args;
    if (typeof raw !== 'object' || raw === null) throw new Error('admin:request needs a request object');
    const { method, path: requestPath } = raw as Record<string, unknown>;
    if (method !== 'GET' && method !== 'POST') throw new Error('bad method');
    if (typeof requestPath !== 'string') throw new Error('bad path');
    return [{ method, path: requestPath }];
  };

  function setUp(ownsContents: (id: number) => boolean) {
    const refused: { channel: string; reason: string }[] = [];
    const seen: { sender: number; request: AdminRequest }[] = [];
    const ipc = new MainIpc(fake, ownsContents, (channel, reason) => void refused.push({ channel, reason }));
    ipc.handle('admin:request', parseRequest, (sender, request): AdminReply => {
      seen.push({ sender: sender.id, request });
      return { ok: true, value: { echoed: request.path } };
    });
    return { ipc, refused, seen };
  }

  it('registers the channel with ipcMain', () => {
    setUp(() => true);
    expect([...fake.ipcMain.handlers.keys()]).toEqual(['admin:request']);
  });

  it('runs the handler with the parsed arguments and answers with its result', async () => {
    const contents = page();
    const { seen, refused } = setUp(owned(contents));
    const answer = await fake.ipcMain.invoke(contents.invokeEvent(), 'admin:request', {
      method: 'GET',
      path: '/status',
      smuggled: 'dropped by the parser',
    });
    expect(answer).toEqual({ ok: true, value: { echoed: '/status' } });
    expect(seen).toEqual([{ sender: contents.id, request: { method: 'GET', path: '/status' } }]);
    expect(refused).toEqual([]);
  });

  it('rejects when the arguments do not parse, without running the handler', async () => {
    const contents = page();
    const { seen } = setUp(owned(contents));
    await expect(
      fake.ipcMain.invoke(contents.invokeEvent(), 'admin:request', { method: 'TRACE', path: '/' }),
    ).rejects.toThrow('bad method');
    expect(seen).toEqual([]);
  });

  it('rejects a refused call, reports it and does not run the handler', async () => {
    const mine = page();
    const stranger = page();
    const { seen, refused } = setUp(owned(mine));
    await expect(
      fake.ipcMain.invoke(stranger.invokeEvent(), 'admin:request', { method: 'GET', path: '/status' }),
    ).rejects.toThrow(/admin:request: refused/);
    expect(seen).toEqual([]);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.channel).toBe('admin:request');
    expect(refused[0]?.reason).toContain('outside');
  });

  it('refuses a subframe of the owned window with the subframe reason', async () => {
    const contents = page();
    const { seen, refused } = setUp(owned(contents));
    const event = contents.invokeEvent({ parent: {} });
    await expect(fake.ipcMain.invoke(event, 'admin:request', { method: 'GET', path: '/' })).rejects.toThrow(
      'sent from a subframe',
    );
    expect(refused).toEqual([{ channel: 'admin:request', reason: 'sent from a subframe' }]);
    expect(seen).toEqual([]);
  });

  it('answers only the window a WindowController owns', async () => {
    const windows = new WindowController(fake, { preloadPath: '/p.cjs', devTools: false, platform: 'linux' });
    windows.show();
    const window = fake.window;
    if (!window) throw new Error('no window');
    const { seen } = setUp((id) => windows.owns(id));
    await fake.ipcMain.invoke(window.webContents.invokeEvent(), 'admin:request', {
      method: 'GET',
      path: '/a',
    });
    await expect(
      fake.ipcMain.invoke(page().invokeEvent(), 'admin:request', { method: 'GET', path: '/b' }),
    ).rejects.toThrow(/refused/);
    const event = window.webContents.invokeEvent();
    window.close();
    await expect(fake.ipcMain.invoke(event, 'admin:request', { method: 'GET', path: '/c' })).rejects.toThrow(
      /refused/,
    );
    expect(seen.map((call) => call.request.path)).toEqual(['/a']);
  });

  it('dispose() removes its handlers', async () => {
    const contents = page();
    const { ipc, seen } = setUp(owned(contents));
    ipc.handle(
      'events:unsubscribe',
      () => [],
      () => undefined,
    );
    expect(fake.ipcMain.handlers.size).toBe(2);
    ipc.dispose();
    expect(fake.ipcMain.handlers.size).toBe(0);
    await expect(
      fake.ipcMain.invoke(contents.invokeEvent(), 'admin:request', { method: 'GET', path: '/status' }),
    ).rejects.toThrow(/No handler/);
    expect(seen).toEqual([]);
  });

  it('dispose() lets the channels be registered again', () => {
    const { ipc } = setUp(() => true);
    ipc.dispose();
    expect(() => setUp(() => true)).not.toThrow();
  });
});

describe('push', () => {
  it('sends the payload on the channel to a live webContents', () => {
    const contents = page();
    push(contents, 'window:navigate', 'logs');
    expect(contents.sent).toEqual([{ channel: 'window:navigate', args: ['logs'] }]);
  });

  it('skips a destroyed webContents without throwing', () => {
    const contents = page();
    contents.destroy();
    expect(() => push(contents, 'window:navigate', 'logs')).not.toThrow();
    expect(contents.sent).toEqual([]);
  });
});
