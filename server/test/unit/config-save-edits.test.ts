import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirEach } from '../helpers/tempDir.js';
import { applyServerPatch, ConfigFile } from '../../src/config/save.js';

let dir: string;
let file: string;
useTempDirEach('ferry-config-edits-', (fresh) => {
  dir = fresh;
  file = path.join(dir, 'config.json');
});

async function readJson(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
}

/** The edits the admin API and the tunnel settings make, each through ConfigFile (never the file directly). */
describe('ConfigFile edits for the admin API and the tunnel', () => {
  it('sets and removes a tool policy, dropping the blocks it emptied and keeping unknown keys', async () => {
    await writeFile(file, JSON.stringify({ mcpServers: { files: { command: 'node' } }, ferry: { x: 1 } }));
    const config = new ConfigFile(file);
    // x is not a Ferry key: the schema rejects it, so the edit is refused and the file is left alone.
    await expect(config.setToolPolicy('files', 'write', 'deny')).rejects.toMatchObject({
      code: 'config_invalid',
    });
    await writeFile(file, JSON.stringify({ mcpServers: { files: { command: 'node' } }, keep: true }));
    const set = await config.setToolPolicy('files', 'write', 'deny');
    expect(set.ferry.servers.files?.tools).toEqual({ write: 'deny' });
    expect(await readJson()).toEqual({
      mcpServers: { files: { command: 'node' } },
      keep: true,
      ferry: { servers: { files: { tools: { write: 'deny' } } } },
    });
    await config.setToolPolicy('files', 'write', null);
    expect(await readJson()).toEqual({
      mcpServers: { files: { command: 'node' } },
      keep: true,
      ferry: { servers: {} },
    });
  });

  it('stores a tool named __proto__ as a key of its own, not as a prototype', async () => {
    await writeFile(file, JSON.stringify({ mcpServers: { files: { command: 'node' } } }));
    await new ConfigFile(file).setToolPolicy('files', '__proto__', 'ask');
    const text = await readFile(file, 'utf8');
    expect(text).toContain('"__proto__": "ask"');
    expect(({} as Record<string, unknown>).ask).toBeUndefined();
  });

  it('replaces a server whole with its options in one write, and refuses an unknown server', async () => {
    await writeFile(
      file,
      JSON.stringify({
        mcpServers: { a: { command: 'node', args: ['old'], env: { K: 'v' } } },
        ferry: { servers: { a: { requestTimeoutSeconds: 30 } } },
      }),
    );
    const config = new ConfigFile(file);
    await config.replaceServer('a', { command: 'uvx', args: ['new'] }, { requestTimeoutSeconds: 60 });
    expect(await readJson()).toEqual({
      mcpServers: { a: { command: 'uvx', args: ['new'] } },
      ferry: { servers: { a: { requestTimeoutSeconds: 60 } } },
    });
    await expect(config.replaceServer('b', { command: 'node' })).rejects.toMatchObject({
      code: 'server_not_found',
    });
  });

  it('saves a named tunnel hostname and mode beside the tunnel keys already there', async () => {
    await writeFile(file, JSON.stringify({ mcpServers: {}, ferry: { tunnel: { binary: '/opt/cf' } } }));
    const config = await new ConfigFile(file).setNamedTunnel('mcp.example.com');
    expect(config.ferry.tunnel).toMatchObject({
      hostname: 'mcp.example.com',
      mode: 'named',
      binary: '/opt/cf',
    });
    expect(await readJson()).toEqual({
      mcpServers: {},
      ferry: { tunnel: { binary: '/opt/cf', hostname: 'mcp.example.com', mode: 'named' } },
    });
  });

  it('patches a spec: undefined removes a key, __proto__ becomes an own key', () => {
    const spec: Record<string, unknown> = { command: 'node', cwd: '/tmp' };
    applyServerPatch(spec, { cwd: undefined, args: ['x'] });
    expect(spec).toEqual({ command: 'node', args: ['x'] });
    applyServerPatch(spec, JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, undefined>);
    expect(Object.hasOwn(spec, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
