import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientCapabilities, Tool } from '@modelcontextprotocol/sdk/types.js';
import { until } from '../helpers/until.js';

export { sleep, until } from '../helpers/until.js';

/** What the e2e tests pass to every SDK request: no call may hang longer than this. */
export const REQ = { timeout: 15_000 } as const;

/** Capabilities Ferry declares to a shared child; a direct reference client declares the same ones. */
export const FERRY_CHILD_CAPABILITIES: ClientCapabilities = {
  sampling: {},
  elicitation: { form: {}, url: {} },
};

export interface ServerCommand {
  command: string;
  args: string[];
}

/**
 * An SDK client talking straight to its own copy of a real server over stdio (no Ferry): the reference
 * every result through Ferry is compared with.
 */
export async function directClient(
  spec: ServerCommand,
  capabilities = FERRY_CHILD_CAPABILITIES,
): Promise<Client> {
  const client = new Client({ name: 'ferry-test-direct', version: '1.0.0' }, { capabilities });
  await client.connect(
    new StdioClientTransport({ command: spec.command, args: spec.args, stderr: 'ignore' }),
    REQ,
  );
  return client;
}

/** Resolves once `client` lists a tool called `name` (server-everything registers some after initialize). */
export function untilTool(client: Client, name: string, timeoutMs = 10_000): Promise<Tool[]> {
  return until(
    `tool ${name}`,
    async () => {
      const { tools } = await client.listTools(undefined, REQ);
      return tools.some((t) => t.name === name) ? tools : undefined;
    },
    timeoutMs,
  );
}

/** The Streamable HTTP session id Ferry gave this client. */
export function sessionIdOf(client: Client): string {
  const id = (client.transport as StreamableHTTPClientTransport | undefined)?.sessionId;
  if (!id) throw new Error('client has no session id');
  return id;
}

/** Ends the Streamable HTTP session the way a client does (HTTP DELETE), then closes the client. */
export async function endSession(client: Client): Promise<void> {
  await (client.transport as StreamableHTTPClientTransport).terminateSession();
  await client.close();
}

/** Text of every text block of a tool result, in order. */
export function texts(result: object): string[] {
  const content =
    'content' in result && Array.isArray(result.content)
      ? (result.content as { type: string; text?: string }[])
      : [];
  return content.filter((c) => c.type === 'text').map((c) => c.text ?? '');
}

export function byName<T extends { name: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => a.name.localeCompare(b.name));
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { code?: number; data?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: number; data?: unknown };
  }
  throw new Error('expected a rejection, but the promise resolved');
}
