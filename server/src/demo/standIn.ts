import { fileURLToPath } from 'node:url';
import type { ConfigChange, LiveConfig } from '../config/live.js';
import { configSchema, type FerryConfig } from '../config/schema.js';

/**
 * How to run the built-in demo server (a Node script) when there is no config: a command (Node, or Electron
 * as Node) with the `script` to run (default the server beside this file), or `false` when there is no Node
 * to run it with; Ferry then starts with no servers.
 */
export type DemoRuntime = { command: string; env?: Record<string, string>; script?: string } | false;

/** The demo server ships next to this file (server/dist/demo/server.js). */
export function demoServerPath(): string {
  return fileURLToPath(new URL('./server.js', import.meta.url));
}

/** The config the hub runs while the demo server stands in for a missing config file. */
export function demoConfig(runtime: DemoRuntime | undefined): FerryConfig {
  if (runtime === false) return configSchema.parse({});
  const { command, env, script } = runtime ?? { command: process.execPath };
  return configSchema.parse({
    mcpServers: { demo: { command, args: [script ?? demoServerPath()], ...(env ? { env } : {}) } },
  });
}

/** What the hub should run for this change: the demo server until the first real server replaces it. */
export function servedConfig(change: ConfigChange, runtime: DemoRuntime | undefined): FerryConfig {
  return change.demo ? demoConfig(runtime) : change.config;
}

/** The log line that explains why a server Ferry was never told about is running (or why none is). */
export function demoNotice(live: LiveConfig, runtime: DemoRuntime | undefined): string | undefined {
  if (!live.demo) return undefined;
  return runtime === false
    ? `no config at ${live.file.path}: add a server or import Claude Desktop's`
    : `no config at ${live.file.path}: running the built-in demo server`;
}

export const DEMO_REPLACED_NOTICE = 'first server added: the demo server is replaced';
