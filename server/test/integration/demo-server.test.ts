/**
 * The demo server as Ferry runs it: a child process speaking stdio, driven by the SDK client.
 *
 * It runs from source so the test needs no build. Node strips the types itself, but it cannot map
 * the `./calc.js` specifiers tsc requires onto `calc.ts`, so a resolve hook does that one thing:
 * a relative `.js` import from a `.ts` file that does not resolve is retried as `.ts`.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DEMO_SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/demo/server.ts');

const RESOLVE_JS_TO_TS = `
import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (/^\\.\\.?\\//.test(specifier) && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
        return nextResolve(specifier.slice(0, -3) + '.ts', context);
      }
      throw error;
    }
  },
});
`;

let client: Client;
let stderr = '';
// Anything on stdout that is not a protocol message reaches the client as an error.
const protocolErrors: Error[] = [];

beforeAll(async () => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', `data:text/javascript,${encodeURIComponent(RESOLVE_JS_TO_TS)}`, DEMO_SERVER],
    stderr: 'pipe',
  });
  (transport.stderr as Readable).setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  client = new Client({ name: 'demo-server-test', version: '1.0.0' });
  client.onerror = (error) => protocolErrors.push(error);
  try {
    await client.connect(transport, { timeout: 15_000 });
  } catch (error) {
    throw new Error(`demo server did not start: ${String(error)}\nstderr: ${stderr}`);
  }
});

afterAll(async () => {
  // Closing stdin is all the demo needs to exit; the SDK escalates to signals if it does not.
  await client?.close();
});

async function call(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function textOf(result: CallToolResult): string {
  const [first] = result.content;
  if (first?.type !== 'text') throw new Error(`expected text content, got ${JSON.stringify(result)}`);
  return first.text;
}

/** A successful structured result, whose text block must be the same JSON. */
function structuredOf(result: CallToolResult): Record<string, unknown> {
  expect(result.isError ?? false).toBe(false);
  expect(result.structuredContent).toBeDefined();
  expect(JSON.parse(textOf(result))).toEqual(result.structuredContent);
  return result.structuredContent as Record<string, unknown>;
}

describe('ferry-demo over stdio', () => {
  it('introduces itself and offers tools, resources and prompts', () => {
    expect(client.getServerVersion()).toMatchObject({ name: 'ferry-demo' });
    const capabilities = client.getServerCapabilities();
    expect(capabilities?.tools).toBeDefined();
    expect(capabilities?.resources).toBeDefined();
    expect(capabilities?.prompts).toBeDefined();
    expect(client.getInstructions()).toContain('ferry://demo/about');
  });

  it('lists four described, read-only tools with input and output schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['current_time', 'calculate', 'text_stats', 'random_id']);
    for (const tool of tools) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(40);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.annotations, tool.name).toMatchObject({ readOnlyHint: true, openWorldHint: false });
    }
    const calculate = tools.find((tool) => tool.name === 'calculate');
    expect(calculate?.inputSchema.required).toEqual(['expression']);
  });

  it('current_time reads the clock here and in a named zone', async () => {
    const local = structuredOf(await call('current_time'));
    expect(Math.abs(Date.parse(local.utc as string) - Date.now())).toBeLessThan(10_000);
    expect(local.local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);

    const tokyo = structuredOf(await call('current_time', { timeZone: 'asia/tokyo' }));
    expect(tokyo).toMatchObject({ timeZone: 'Asia/Tokyo', utcOffset: '+09:00' });
  });

  it('current_time rejects an unknown zone with a helpful message', async () => {
    const result = await call('current_time', { timeZone: 'Mars/Olympus_Mons' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/Unknown time zone; use an IANA name/);
  });

  it('calculate evaluates, and reports bad input as a tool error', async () => {
    expect(structuredOf(await call('calculate', { expression: '(1.5 + 2) * 4 ^ 2 / 7' }))).toEqual({
      expression: '(1.5 + 2) * 4 ^ 2 / 7',
      result: 8,
    });
    expect(structuredOf(await call('calculate', { expression: '-2^2 + 7 % 4' })).result).toBe(-1);

    const byZero = await call('calculate', { expression: '1 / (3 - 3)' });
    expect(byZero.isError).toBe(true);
    expect(textOf(byZero)).toBe('Cannot evaluate "1 / (3 - 3)": Division by zero at column 3');

    const code = await call('calculate', { expression: 'process.exit(1)' });
    expect(code.isError).toBe(true);
    expect(textOf(code)).toMatch(/Unsupported "process.exit"/);

    const empty = await call('calculate', { expression: '' });
    expect(empty.isError).toBe(true);
  });

  it('text_stats counts a text', async () => {
    expect(structuredOf(await call('text_stats', { text: 'Hello wörld 👋🏽\n\nSecond paragraph.\n' }))).toEqual(
      {
        characters: 33,
        charactersExcludingWhitespace: 27,
        words: 4,
        lines: 3,
        paragraphs: 2,
        readingTimeSeconds: 1,
      },
    );
  });

  it('random_id makes uuids by default and bounded hex on request', async () => {
    const one = structuredOf(await call('random_id'));
    expect(one.format).toBe('uuid');
    expect(one.ids).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);

    const hex = structuredOf(await call('random_id', { format: 'hex', bytes: 8, count: 3 }));
    expect(hex.ids).toEqual([
      expect.stringMatching(/^[0-9a-f]{16}$/),
      expect.stringMatching(/^[0-9a-f]{16}$/),
      expect.stringMatching(/^[0-9a-f]{16}$/),
    ]);

    const tooMany = await call('random_id', { format: 'hex', bytes: 5000 });
    expect(tooMany.isError).toBe(true);
    expect(textOf(tooMany)).toMatch(/bytes/);
  });

  it('serves the about page as markdown', async () => {
    const { resources } = await client.listResources();
    expect(resources).toEqual([
      expect.objectContaining({ uri: 'ferry://demo/about', mimeType: 'text/markdown' }),
    ]);
    const { contents } = await client.readResource({ uri: 'ferry://demo/about' });
    const [page] = contents;
    expect(page).toMatchObject({ uri: 'ferry://demo/about', mimeType: 'text/markdown' });
    const text = page && 'text' in page ? page.text : '';
    expect(text).toMatch(/^# Ferry/);
    expect(text).toContain('"mcpServers"');
  });

  it('offers the summarize prompt', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts).toEqual([
      expect.objectContaining({
        name: 'summarize',
        arguments: [
          expect.objectContaining({ name: 'text', required: true }),
          expect.objectContaining({ name: 'focus', required: false }),
        ],
      }),
    ]);
    const prompt = await client.getPrompt({
      name: 'summarize',
      arguments: { text: 'Ferry ships on Friday.', focus: 'dates' },
    });
    expect(prompt.messages).toHaveLength(1);
    const message = prompt.messages[0];
    expect(message?.role).toBe('user');
    const body = message?.content.type === 'text' ? message.content.text : '';
    expect(body).toContain('<text>\nFerry ships on Friday.\n</text>');
    expect(body).toContain('Concentrate on: dates.');
  });

  it('has written nothing but protocol messages to stdout', async () => {
    await client.ping();
    expect(protocolErrors).toEqual([]);
  });
});
