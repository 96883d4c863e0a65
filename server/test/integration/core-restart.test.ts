import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/upstream/processTree.js';
import { startFerry, type TestFerry } from '../helpers/ferry.js';
import { echoServer } from '../helpers/fixtures.js';

/** The desktop app's "Try again" after a failed start runs the same core again: stop, then start. */
let ferry: TestFerry | undefined;
afterEach(async () => {
  await ferry?.stop();
  ferry = undefined;
});

describe('a core started again after stop', () => {
  it('starts every server afresh and serves MCP on its new listener', async () => {
    ferry = await startFerry({ echo: echoServer() });
    await ferry.core.whenSettled();
    const firstPid = ferry.core.admin.servers()[0]?.pid as number;
    await ferry.core.stop();
    expect(isAlive(firstPid)).toBe(false);
    // The last state stays visible after stop (the window shows it), without a process behind it.
    expect(ferry.core.admin.servers()).toEqual([expect.objectContaining({ name: 'echo', state: 'stopped' })]);

    const runtime = await ferry.core.start();
    await ferry.core.whenSettled();
    const [echo] = ferry.core.admin.servers();
    expect(echo).toMatchObject({ name: 'echo', state: 'ready' });
    expect(echo?.pid).not.toBe(firstPid);
    const client = new Client({ name: 'restart-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(runtime.mcpUrl)));
    const result = await client.callTool({ name: 'echo__echo', arguments: { text: 'again' } });
    expect(result.content).toEqual([{ type: 'text', text: 'again' }]);
    await client.close();
  });
});
