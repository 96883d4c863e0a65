import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirEach } from '../helpers/tempDir.js';
import { LiveConfig, type ConfigChange } from '../../src/config/live.js';
import { ConfigFile } from '../../src/config/save.js';

let dir: string;
let file: string;
useTempDirEach('ferry-config-live-', (fresh) => {
  dir = fresh;
  file = path.join(dir, 'config.json');
});

function recording(live: LiveConfig): ConfigChange[] {
  const changes: ConfigChange[] = [];
  live.onChange((change) => {
    changes.push(change);
  });
  return changes;
}

describe('LiveConfig', () => {
  it('runs the demo stand-in without a file until the first server is added, then says so once', async () => {
    const live = new LiveConfig(new ConfigFile(file));
    const changes = recording(live);
    const loaded = await live.load();
    expect(loaded.exists).toBe(false);
    expect(live.demo).toBe(true);
    expect(changes.map((c) => [c.demo, c.demoEnded])).toEqual([[true, false]]);

    // A settings-only edit keeps the demo server: there is still no server of the user's.
    await live.edit((config) => config.setNamedTunnel('mcp.example.com'));
    expect(live.demo).toBe(true);
    expect(live.ferry.tunnel).toMatchObject({ hostname: 'mcp.example.com', mode: 'named' });

    await live.edit((config) => config.addServer('echo', { command: 'node' }));
    expect(live.demo).toBe(false);
    expect(changes.map((c) => [c.demo, c.demoEnded])).toEqual([
      [true, false],
      [true, false],
      [false, true],
    ]);
    expect(Object.keys(live.current.mcpServers)).toEqual(['echo']);
  });

  it('is not a demo when the file exists, even with no servers in it', async () => {
    await writeFile(file, JSON.stringify({ mcpServers: {}, ferry: { port: 9001 } }));
    const live = new LiveConfig(new ConfigFile(file));
    await live.load();
    expect(live.demo).toBe(false);
    expect(live.ferry.port).toBe(9001);
  });

  it('writes the file first and hands listeners the config before and after, in order', async () => {
    await writeFile(file, JSON.stringify({ mcpServers: { a: { command: 'node' } } }));
    const live = new LiveConfig(new ConfigFile(file));
    await live.load();
    const seen: string[] = [];
    live.onChange(async (change) => {
      // The file already holds the edit when a listener runs.
      const onDisk = JSON.parse(await readFile(file, 'utf8')) as { ferry?: { port?: number } };
      seen.push(`first ${change.before.ferry.port}->${change.config.ferry.port} disk ${onDisk.ferry?.port}`);
    });
    live.onChange((change) => {
      seen.push(`second ${change.config.ferry.port}`);
    });
    await live.edit((config) =>
      config.update((document) => {
        document.ferry = { port: 9100 };
      }),
    );
    expect(seen).toEqual(['first 8790->9100 disk 9100', 'second 9100']);
    expect(live.ferry.port).toBe(9100);
  });

  it('fails an edit whose listener fails, and leaves the current config unchanged when the file refuses it', async () => {
    await writeFile(file, JSON.stringify({ mcpServers: { a: { command: 'node' } } }));
    const live = new LiveConfig(new ConfigFile(file));
    await live.load();
    const before = live.current;
    await expect(live.edit((config) => config.addServer('a', { command: 'node' }))).rejects.toMatchObject({
      code: 'server_exists',
    });
    expect(live.current).toBe(before);

    live.onChange(() => {
      throw new Error('hub refused');
    });
    await expect(live.edit((config) => config.setDisabled('a', true))).rejects.toThrow('hub refused');
  });
});
