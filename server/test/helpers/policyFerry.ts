import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll } from 'vitest';
import { adminApi } from './admin.js';
import { serverState, startFerry, type TestFerry } from './ferry.js';
import { policyServer } from './fixtures.js';

/** The text of a tool result's first block (the policy fixture answers with one). */
export const toolText = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;

/** The names of the tools `client` lists. */
export const toolNames = async (client: Client) => (await client.listTools()).tools.map((t) => t.name);

export interface PolicyFerry {
  ferry: TestFerry;
  api: ReturnType<typeof adminApi>;
}

/**
 * A test Ferry over the policy fixture (started with `flags`), its server ready; `ferry` is the `ferry`
 * section of its config (tool policies, timeouts).
 */
export async function startPolicyFerry(
  ferry: Record<string, unknown>,
  options: { flags?: string[]; dataDir?: string } = {},
): Promise<PolicyFerry> {
  const started = await startFerry(
    { policy: policyServer(...(options.flags ?? [])) },
    { ferry, ...(options.dataDir ? { dataDir: options.dataDir } : {}) },
  );
  await serverState(started, 'policy', 'ready');
  return { ferry: started, api: adminApi(started) };
}

/** The file's policy Ferry with two clients: one on the aggregated /mcp, one on /mcp/policy. */
export class PolicyFixture implements PolicyFerry {
  ferry!: TestFerry;
  api!: ReturnType<typeof adminApi>;
  /** Connected to the aggregated /mcp (names carry the `policy__` prefix). */
  all!: Client;
  /** Connected to /mcp/policy (names as the child gives them). */
  one!: Client;
}

/** The per-file setup of the policy tests, as hooks: `startPolicyFerry(ferry)` and both clients. */
export function usePolicyFerry(ferry: Record<string, unknown>): PolicyFixture {
  const fixture = new PolicyFixture();
  beforeAll(async () => {
    Object.assign(fixture, await startPolicyFerry(ferry));
    fixture.all = await fixture.ferry.connect();
    fixture.one = await fixture.ferry.connect('policy');
  });
  afterAll(() => fixture.ferry?.stop());
  return fixture;
}
