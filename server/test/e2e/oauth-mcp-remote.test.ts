import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingConsent } from '../../src/events/types.js';
import { isAlive } from '../../src/upstream/processTree.js';
import { echoServer, fixture, node, repoRoot } from '../helpers/fixtures.js';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.js';
import { REQ, sleep } from './support.js';
import { freePort } from '../helpers/net.js';

const MCP_REMOTE = path.join(repoRoot, 'node_modules/mcp-remote/dist/proxy.js');

/**
 * The real third-party client `mcp-remote` (npm), as Claude Desktop, Cursor or Windsurf run it, in front of
 * the real `ferry serve` with OAuth on. Its "open the browser" goes through the `open` package to xdg-open,
 * which with no desktop runs `$BROWSER <url>`: BROWSER points at a scripted browser (fixtures/scripted-browser.ts)
 * that follows Ferry's pages up to mcp-remote's loopback callback. The user's approval comes from this test,
 * through the admin API, as the tray or `curl` would give it.
 */
describe('mcp-remote through ferry serve with OAuth on', () => {
  let ferry: ServeProcess;
  let work: string;
  let browserLog: string;
  let callbackPort: number;
  const clients: Client[] = [];
  let stderr = '';

  const admin = (route: string, init: RequestInit = {}) =>
    fetch(`${ferry.runtime.adminUrl}${route}`, {
      ...init,
      headers: { authorization: `Bearer ${ferry.runtime.adminToken}`, 'content-type': 'application/json' },
    });
  const browserSteps = async () =>
    (await readFile(browserLog, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  /** mcp-remote on stdio, exactly as an MCP host spawns it, with its state in `work`. */
  const connectThroughMcpRemote = async (): Promise<Client> => {
    const transport = new StdioClientTransport({
      command: node,
      args: [
        MCP_REMOTE,
        ferry.runtime.mcpUrl,
        String(callbackPort),
        '--host',
        '127.0.0.1',
        '--transport',
        'http-only',
        '--auth-timeout',
        '60',
      ],
      env: {
        // The SDK adds only HOME, PATH, … to this: no DISPLAY, so xdg-open takes its generic path to $BROWSER.
        HOME: work,
        MCP_REMOTE_CONFIG_DIR: path.join(work, 'mcp-auth'),
        BROWSER: path.join(work, 'browser.sh'),
        FERRY_BROWSER_LOG: browserLog,
      },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'ferry-mcp-remote-test', version: '1.0.0' });
    clients.push(client);
    await client.connect(transport, { timeout: 60_000 });
    return client;
  };

  beforeAll(async () => {
    // OAuth on (no --no-auth); --tunnel off, or a machine with cloudflared would open a quick tunnel.
    ferry = await startServeProcess({ mcpServers: { echo: echoServer() } }, ['--tunnel', 'off']);
    work = await mkdtemp(path.join(os.tmpdir(), 'ferry-mcp-remote-'));
    browserLog = path.join(work, 'browser.log');
    callbackPort = await freePort();
    const browser = path.join(work, 'browser.sh');
    await writeFile(browser, `#!/bin/sh\nexec '${node}' '${fixture('scripted-browser.ts')}' "$1"\n`);
    await chmod(browser, 0o755);
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    // The browser is detached from mcp-remote (as `open` starts it); it ends by itself, but never outlives us.
    for (const step of await browserSteps().catch(() => [])) {
      const pid = step.pid;
      if (typeof pid === 'number' && isAlive(pid)) process.kill(pid, 'SIGTERM');
    }
    await ferry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('signs in through the scripted browser, approved via the admin API, and calls a tool', async () => {
    // The user at the machine: wait for the request mcp-remote starts, check it, approve it.
    const approval = (async (): Promise<PendingConsent> => {
      for (let i = 0; i < 300; i++) {
        const pending = (await (await admin('/api/consents')).json()) as PendingConsent[];
        const consent = pending[0];
        if (consent) {
          const approved = await admin(`/api/consents/${consent.id}/approve`, { method: 'POST', body: '{}' });
          if (approved.status !== 200) throw new Error(`approve answered ${approved.status}`);
          return consent;
        }
        await sleep(100);
      }
      throw new Error('no consent request within 30 s');
    })();

    let client: Client;
    try {
      client = await connectThroughMcpRemote();
    } catch (error) {
      throw new Error(
        `${String(error)}\nmcp-remote stderr:\n${stderr}\nbrowser: ${JSON.stringify(await browserSteps())}\nferry:\n${ferry.output()}`,
      );
    }
    const consent = await approval;
    const callback = `http://127.0.0.1:${callbackPort}/oauth/callback`;
    expect(consent).toMatchObject({
      clientName: 'MCP CLI Proxy',
      redirectUri: callback,
      redirectHost: `127.0.0.1:${callbackPort}`,
      resource: ferry.runtime.mcpUrl,
    });

    const { tools } = await client.listTools(undefined, REQ);
    expect(tools.map((t) => t.name)).toContain('echo__echo');
    const result = await client.callTool(
      { name: 'echo__echo', arguments: { text: 'through mcp-remote' } },
      undefined,
      REQ,
    );
    expect(result.content).toEqual([{ type: 'text', text: 'through mcp-remote' }]);

    // The browser went authorize → waiting page → status polls → next → mcp-remote's callback, which said OK.
    const steps = await browserSteps();
    expect(steps[0]).toMatchObject({
      open: expect.stringContaining(`${ferry.runtime.publicUrl}/authorize?`),
    });
    const opened = new URL(steps[0]?.open as string);
    expect(opened.searchParams.get('redirect_uri')).toBe(callback);
    expect(opened.searchParams.get('code_challenge_method')).toBe('S256');
    expect(opened.searchParams.get('resource')).toBe(ferry.runtime.mcpUrl);
    expect(steps.some((s) => typeof s.get === 'string' && s.get.includes('/consent/'))).toBe(true);
    const done = steps.find((s) => 'done' in s);
    expect(done?.done).toEqual(expect.stringContaining(`${callback}?code=`));
    expect(done?.status).toBe(200);
    expect(steps.some((s) => 'error' in s)).toBe(false);

    const clientList = (await (await admin('/api/clients')).json()) as { clientName?: string }[];
    expect(clientList.map((c) => c.clientName)).toContain('MCP CLI Proxy');
    await client.close();
  }, 90_000);

  it('starts again from its stored tokens: no browser, no new consent', async () => {
    const opened = (await browserSteps()).filter((s) => 'open' in s).length;
    const client = await connectThroughMcpRemote();
    const result = await client.callTool(
      { name: 'echo__echo', arguments: { text: 'second run' } },
      undefined,
      REQ,
    );
    expect(result.content).toEqual([{ type: 'text', text: 'second run' }]);
    expect((await browserSteps()).filter((s) => 'open' in s)).toHaveLength(opened);
    expect(await (await admin('/api/consents')).json()).toEqual([]);
    await client.close();
  }, 60_000);
});
