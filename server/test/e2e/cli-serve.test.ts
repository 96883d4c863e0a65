import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/upstream/processTree.js';
import { echoServer } from '../helpers/fixtures.js';
import { runCli } from '../helpers/cli.js';
import { startServeProcess } from '../helpers/serveProcess.js';

describe('ferry serve (the real CLI process)', () => {
  it('writes runtime.json with mode 0600, serves, and on SIGTERM stops children and removes the file', async () => {
    const ferry = await startServeProcess({ mcpServers: { echo: echoServer() } });
    const runtimePath = path.join(ferry.dataDir, 'runtime.json');
    expect((await stat(runtimePath)).mode & 0o777).toBe(0o600);
    expect(ferry.runtime).toMatchObject({
      pid: ferry.child.pid,
      mcpUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/),
      adminUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    const client = new Client({ name: 'cli-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(ferry.runtime.mcpUrl)));
    const result = await client.callTool({ name: 'echo__echo', arguments: { text: 'through the CLI' } });
    expect(result.content).toEqual([{ type: 'text', text: 'through the CLI' }]);
    const status = (await (
      await fetch(`${ferry.runtime.adminUrl}/api/status`, {
        headers: { authorization: `Bearer ${ferry.runtime.adminToken}` },
      })
    ).json()) as { servers: { pid: number }[] };
    const childPid = status.servers[0]?.pid as number;
    expect(isAlive(childPid)).toBe(true);
    await client.close();
    const dataDir = ferry.dataDir;
    const exited = new Promise<number | null>((resolve) => ferry.child.once('exit', resolve));
    ferry.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(stat(runtimePath)).rejects.toThrow(/ENOENT/);
    expect(isAlive(childPid)).toBe(false);
    expect(ferry.output()).toContain('Ferry is running.');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('treats a stop signal delivered twice at once (npm, timeout, process groups) as one, and stops cleanly', async () => {
    const ferry = await startServeProcess({ mcpServers: { echo: echoServer() } });
    const status = (await (
      await fetch(`${ferry.runtime.adminUrl}/api/status`, {
        headers: { authorization: `Bearer ${ferry.runtime.adminToken}` },
      })
    ).json()) as { servers: { pid: number }[] };
    const childPid = status.servers[0]?.pid as number;
    const exited = new Promise<number | null>((resolve) => ferry.child.once('exit', resolve));
    ferry.child.kill('SIGTERM');
    ferry.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(ferry.output()).not.toContain('again: exiting without waiting');
    expect(isAlive(childPid)).toBe(false);
    await rm(ferry.dataDir, { recursive: true, force: true });
  });

  it('keeps the admin port and token across restarts, rotates the token on request, and moves off a taken port', async () => {
    const config = { mcpServers: {} };
    const first = await startServeProcess(config);
    const dataDir = first.dataDir;
    const { adminUrl, adminToken } = first.runtime;
    expect((await stat(path.join(dataDir, 'admin.json'))).mode & 0o777).toBe(0o600);
    await first.stop({ keepDataDir: true });
    // Same data dir: the window's link (port and token) still works.
    const second = await startServeProcess(config, ['--no-auth'], { dataDir });
    expect(second.runtime.adminUrl).toBe(adminUrl);
    expect(second.runtime.adminToken).toBe(adminToken);
    await second.stop({ keepDataDir: true });
    // --new-admin-token: a new token, the old one refused.
    const third = await startServeProcess(config, ['--no-auth', '--new-admin-token'], { dataDir });
    expect(third.runtime.adminToken).not.toBe(adminToken);
    const refused = await fetch(`${third.runtime.adminUrl}/api/status`, {
      headers: { authorization: `Bearer ${adminToken as string}` },
    });
    expect(refused.status).toBe(401);
    // Another program on the kept port: Ferry takes a free one and keeps the token.
    const kept = third.runtime.adminUrl;
    await third.stop({ keepDataDir: true });
    const blocker = await startServeProcess(config, [
      '--no-auth',
      '--admin-port',
      new URL(kept as string).port,
    ]);
    try {
      const moved = await startServeProcess(config, ['--no-auth'], { dataDir });
      expect(moved.runtime.adminUrl).not.toBe(kept);
      expect(moved.runtime.adminToken).toBe(third.runtime.adminToken);
      await moved.stop();
    } finally {
      await blocker.stop();
    }
  });

  it('runs the built-in demo server when there is no config', async () => {
    // No --config: the default path inside the data dir does not exist, so Ferry serves its demo.
    const ferry = await startServeProcess(undefined, ['--no-auth']);
    try {
      const client = new Client({ name: 'demo-test', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(ferry.runtime.mcpUrl)));
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names.some((n) => n.startsWith('demo__'))).toBe(true);
      await client.close();
    } finally {
      await ferry.stop();
    }
  });

  it('names the file, the field and the fix for a broken config, and exits 2 without touching it', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-bad-'));
    const configPath = path.join(dataDir, 'config.json');
    const { writeFile } = await import('node:fs/promises');
    const text = '{ "mcpServers": { "x": { "command": 42 } } }';
    await writeFile(configPath, text);
    const { code, out } = await runCli([
      'serve',
      '--config',
      configPath,
      '--data-dir',
      dataDir,
      '--port',
      '0',
    ]);
    expect(code).toBe(2);
    expect(out).toContain(configPath);
    expect(out).toContain('mcpServers.x.command');
    expect(out).toMatch(/Fix:/);
    expect(await readFile(configPath, 'utf8')).toBe(text);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('explains usage errors and exits 2', async () => {
    const bad = await runCli(['serve', '--port', 'eighty']);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('--port must be a port number');
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toContain('unknown command "frobnicate"');
    const version = await runCli(['--version']);
    expect(version.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
