import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-config-hosts-'));
  file = path.join(dir, 'config.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const servers = { files: { command: 'node' }, notes: { command: 'node' } };

async function issuesOf(tunnel: Record<string, unknown>, publicUrl?: string) {
  await writeFile(
    file,
    JSON.stringify({ mcpServers: servers, ferry: { tunnel, ...(publicUrl ? { publicUrl } : {}) } }),
  );
  const error: unknown = await loadConfig(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).issues.map((issue) => ({ path: issue.path, message: issue.message }));
}

describe('ferry.tunnel.serverHostnames', () => {
  it('accepts a hostname per server and defaults to none', async () => {
    await writeFile(
      file,
      JSON.stringify({
        mcpServers: servers,
        ferry: { tunnel: { hostname: 'mcp.example.com', serverHostnames: { files: 'files.example.com' } } },
      }),
    );
    expect((await loadConfig(file)).config.ferry.tunnel.serverHostnames).toEqual({
      files: 'files.example.com',
    });
    await writeFile(file, JSON.stringify({ mcpServers: servers }));
    expect((await loadConfig(file)).config.ferry.tunnel.serverHostnames).toEqual({});
  });

  it.each([
    'https://files.example.com',
    'files.example.com/mcp',
    'files.example.com:8443',
    'files',
    '-files.example.com',
    'files_x.example.com',
    '',
  ])('refuses the hostname %j with a field-level message', async (hostname) => {
    expect(await issuesOf({ serverHostnames: { files: hostname } })).toEqual([
      {
        path: 'ferry.tunnel.serverHostnames.files',
        message: 'a hostname such as mcp.example.com (no scheme, port or path)',
      },
    ]);
  });

  it('refuses a hostname for a server that is not configured', async () => {
    expect(await issuesOf({ serverHostnames: { nope: 'nope.example.com' } })).toEqual([
      {
        path: 'ferry.tunnel.serverHostnames.nope',
        message: 'hostname for "nope" but mcpServers has no server of that name',
      },
    ]);
  });

  it('refuses one hostname for two servers, whatever its case', async () => {
    expect(
      await issuesOf({ serverHostnames: { files: 'shared.example.com', notes: 'Shared.Example.com' } }),
    ).toEqual([
      {
        path: 'ferry.tunnel.serverHostnames.notes',
        message: 'Shared.Example.com is already the hostname of "files": each server needs its own',
      },
    ]);
  });

  it('refuses the main hostname (tunnel or publicUrl) as a server hostname (it serves every server at /mcp)', async () => {
    expect(
      await issuesOf({ hostname: 'mcp.example.com', serverHostnames: { files: 'MCP.example.com' } }),
    ).toEqual([
      {
        path: 'ferry.tunnel.serverHostnames.files',
        message:
          'MCP.example.com is Ferry\'s main hostname (every server at /mcp): give "files" a hostname of its own',
      },
    ]);
    expect(
      await issuesOf({ serverHostnames: { files: 'proxy.example.com' } }, 'https://proxy.example.com'),
    ).toEqual([
      {
        path: 'ferry.tunnel.serverHostnames.files',
        message:
          'proxy.example.com is Ferry\'s main hostname (every server at /mcp): give "files" a hostname of its own',
      },
    ]);
  });

  it('refuses an empty credentials file path', async () => {
    expect((await issuesOf({ credentialsFile: '' }))[0]?.path).toBe('ferry.tunnel.credentialsFile');
  });
});
