import { mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallEndEvent, Stamped } from '../../src/events/types.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { filesystemServer } from '../helpers/fixtures.js';
import { byName, directClient, rejection, REQ, sessionIdOf, texts } from './support.js';

// server-filesystem behind Ferry, pointed at a temp dir of its own; results are compared with the files on
// disk and with a direct stdio client of the same server.

let root: string; // the allowed directory
let outside: string; // a directory the server must not touch
let ferry: TestFerry;
let all: Client; // /mcp
let one: Client; // /mcp/files
let direct: Client;

const HELLO = 'Hello from Ferry\nsecond line\nthird line\n';
const TODO = '# Todo\n- ship ferry\n- write tests\n';
const SECRET = 'not for the server';

beforeAll(async () => {
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'ferry-e2e-files-')));
  outside = await realpath(await mkdtemp(path.join(os.tmpdir(), 'ferry-e2e-outside-')));
  await writeFile(path.join(root, 'hello.txt'), HELLO);
  await mkdir(path.join(root, 'notes'));
  await writeFile(path.join(root, 'notes', 'todo.md'), TODO);
  await writeFile(path.join(root, 'notes', 'data.json'), '{"answer":42}\n');
  await writeFile(path.join(outside, 'secret.txt'), SECRET);

  ferry = await startFerry({ files: filesystemServer(root) });
  direct = await directClient(filesystemServer(root), {});
  await serverState(ferry, 'files', 'ready', 20_000);
  all = await ferry.connect();
  one = await ferry.connect('files');
}, 30_000);

afterAll(async () => {
  await direct?.close();
  await ferry?.stop();
  for (const dir of [root, outside]) if (dir) await rm(dir, { recursive: true, force: true });
}, 20_000);

/**
 * The `call.end` event after `after` (the first one, or with `onlyTarget` the first for that tool), checked as
 * a tools/call of server "files" with this outcome, from this session, that took time.
 */
async function callEnd(
  after: number,
  expected: { target: string; outcome: string; session: Client },
  onlyTarget = false,
): Promise<Stamped<CallEndEvent>> {
  const end = (await ferry.waitFor(
    (e) => e.seq > after && e.type === 'call.end' && (!onlyTarget || e.target === expected.target),
    5_000,
  )) as Stamped<CallEndEvent>;
  expect(end).toMatchObject({
    server: 'files',
    method: 'tools/call',
    target: expected.target,
    outcome: expected.outcome,
    sessionId: sessionIdOf(expected.session),
  });
  expect(end.durationMs).toBeGreaterThan(0);
  return end;
}

const call = (client: Client, name: string, args: Record<string, unknown>) =>
  client.callTool({ name, arguments: args }, undefined, REQ);

describe('server-filesystem tools', () => {
  it('/mcp lists the server tools as files__<name>; /mcp/files lists them unchanged', async () => {
    const reference = byName((await direct.listTools(undefined, REQ)).tools);
    const names = reference.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['read_text_file', 'write_file', 'edit_file', 'list_directory', 'search_files']),
    );
    expect(byName((await one.listTools(undefined, REQ)).tools)).toEqual(reference);
    const { tools } = await all.listTools(undefined, REQ);
    expect(byName(tools)).toEqual(reference.map((t) => ({ ...t, name: `files__${t.name}` })));
  }, 20_000);

  it('read_text_file returns the file on disk, identical to the server answer, on both endpoints', async () => {
    const args = { path: path.join(root, 'hello.txt') };
    const reference = await call(direct, 'read_text_file', args);
    const viaAll = await call(all, 'files__read_text_file', args);
    const viaOne = await call(one, 'read_text_file', args);
    expect(viaAll).toEqual(reference);
    expect(viaOne).toEqual(reference);
    expect(texts(viaAll)).toEqual([HELLO]);
    expect(viaAll.structuredContent).toEqual({ content: HELLO });
  }, 20_000);

  it('read_text_file honours head and tail', async () => {
    const file = path.join(root, 'hello.txt');
    expect(texts(await call(all, 'files__read_text_file', { path: file, head: 1 }))).toEqual([
      'Hello from Ferry',
    ]);
    expect(texts(await call(all, 'files__read_text_file', { path: file, tail: 2 }))[0]).toContain(
      'third line',
    );
    expect(texts(await call(all, 'files__read_text_file', { path: file, tail: 2 }))[0]).not.toContain(
      'Hello',
    );
  }, 20_000);

  it('read_multiple_files reads several files in one call', async () => {
    const result = await call(all, 'files__read_multiple_files', {
      paths: [path.join(root, 'hello.txt'), path.join(root, 'notes', 'todo.md')],
    });
    const text = texts(result).join('\n');
    expect(text).toContain(`${path.join(root, 'hello.txt')}:\n${HELLO}`);
    expect(text).toContain(`${path.join(root, 'notes', 'todo.md')}:\n${TODO}`);
  }, 20_000);

  it('list_directory, search_files and get_file_info describe the temp dir', async () => {
    const listing = texts(await call(all, 'files__list_directory', { path: root }))[0]
      ?.split('\n')
      .sort();
    expect(listing).toEqual(['[DIR] notes', '[FILE] hello.txt']);

    const found = texts(await call(one, 'search_files', { path: root, pattern: '**/*.md' })).join('\n');
    expect(found).toContain(path.join(root, 'notes', 'todo.md'));
    expect(found).not.toContain('hello.txt');

    const info = texts(
      await call(all, 'files__get_file_info', { path: path.join(root, 'notes', 'data.json') }),
    ).join();
    expect(info).toMatch(/size: 14\b/);
    expect(info).toMatch(/isFile: true/);
  }, 20_000);

  it('write_file and edit_file change the file on disk', async () => {
    const file = path.join(root, 'written.txt');
    const written = await call(all, 'files__write_file', { path: file, content: 'alpha\nbeta\n' });
    expect(written.isError).toBeFalsy();
    expect(texts(written)).toEqual([`Successfully wrote to ${file}`]);
    expect(await readFile(file, 'utf8')).toBe('alpha\nbeta\n');

    const edited = await call(one, 'edit_file', {
      path: file,
      edits: [{ oldText: 'beta', newText: 'gamma' }],
    });
    expect(edited.isError).toBeFalsy();
    expect(texts(edited).join()).toMatch(/-beta\n\+gamma/);
    expect(await readFile(file, 'utf8')).toBe('alpha\ngamma\n');
  }, 20_000);

  it('create_directory and move_file work inside the allowed directory', async () => {
    await call(all, 'files__create_directory', { path: path.join(root, 'a', 'b') });
    expect((await stat(path.join(root, 'a', 'b'))).isDirectory()).toBe(true);
    await writeFile(path.join(root, 'a', 'move-me.txt'), 'moving');
    const moved = await call(all, 'files__move_file', {
      source: path.join(root, 'a', 'move-me.txt'),
      destination: path.join(root, 'a', 'b', 'moved.txt'),
    });
    expect(moved.isError).toBeFalsy();
    expect(await readFile(path.join(root, 'a', 'b', 'moved.txt'), 'utf8')).toBe('moving');
  }, 20_000);

  it('list_allowed_directories names the temp dir', async () => {
    const result = await call(all, 'files__list_allowed_directories', {});
    expect(texts(result)).toEqual([`Allowed directories:\n${root}`]);
  }, 20_000);

  it('a path outside the allowed directory is refused as a tool error, and the call event says so', async () => {
    const after = ferry.bus.lastSeq;
    for (const target of [
      path.join(outside, 'secret.txt'),
      path.join(root, '..', path.basename(outside), 'secret.txt'),
    ]) {
      const reference = await call(direct, 'read_text_file', { path: target });
      const result = await call(all, 'files__read_text_file', { path: target });
      expect(result).toEqual(reference);
      expect(result.isError).toBe(true);
      expect(texts(result).join()).toMatch(/Access denied - path outside allowed directories/);
      expect(texts(result).join()).not.toContain(SECRET);
    }
    const written = await call(all, 'files__write_file', {
      path: path.join(outside, 'secret.txt'),
      content: 'x',
    });
    expect(written.isError).toBe(true);
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe(SECRET);

    const end = await callEnd(after, { target: 'read_text_file', outcome: 'tool-error', session: all }, true);
    expect(end.resultPreview).toContain('Access denied');
  }, 20_000);

  it('a successful call emits call.end with server "files", the original tool name and outcome ok', async () => {
    const after = ferry.bus.lastSeq;
    await call(one, 'read_text_file', { path: path.join(root, 'notes', 'todo.md') });
    const end = await callEnd(after, { target: 'read_text_file', outcome: 'ok', session: one });
    expect(end.resultPreview).toContain('ship ferry');
    expect(end.durationMs).toBeLessThan(10_000);
  }, 20_000);

  it('an unknown tool is a clear -32602 error on /mcp', async () => {
    const error = await rejection(call(all, 'files__delete_everything', { path: root }));
    expect(error.code).toBe(-32602);
    expect(error.message).toContain('Unknown tool: files__delete_everything');
    expect((await stat(path.join(root, 'hello.txt'))).isFile()).toBe(true);
  }, 20_000);

  it('/mcp without any resource server: empty lists, and reading a URI is "Resource not found" (-32002)', async () => {
    expect((await all.listResources(undefined, REQ)).resources).toEqual([]);
    expect((await all.listResourceTemplates(undefined, REQ)).resourceTemplates).toEqual([]);
    expect((await all.listPrompts(undefined, REQ)).prompts).toEqual([]);
    const uri = `file://${path.join(root, 'hello.txt')}`;
    const error = await rejection(all.readResource({ uri }, REQ));
    expect(error.code).toBe(-32002);
    expect(error.message).toContain(`Resource not found: ${uri}`);
  }, 20_000);
});
