import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallEndEvent, CallStartEvent, Stamped } from '../../src/events/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { everythingServer, repoRoot } from '../helpers/fixtures.js';
import { byName, directClient, rejection, REQ, sessionIdOf, texts, untilTool } from './support.js';

// server-everything (the real reference server) behind Ferry, compared call by call with a direct stdio
// client of its own copy of the same server.

const DOCS = path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-everything/dist/docs');
/** Registered only after initialize, once the client's capabilities are known. */
const LATE_TOOL = 'trigger-sampling-request';

let ferry: TestFerry;
let all: Client; // /mcp
let one: Client; // /mcp/everything
let direct: Client; // no Ferry

beforeAll(async () => {
  ferry = await startFerry({ everything: everythingServer() });
  direct = await directClient(everythingServer());
  await serverState(ferry, 'everything', 'ready', 20_000);
  all = await ferry.connect();
  one = await ferry.connect('everything');
  await Promise.all([
    untilTool(all, `everything__${LATE_TOOL}`),
    untilTool(one, LATE_TOOL),
    untilTool(direct, LATE_TOOL),
  ]);
}, 30_000);

afterAll(async () => {
  await direct?.close();
  await ferry?.stop();
}, 20_000);

describe('server-everything tools', () => {
  it('/mcp lists every tool of the server as everything__<name>, definitions otherwise unchanged', async () => {
    const reference = byName((await direct.listTools(undefined, REQ)).tools);
    const { tools } = await all.listTools(undefined, REQ);
    expect(reference.length).toBeGreaterThan(10);
    expect(byName(tools)).toEqual(byName(reference.map((t) => ({ ...t, name: `everything__${t.name}` }))));
    expect(tools.map((t) => t.name)).toContain('everything__echo');
  }, 20_000);

  it('/mcp/everything lists exactly the tools the server lists, with original names', async () => {
    const reference = byName((await direct.listTools(undefined, REQ)).tools);
    const { tools } = await one.listTools(undefined, REQ);
    expect(byName(tools)).toEqual(reference);
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum', LATE_TOOL]));
  }, 20_000);

  it('initialize: /mcp/everything shows the server itself, /mcp shows Ferry with prefixed instructions', () => {
    expect(one.getServerVersion()).toEqual(direct.getServerVersion());
    expect(one.getServerVersion()?.name).toBe('mcp-servers/everything');
    expect(one.getInstructions()).toBe(direct.getInstructions());
    expect(one.getServerCapabilities()).toMatchObject({ ...direct.getServerCapabilities(), logging: {} });

    expect(all.getServerVersion()?.name).toBe('ferry');
    const instructions = all.getInstructions() ?? '';
    expect(instructions).toContain('## everything');
    expect(instructions).toContain('prefixed "everything__"');
    expect(instructions).toContain(direct.getInstructions()?.slice(0, 200));
    expect(all.getServerCapabilities()).toMatchObject({
      tools: {},
      resources: { subscribe: true },
      prompts: {},
    });
  });

  it('answers ping on /mcp and /mcp/everything', async () => {
    expect(await all.ping(REQ)).toEqual({});
    expect(await one.ping(REQ)).toEqual({});
  }, 20_000);

  const cases: { tool: string; args: Record<string, unknown>; text?: string }[] = [
    { tool: 'echo', args: { message: 'héllo ✓ from ferry' }, text: 'Echo: héllo ✓ from ferry' },
    { tool: 'get-sum', args: { a: 2.5, b: -7 }, text: 'The sum of 2.5 and -7 is -4.5.' },
    { tool: 'get-structured-content', args: { location: 'Chicago' } },
    { tool: 'get-annotated-message', args: { messageType: 'error', includeImage: true } },
    { tool: 'get-tiny-image', args: {} },
  ];

  for (const { tool, args, text } of cases) {
    it(`calls ${tool} through /mcp and /mcp/everything with the server's own result`, async () => {
      const reference = await direct.callTool({ name: tool, arguments: args }, undefined, REQ);
      const viaAll = await all.callTool({ name: `everything__${tool}`, arguments: args }, undefined, REQ);
      const viaOne = await one.callTool({ name: tool, arguments: args }, undefined, REQ);
      expect(reference.isError).toBeFalsy();
      expect(viaAll).toEqual(reference);
      expect(viaOne).toEqual(reference);
      if (text) expect(texts(viaAll)).toEqual([text]);
    }, 20_000);
  }

  it('structured content and content blocks come through intact', async () => {
    const result = await all.callTool(
      { name: 'everything__get-structured-content', arguments: { location: 'Los Angeles' } },
      undefined,
      REQ,
    );
    expect(result.structuredContent).toEqual({ temperature: 73, conditions: 'Sunny / Clear', humidity: 48 });
    const annotated = await all.callTool(
      {
        name: 'everything__get-annotated-message',
        arguments: { messageType: 'success', includeImage: true },
      },
      undefined,
      REQ,
    );
    expect(annotated.content).toEqual([
      {
        type: 'text',
        text: 'Operation completed successfully',
        annotations: { priority: 0.7, audience: ['user'] },
      },
      expect.objectContaining({
        type: 'image',
        mimeType: 'image/png',
        annotations: { priority: 0.5, audience: ['user'] },
      }),
    ]);
  }, 20_000);

  it('an embedded resource in a tool result is passed through', async () => {
    const result = await all.callTool(
      { name: 'everything__get-resource-reference', arguments: { resourceType: 'Text', resourceId: 7 } },
      undefined,
      REQ,
    );
    expect(result.content).toEqual([
      { type: 'text', text: 'Returning resource reference for Resource 7:' },
      {
        type: 'resource',
        resource: {
          uri: 'demo://resource/dynamic/text/7',
          mimeType: 'text/plain',
          text: expect.stringMatching(/^Resource 7: This is a plaintext resource created at /) as string,
        },
      },
      { type: 'text', text: 'You can access this resource using the URI: demo://resource/dynamic/text/7' },
    ]);
  }, 20_000);

  it('an unknown tool on /mcp is a clear -32602 error and reaches no server', async () => {
    // Refused calls show in Activity (outcome "refused", no server), but none reaches a child.
    const forwarded = () =>
      ferry.bus.recent.toArray().filter((e) => e.type === 'call.start' && e.server !== '').length;
    const before = forwarded();
    const since = ferry.bus.lastSeq;
    const error = await rejection(
      all.callTool({ name: 'everything__no-such-tool', arguments: {} }, undefined, REQ),
    );
    expect(error.code).toBe(-32602);
    expect(error.message).toContain('Unknown tool: everything__no-such-tool');
    const unprefixed = await rejection(
      all.callTool({ name: 'echo', arguments: { message: 'x' } }, undefined, REQ),
    );
    expect(unprefixed.code).toBe(-32602);
    expect(unprefixed.message).toContain('Unknown tool: echo');
    expect(forwarded()).toBe(before);
    expect(
      ferry.bus.since(since).filter((e) => e.type === 'call.end' && e.outcome === 'refused'),
    ).toHaveLength(2);
  }, 20_000);

  it('an unknown tool on /mcp/everything gets the server own answer', async () => {
    const reference = await direct.callTool({ name: 'no-such-tool', arguments: {} }, undefined, REQ);
    const result = await one.callTool({ name: 'no-such-tool', arguments: {} }, undefined, REQ);
    expect(result).toEqual(reference);
    expect(result.isError).toBe(true);
    expect(texts(result).join()).toContain('Tool no-such-tool not found');
  }, 20_000);

  it('invalid arguments give the same tool error as the server gives', async () => {
    const args = { a: 'one', b: 2 };
    const reference = await direct.callTool({ name: 'get-sum', arguments: args }, undefined, REQ);
    const result = await all.callTool({ name: 'everything__get-sum', arguments: args }, undefined, REQ);
    expect(reference.isError).toBe(true);
    expect(result).toEqual(reference);
  }, 20_000);

  it('a JSON-RPC error from the server keeps its code, message and data (-32042 URL elicitation required)', async () => {
    const args = { url: 'https://example.com/authorize', errorPath: true };
    const reference = await rejection(
      direct.callTool({ name: 'trigger-url-elicitation', arguments: args }, undefined, REQ),
    );
    const error = await rejection(
      all.callTool({ name: 'everything__trigger-url-elicitation', arguments: args }, undefined, REQ),
    );
    expect(reference.code).toBe(-32042);
    expect(error.code).toBe(-32042);
    expect(error.message).toBe(reference.message);
    const strip = (data: unknown) =>
      (data as { elicitations: Record<string, unknown>[] }).elicitations.map(({ elicitationId, ...rest }) => {
        expect(typeof elicitationId).toBe('string');
        return rest;
      });
    expect(strip(error.data)).toEqual(strip(reference.data));
    expect(strip(error.data)).toEqual([
      {
        mode: 'url',
        url: 'https://modelcontextprotocol.io',
        message: 'Open this link to satisfy the prerequisite, then retry the request.',
      },
    ]);
  }, 20_000);
});

describe('call events', () => {
  const callEnd = (target: string, marker: string) => (e: Stamped) =>
    e.type === 'call.end' && e.target === target && (e.resultPreview ?? e.error ?? '').includes(marker);

  it('a successful call emits call.start and call.end with server, tool, session, outcome and duration', async () => {
    const marker = `marker-${Date.now()}`;
    await all.callTool({ name: 'everything__echo', arguments: { message: marker } }, undefined, REQ);
    const end = (await ferry.waitFor(callEnd('echo', marker), 5_000)) as Stamped<CallEndEvent>;
    expect(end).toMatchObject({
      type: 'call.end',
      server: 'everything',
      method: 'tools/call',
      target: 'echo',
      outcome: 'ok',
      sessionId: sessionIdOf(all),
    });
    expect(end.durationMs).toBeGreaterThan(0);
    expect(end.durationMs).toBeLessThan(10_000);
    expect(end.resultPreview).toContain(`Echo: ${marker}`);
    const start = (await ferry.waitFor(
      (e) => e.type === 'call.start' && e.callId === end.callId,
      1_000,
    )) as Stamped<CallStartEvent>;
    expect(start).toMatchObject({ server: 'everything', target: 'echo', sessionId: end.sessionId });
    expect(start.argsPreview).toContain(marker);
    expect(start.seq).toBeLessThan(end.seq);
  }, 20_000);

  it('a long call reports a duration at least as long as the call took', async () => {
    const after = ferry.bus.lastSeq;
    const started = performance.now();
    await all.callTool(
      { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.6, steps: 2 } },
      undefined,
      REQ,
    );
    const elapsed = performance.now() - started;
    const end = (await ferry.waitFor(
      (e) => e.seq > after && e.type === 'call.end' && e.target === 'trigger-long-running-operation',
      5_000,
    )) as Stamped<CallEndEvent>;
    expect(end.outcome).toBe('ok');
    expect(end.durationMs).toBeGreaterThanOrEqual(550);
    expect(end.durationMs).toBeLessThanOrEqual(elapsed + 50);
  }, 20_000);

  it('a tool error is outcome "tool-error"; a JSON-RPC error is outcome "error" with its message', async () => {
    let after = ferry.bus.lastSeq;
    await one.callTool({ name: 'get-sum', arguments: { a: 'not-a-number-42', b: 1 } }, undefined, REQ);
    const toolError = (await ferry.waitFor(
      (e) => e.seq > after && e.type === 'call.end' && e.target === 'get-sum',
      5_000,
    )) as Stamped<CallEndEvent>;
    expect(toolError).toMatchObject({
      outcome: 'tool-error',
      server: 'everything',
      sessionId: sessionIdOf(one),
    });
    expect(toolError.resultPreview).toContain('Input validation error');

    after = ferry.bus.lastSeq;
    const url = `https://example.com/${Date.now()}`;
    await rejection(
      all.callTool(
        { name: 'everything__trigger-url-elicitation', arguments: { url, errorPath: true } },
        undefined,
        REQ,
      ),
    );
    const error = (await ferry.waitFor(
      (e) => e.seq > after && e.type === 'call.end' && e.target === 'trigger-url-elicitation',
      5_000,
    )) as Stamped<CallEndEvent>;
    expect(error).toMatchObject({ outcome: 'error', server: 'everything', sessionId: sessionIdOf(all) });
    expect(error.error).toContain('This request requires browser-based authorization.');
  }, 20_000);
});

describe('server-everything resources', () => {
  it('lists the static documents exactly as the server does, on /mcp and /mcp/everything', async () => {
    const reference = (await direct.listResources(undefined, REQ)).resources;
    const viaAll = (await all.listResources(undefined, REQ)).resources;
    const viaOne = (await one.listResources(undefined, REQ)).resources;
    expect(reference.map((r) => r.uri)).toContain('demo://resource/static/document/features.md');
    expect(viaAll).toEqual(reference);
    expect(viaOne).toEqual(reference);
  }, 20_000);

  it('lists the two dynamic resource templates', async () => {
    const reference = (await direct.listResourceTemplates(undefined, REQ)).resourceTemplates;
    const { resourceTemplates } = await all.listResourceTemplates(undefined, REQ);
    expect(resourceTemplates).toEqual(reference);
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual([
      'demo://resource/dynamic/blob/{resourceId}',
      'demo://resource/dynamic/text/{resourceId}',
    ]);
  }, 20_000);

  it('reads a listed document by URI through /mcp routing; the text is the file on disk', async () => {
    const uri = 'demo://resource/static/document/features.md';
    const result = await all.readResource({ uri }, REQ);
    expect(result).toEqual(await direct.readResource({ uri }, REQ));
    expect(result.contents).toEqual([
      { uri, mimeType: 'text/markdown', text: await readFile(path.join(DOCS, 'features.md'), 'utf8') },
    ]);
  }, 20_000);

  it('reads template resources (text and blob) by URI through /mcp routing', async () => {
    const text = await all.readResource({ uri: 'demo://resource/dynamic/text/42' }, REQ);
    expect(text.contents).toEqual([
      {
        uri: 'demo://resource/dynamic/text/42',
        mimeType: 'text/plain',
        text: expect.stringMatching(/^Resource 42: This is a plaintext resource created at /) as string,
      },
    ]);
    const blob = await one.readResource({ uri: 'demo://resource/dynamic/blob/9' }, REQ);
    const [content] = blob.contents as { uri: string; blob: string }[];
    expect(content?.uri).toBe('demo://resource/dynamic/blob/9');
    expect(Buffer.from(content?.blob ?? '', 'base64').toString('utf8')).toMatch(
      /^Resource 9: This is a base64 blob created at /,
    );
  }, 20_000);

  it('an unknown URI fails with the server error; a bad template variable too', async () => {
    const reference = await rejection(direct.readResource({ uri: 'demo://nowhere/1' }, REQ));
    const error = await rejection(all.readResource({ uri: 'demo://nowhere/1' }, REQ));
    expect(error.code).toBe(reference.code);
    expect(error.message).toBe(reference.message);
    expect(error.message).toContain('Resource demo://nowhere/1 not found');

    const badId = await rejection(all.readResource({ uri: 'demo://resource/dynamic/text/abc' }, REQ));
    expect(badId.message).toContain('Unknown resource: demo://resource/dynamic/text/abc');
  }, 20_000);
});

describe('server-everything prompts and completion', () => {
  it('lists the prompts as everything__<name> on /mcp and unchanged on /mcp/everything', async () => {
    const reference = byName((await direct.listPrompts(undefined, REQ)).prompts);
    expect(reference.map((p) => p.name)).toEqual([
      'args-prompt',
      'completable-prompt',
      'resource-prompt',
      'simple-prompt',
    ]);
    expect(byName((await one.listPrompts(undefined, REQ)).prompts)).toEqual(reference);
    expect(byName((await all.listPrompts(undefined, REQ)).prompts)).toEqual(
      reference.map((p) => ({ ...p, name: `everything__${p.name}` })),
    );
  }, 20_000);

  it('gets a prompt with arguments', async () => {
    const args = { city: 'Lisbon', state: 'Estremadura' };
    const result = await all.getPrompt({ name: 'everything__args-prompt', arguments: args }, REQ);
    expect(result).toEqual(await direct.getPrompt({ name: 'args-prompt', arguments: args }, REQ));
    expect(result.messages).toEqual([
      { role: 'user', content: { type: 'text', text: "What's weather in Lisbon, Estremadura?" } },
    ]);
    const optionalOmitted = await one.getPrompt({ name: 'args-prompt', arguments: { city: 'Oslo' } }, REQ);
    expect(optionalOmitted.messages[0]?.content).toEqual({ type: 'text', text: "What's weather in Oslo?" });
  }, 20_000);

  it('gets a prompt that embeds a resource', async () => {
    const result = await all.getPrompt(
      { name: 'everything__resource-prompt', arguments: { resourceType: 'Text', resourceId: '3' } },
      REQ,
    );
    expect(result.messages).toHaveLength(2);
    expect(result.messages[1]?.content).toMatchObject({
      type: 'resource',
      resource: { uri: 'demo://resource/dynamic/text/3', mimeType: 'text/plain' },
    });
  }, 20_000);

  it('an unknown prompt is a clear error; a server-side prompt error keeps its message', async () => {
    const unknown = await rejection(all.getPrompt({ name: 'everything__no-such-prompt' }, REQ));
    expect(unknown.code).toBe(-32602);
    expect(unknown.message).toContain('Unknown prompt: everything__no-such-prompt');

    const args = { resourceType: 'Video', resourceId: '1' };
    const reference = await rejection(direct.getPrompt({ name: 'resource-prompt', arguments: args }, REQ));
    const error = await rejection(
      all.getPrompt({ name: 'everything__resource-prompt', arguments: args }, REQ),
    );
    expect(error.code).toBe(reference.code);
    expect(error.message).toBe(reference.message);
    expect(error.message).toContain('Invalid resourceType: Video');
  }, 20_000);

  it('completes prompt arguments, using the context of earlier arguments', async () => {
    const department = await all.complete(
      {
        ref: { type: 'ref/prompt', name: 'everything__completable-prompt' },
        argument: { name: 'department', value: 'S' },
      },
      REQ,
    );
    expect(department.completion.values).toEqual(['Sales', 'Support']);

    const params = {
      argument: { name: 'name', value: '' },
      context: { arguments: { department: 'Engineering' } },
    };
    const names = await all.complete(
      { ref: { type: 'ref/prompt', name: 'everything__completable-prompt' }, ...params },
      REQ,
    );
    expect(names.completion.values).toEqual(['Alice', 'Bob', 'Charlie']);
    const reference = await direct.complete(
      { ref: { type: 'ref/prompt', name: 'completable-prompt' }, ...params },
      REQ,
    );
    expect(names).toEqual(reference);
    const viaOne = await one.complete(
      { ref: { type: 'ref/prompt', name: 'completable-prompt' }, ...params },
      REQ,
    );
    expect(viaOne).toEqual(reference);
  }, 20_000);

  it('completes resource template variables', async () => {
    const ref = { type: 'ref/resource' as const, uri: 'demo://resource/dynamic/text/{resourceId}' };
    const valid = await all.complete({ ref, argument: { name: 'resourceId', value: '17' } }, REQ);
    expect(valid.completion.values).toEqual(['17']);
    const invalid = await all.complete({ ref, argument: { name: 'resourceId', value: 'x' } }, REQ);
    expect(invalid.completion.values).toEqual([]);
  }, 20_000);
});
