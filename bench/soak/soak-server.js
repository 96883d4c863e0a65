#!/usr/bin/env node
// The soak's stdio MCP server (plain JS, so it runs on any Node the soak runs on). Every tool that
// answers with data answers with the caller's own nonce, so the soak can tell a right answer from an
// answer that belongs to another call or another session.
//
//   echo   {text}               answers `text`
//   blob   {nonce, bytes}       answers `nonce` followed by 'x' up to exactly `bytes` characters
//   slow   {nonce, ms, steps}   sends `steps` progress notifications over `ms`, then answers `nonce`
//   sample {nonce}              asks the client to sample (sampling/createMessage) with prompt `nonce`, answers its text
//   elicit {nonce}              asks the client (form elicitation) with message `nonce`, answers `answer`
//   secret {}                   answers the value of SOAK_SECRET (reached through `${secret:…}`)
//   hang   {}                   from now on answers nothing at all, pings included (a child that stops answering)
//
// Extra arguments (the soak passes `--soak-run <id>`) are ignored: they only mark the process as the soak's.
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';

/** Largest blob a call may ask for: the soak asks for 1 MiB. */
const MAX_BLOB_BYTES = 4 * 1024 * 1024;
/** Longest `slow` call: bounded so a confused caller cannot park a request for ever. */
const MAX_SLOW_MS = 60_000;

const object = (properties, required = Object.keys(properties)) => ({ type: 'object', properties, required });
const TOOLS = [
  { name: 'echo', inputSchema: object({ text: { type: 'string' } }) },
  { name: 'blob', inputSchema: object({ nonce: { type: 'string' }, bytes: { type: 'integer' } }) },
  {
    name: 'slow',
    inputSchema: object({ nonce: { type: 'string' }, ms: { type: 'integer' }, steps: { type: 'integer' } }),
  },
  { name: 'sample', inputSchema: object({ nonce: { type: 'string' } }) },
  { name: 'elicit', inputSchema: object({ nonce: { type: 'string' } }) },
  { name: 'secret', inputSchema: object({}) },
  { name: 'hang', inputSchema: object({}) },
].map((tool) => ({
  ...tool,
  description: `soak tool ${tool.name}`,
  annotations: { readOnlyHint: true, openWorldHint: false },
}));

const text = (value) => ({ content: [{ type: 'text', text: value }] });
const need = (ok, message) => {
  if (!ok) throw new McpError(ErrorCode.InvalidParams, message);
};

const server = new Server({ name: 'soak-server', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS }));
server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
  const args = request.params.arguments ?? {};
  switch (request.params.name) {
    case 'echo':
      need(typeof args.text === 'string', 'echo needs a string "text"');
      return text(args.text);
    case 'blob': {
      const { nonce, bytes } = args;
      need(typeof nonce === 'string', 'blob needs a string "nonce"');
      need(Number.isInteger(bytes) && bytes >= nonce.length && bytes <= MAX_BLOB_BYTES, 'bad "bytes"');
      return text(nonce + 'x'.repeat(bytes - nonce.length));
    }
    case 'slow': {
      const { nonce, ms, steps } = args;
      need(typeof nonce === 'string', 'slow needs a string "nonce"');
      need(Number.isInteger(ms) && ms >= 0 && ms <= MAX_SLOW_MS, 'bad "ms"');
      need(Number.isInteger(steps) && steps >= 1 && steps <= 100, 'bad "steps"');
      const token = request.params._meta?.progressToken;
      for (let step = 1; step <= steps; step++) {
        await sleep(ms / steps, undefined, { signal: extra.signal });
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: step, total: steps },
          });
        }
      }
      return text(nonce);
    }
    case 'sample': {
      need(typeof args.nonce === 'string', 'sample needs a string "nonce"');
      const result = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: {
            messages: [{ role: 'user', content: { type: 'text', text: args.nonce } }],
            maxTokens: 50,
          },
        },
        CreateMessageResultSchema,
      );
      return text(result.content.type === 'text' ? result.content.text : '');
    }
    case 'elicit': {
      need(typeof args.nonce === 'string', 'elicit needs a string "nonce"');
      const result = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: {
            mode: 'form',
            message: args.nonce,
            requestedSchema: {
              type: 'object',
              properties: { answer: { type: 'string' } },
              required: ['answer'],
            },
          },
        },
        ElicitResultSchema,
      );
      return text(result.action === 'accept' ? String(result.content?.answer ?? '') : `(${result.action})`);
    }
    case 'secret':
      return text(process.env.SOAK_SECRET ?? '(unset)');
    case 'hang':
      hung = true;
      return new Promise(() => {});
    default:
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
  }
});

let hung = false;
const transport = new StdioServerTransport();
await server.connect(transport);
// A hung server reads its stdin and drops everything: no answer, no error, pings included.
const deliver = transport.onmessage;
transport.onmessage = (message) => {
  if (!hung) deliver?.(message);
};
