import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElicitRequestSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { echoServer, modernServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { firstText, MODERN, modernPost, openListen } from '../helpers/modern.js';

interface WhoAmI {
  pid: number;
  calls: number;
  meta: Record<string, unknown>;
}

const PV = 'io.modelcontextprotocol/protocolVersion';
const CAPS = 'io.modelcontextprotocol/clientCapabilities';
const LEVEL = 'io.modelcontextprotocol/logLevel';

/**
 * Stdio children that speak MCP 2026-07-28 themselves: Ferry probes each child with `server/discover`,
 * talks to a modern one statelessly (per-request `_meta`, no initialize), and falls back to initialize
 * for the others (an error answer at once, silence after the discover timeout).
 */
describe('modern (2026-07-28) stdio children', () => {
  let ferry: TestFerry;

  beforeAll(async () => {
    ferry = await startFerry(
      { modern: modernServer('modern'), old: echoServer(), refuses: modernServer('error') },
      // A discover timeout far beyond the test's waits: a child that answers -32601 must not wait for it.
      { coreOptions: { discoverTimeoutMs: 120_000 } },
    );
    await Promise.all(['modern', 'old', 'refuses'].map((name) => serverState(ferry, name, 'ready')));
  });
  afterAll(() => ferry.stop());

  const whoami = (result: unknown) => JSON.parse(firstText(result)) as WhoAmI;

  it('uses what discovery said and shows that the child speaks 2026-07-28', () => {
    const status = (name: string) => ferry.core.hub.statuses().find((s) => s.name === name);
    expect(status('modern')).toMatchObject({
      protocolVersion: MODERN,
      serverInfo: { name: 'modern-fixture-modern', version: '1.0.0' },
      tools: 6,
      resources: 1,
    });
    expect(status('old')?.protocolVersion).toBe('2025-11-25');
    expect(status('refuses')?.protocolVersion).toBe('2025-11-25');
  });

  it('lists and calls a modern child through a stateful SDK client, with the per-request _meta', async () => {
    const client = await ferry.connect('modern');
    expect(client.getServerVersion()?.name).toBe('modern-fixture-modern');
    expect(client.getInstructions()).toBe('A modern fixture.');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['whoami', 'ask', 'seen']));
    const me = whoami(await client.callTool({ name: 'whoami', arguments: {} }));
    expect(me.meta[PV]).toBe(MODERN);
    expect(me.meta[CAPS]).toEqual(expect.any(Object));
    // Never initialized the stateful way, and never told it was.
    const seen = JSON.parse(firstText(await client.callTool({ name: 'seen', arguments: {} }))) as string[];
    expect(seen[0]).toBe('server/discover');
    expect(seen).not.toContain('initialize');
    expect(seen).not.toContain('notifications/initialized');
  });

  it('calls a modern child through the 2026-07-28 wire, on /mcp and /mcp/<server>', async () => {
    const direct = await modernPost(`${ferry.runtime.localUrl}/mcp/modern`, 'tools/call', {
      name: 'whoami',
      arguments: {},
    });
    expect(direct.status).toBe(200);
    const result = direct.body?.result as Record<string, unknown>;
    expect(result.resultType).toBe('complete');
    const me = whoami(result);
    expect(me.meta[PV]).toBe(MODERN);
    // The caller's own capabilities and log level reach the child on the request.
    expect(me.meta[CAPS]).toMatchObject({ sampling: {}, elicitation: {} });
    expect(me.meta[LEVEL]).toBeUndefined();
    const aggregate = await modernPost(
      `${ferry.runtime.localUrl}/mcp`,
      'tools/call',
      { name: 'modern__whoami', arguments: {} },
      { meta: { [LEVEL]: 'debug' } },
    );
    expect(whoami(aggregate.body?.result).meta[LEVEL]).toBe('debug');
  });

  it('sends a modern child’s input_required to a stateful client as elicitation, and goes on', async () => {
    const client = await ferry.connect('modern', { elicitation: {} });
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      expect(request.params.message).toBe('What is your name?');
      return { action: 'accept', content: { name: 'Ada' } };
    });
    const result = await client.callTool({ name: 'ask', arguments: {} });
    expect(firstText(result)).toBe('Hello, Ada!');
  });

  it('passes a modern child’s input_required to a 2026-07-28 caller under the child’s key, and resumes', async () => {
    const url = `${ferry.runtime.localUrl}/mcp/modern`;
    const first = await modernPost(url, 'tools/call', { name: 'ask', arguments: {} });
    const asked = first.body?.result as Record<string, unknown>;
    expect(asked.resultType).toBe('input_required');
    expect(asked.inputRequests).toMatchObject({ user_name: { method: 'elicitation/create' } });
    // Ferry's own sealed state, never the child's.
    expect(asked.requestState).not.toBe('asked-for-name');
    const second = await modernPost(url, 'tools/call', {
      name: 'ask',
      arguments: {},
      requestState: asked.requestState,
      inputResponses: { user_name: { action: 'accept', content: { name: 'Grace' } } },
    });
    expect(firstText(second.body?.result)).toBe('Hello, Grace!');
  });

  it('hears a modern child’s list changes on the listen stream Ferry opens', async () => {
    const client = await ferry.connect('modern');
    await client.callTool({ name: 'grow', arguments: {} });
    await expect
      .poll(async () => (await client.listTools()).tools.map((t) => t.name), { timeout: 10_000 })
      .toContain('grown');
  });

  it('follows a resource of a modern child for the sessions that subscribe, on its listen stream', async () => {
    const updates: unknown[] = [];
    const follower = await ferry.connect('modern');
    follower.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params));
    const bystander = await ferry.connect('modern');
    const heardByBystander: unknown[] = [];
    bystander.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void heardByBystander.push(n));
    await follower.subscribeResource({ uri: 'fixture://counter' });
    await expect
      .poll(
        async () => {
          await follower.callTool({ name: 'touch', arguments: {} });
          return updates.length;
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    // The child's own listen id is Ferry's business: the client sees the update as a stateful child sends it.
    expect(updates[0]).toEqual({ uri: 'fixture://counter' });
    expect(heardByBystander).toEqual([]);

    // Once nobody follows it, the child's stream no longer names it: no update comes, and the child saw one
    // listen stream replaced by the next (cancelled), never a resources/subscribe.
    await follower.unsubscribeResource({ uri: 'fixture://counter' });
    const seen = JSON.parse(firstText(await follower.callTool({ name: 'seen', arguments: {} }))) as string[];
    expect(seen).not.toContain('resources/subscribe');
    expect(seen.filter((m) => m === 'notifications/cancelled').length).toBeGreaterThanOrEqual(2);
    const before = updates.length;
    await follower.callTool({ name: 'touch', arguments: {} });
    await follower.callTool({ name: 'whoami', arguments: {} });
    expect(updates.length).toBe(before);
  });

  it('bounds the resources one session follows (any URI is passed on at /mcp/<server>)', async () => {
    const client = await ferry.connect('modern');
    const uris = Array.from({ length: 100 }, (_, i) => `fixture://many/${i}`);
    for (const uri of uris) await client.subscribeResource({ uri });
    await expect(client.subscribeResource({ uri: 'fixture://many/100' })).rejects.toThrow(
      /at most 100 resource subscriptions per session/,
    );
    // Following one again is no new subscription; giving one up makes room.
    await client.subscribeResource({ uri: uris[0] as string });
    await client.unsubscribeResource({ uri: uris[1] as string });
    await client.subscribeResource({ uri: 'fixture://many/100' });
    for (const uri of [...uris, 'fixture://many/100']) await client.unsubscribeResource({ uri });
  });

  it('follows a modern child’s resource for a 2026 client that names it on its own listen stream', async () => {
    const stream = await openListen(`${ferry.runtime.localUrl}/mcp/modern`, 'mine', {
      resourceSubscriptions: ['fixture://counter'],
    });
    try {
      await stream.readFrames(1);
      expect(stream.frames[0]).toMatchObject({ method: 'notifications/subscriptions/acknowledged' });
      const caller = await ferry.connect('modern');
      await caller.callTool({ name: 'touch', arguments: {} });
      await stream.readFrames(2);
      // Tagged with the client's own listen id, not the one Ferry holds with the child.
      expect(stream.frames[1]).toEqual({
        jsonrpc: '2.0',
        method: 'notifications/resources/updated',
        params: { uri: 'fixture://counter', _meta: { 'io.modelcontextprotocol/subscriptionId': 'mine' } },
      });
    } finally {
      stream.close();
    }
  });

  it('still talks to old children through the fallback, on both wires', async () => {
    const client = await ferry.connect('old');
    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(firstText(echoed)).toBe('hi');
    const refusing = await ferry.connect('refuses');
    const seen = JSON.parse(firstText(await refusing.callTool({ name: 'seen', arguments: {} }))) as string[];
    // Discovery refused, then the stateful handshake.
    expect(seen.slice(0, 3)).toEqual(['server/discover', 'initialize', 'notifications/initialized']);
    const modernCaller = await modernPost(`${ferry.runtime.localUrl}/mcp/old`, 'tools/call', {
      name: 'echo',
      arguments: { text: 'stateless' },
    });
    expect(firstText(modernCaller.body?.result)).toBe('stateless');
  });
});

describe('a child that never answers server/discover', () => {
  let ferry: TestFerry;

  beforeAll(async () => {
    ferry = await startFerry(
      { silent: modernServer('hang'), lonely: modernServer('hang') },
      {
        coreOptions: { discoverTimeoutMs: 300 },
        ferry: { servers: { lonely: { sessionMode: 'per-session' } } },
      },
    );
  });
  afterAll(() => ferry.stop());

  const seenBy = async (server: string) => {
    const client = await ferry.connect(server);
    const seen = JSON.parse(firstText(await client.callTool({ name: 'seen', arguments: {} }))) as string[];
    await client.close();
    return seen.slice(0, 3);
  };
  const status = () => ferry.core.hub.statuses().find((s) => s.name === 'silent');

  it('is initialized the stateful way once the discover timeout has passed', async () => {
    await serverState(ferry, 'silent', 'ready');
    expect(status()?.protocolVersion).toBe('2025-11-25');
    expect(await seenBy('silent')).toEqual(['server/discover', 'initialize', 'notifications/initialized']);
  });

  it('is not probed again: its next start, and every other child of the same server, go straight to initialize', async () => {
    const warned = await ferry.waitFor(
      (e) =>
        e.type === 'log' && e.source === 'server:silent' && /never answered server\/discover/.test(e.message),
    );
    expect(warned).toMatchObject({ level: 'warn' });
    const before = status()?.pid as number;
    process.kill(before, 'SIGKILL');
    await ferry.waitFor(
      (e) => e.type === 'server.status' && e.server === 'silent' && e.state === 'ready' && e.pid !== before,
      10_000,
    );
    expect(await seenBy('silent')).toEqual(['initialize', 'notifications/initialized', 'tools/list']);

    // A per-session server: the first session's child pays for the lesson, the next session's does not.
    expect(await seenBy('lonely')).toEqual(['server/discover', 'initialize', 'notifications/initialized']);
    expect(await seenBy('lonely')).toEqual(['initialize', 'notifications/initialized', 'tools/list']);
  });
});
