import { createCore, type RuntimeInfo } from '../core.js';
import { ConsentPrompter } from './consentPrompt.js';
import { TerminalQuestions } from './terminalQuestions.js';
import { ToolApprovalPrompter } from './toolApprovalPrompt.js';
import { RECOMMENDED_NOTE } from '../util/connectorUrls.js';
import { ConfigError } from '../config/errors.js';
import type { ServeArgs } from './args.js';
import { bold, cyan, dim, green, red, renderEvent, safe, yellow } from './render.js';
import { serverUrlLines } from './serverUrls.js';

let announced: string | undefined;
/** The one line the user needs: the exact URL to paste into Claude. */
function announce(publicUrl: string): void {
  if (announced === publicUrl) return;
  announced = publicUrl;
  console.log('');
  console.log(
    `${green(bold('Tunnel connected.'))} Add this URL in Claude (Settings > Connectors > Add custom connector):`,
  );
  console.log(`  ${bold(cyan(safe(`${publicUrl}/mcp`)))}`);
  console.log(dim(`  (${RECOMMENDED_NOTE})`));
  console.log('');
}

/** A second SIGINT/SIGTERM sooner than this after the first is the same request, delivered twice. */
const REPEAT_IS_ECHO_MS = 1000;

/** `ferry serve`: the core in the foreground, events rendered to the terminal, clean exit on SIGINT/SIGTERM. */
export async function serve(args: ServeArgs): Promise<number> {
  const core = createCore({
    configPath: args.config,
    dataDir: args.dataDir,
    port: args.port,
    host: args.host,
    adminPort: args.adminPort ?? 0,
    stableAdmin: { rotate: args.newAdminToken },
    publicUrl: args.publicUrl,
    secretStore: args.secretStore,
    auth: !args.noAuth,
    tunnel: args.tunnel,
  });
  const questions = new TerminalQuestions();
  const prompter = new ConsentPrompter(core, questions);
  const toolPrompter = new ToolApprovalPrompter(core, questions);
  core.events.subscribe((event) => {
    const line = renderEvent(event, args.verbose);
    if (line) console.log(line);
    if (event.type === 'consent.requested') prompter.ask(event.consent, runtimeInfo);
    if (event.type === 'consent.resolved') prompter.resolved(event.id);
    if (event.type === 'approval.requested') toolPrompter.ask(event.approval, runtimeInfo);
    if (event.type === 'approval.resolved') toolPrompter.resolved(event.id);
    if (event.type === 'tunnel.state' && event.state === 'connected' && event.publicUrl)
      announce(event.publicUrl);
    if (event.type === 'tunnel.url-changed') console.log(yellow(safe(event.message)));
    if (event.type === 'tunnel.state' && event.state === 'failed' && event.reason)
      console.log(yellow(`tunnel: ${safe(event.reason)}`));
  });
  let runtimeInfo: RuntimeInfo | undefined;

  let runtime;
  try {
    runtime = await core.start();
    runtimeInfo = runtime;
  } catch (error) {
    await core.stop().catch(() => undefined);
    if (error instanceof ConfigError) {
      console.error(red(error.message));
      return 2;
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(
        red(
          `port already in use: ${(error as Error).message}. Pick another with --port <n> (0 = any free port).`,
        ),
      );
      return 2;
    }
    throw error;
  }

  console.log('');
  console.log(bold('Ferry is running.'));
  console.log(`  MCP endpoint (all servers)  ${cyan(runtime.mcpUrl)}  ${dim('recommended for Claude')}`);
  for (const line of serverUrlLines(runtime.publicUrl, core.admin.status().tunnel.serverHostnames ?? {}))
    console.log(line);
  if (runtime.adminUrl)
    console.log(`  Window                      ${runtime.adminUrl}/#token=${runtime.adminToken as string}`);
  console.log(
    `  OAuth                       ${args.noAuth ? red('off (--no-auth): loopback clients only') : 'on: approve each connection here or through the admin API'}`,
  );
  console.log(`  Config                      ${core.configPath}`);
  console.log(dim('  Press Ctrl+C to stop.'));
  console.log('');

  return new Promise<number>((resolve) => {
    let stoppingSince: number | undefined;
    const shutdown = (signal: NodeJS.Signals) => {
      if (stoppingSince !== undefined) {
        // Wrappers (npm start, timeout, a terminal's process group) often deliver one stop request
        // twice within moments; only a deliberate second request skips waiting for the servers.
        if (Date.now() - stoppingSince < REPEAT_IS_ECHO_MS) return;
        console.error(red(`${signal} again: exiting without waiting for servers to stop`));
        process.exit(130);
      }
      stoppingSince = Date.now();
      questions.close();
      console.log(dim(`${signal}: stopping servers…`));
      core.stop().then(
        () => resolve(0),
        (error: unknown) => {
          console.error(red(`shutdown failed: ${String(error)}`));
          resolve(1);
        },
      );
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}
