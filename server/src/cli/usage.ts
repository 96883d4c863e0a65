import { FERRY_VERSION } from '../version.js';

/**
 * Every command's usage text, in one place: `ferry <command> --help` (or `-h`) prints its own, `ferry`,
 * `ferry --help` and `ferry help` print the overview, which embeds the serve options.
 */

const SERVE_OPTIONS = `serve options:
  --config <file>              config file (default <data-dir>/config.json; none: a demo server)
  --data-dir <dir>             where runtime.json and state live
  --port <n>                   public listener port (default 8790; 0 = any free port)
  --host <addr>                public listener address (default 127.0.0.1)
  --admin-port <n>             admin listener port (default: the last run's, else any free port)
  --new-admin-token            mint a new admin token (the window link changes; default: keep it)
  --public-url <url>           origin clients use to reach Ferry (reverse proxy, tests)
  --tunnel quick|named|off     Cloudflare tunnel (default: quick when cloudflared is installed)
  --secret-store keychain|file where secrets live (default keychain)
  --no-auth                    no OAuth (loopback clients only; for local tools and tests)
  -v, --verbose                show every tool call, session and server log line
  -h, --help                   show this help`;

export const SERVE_USAGE = `Usage: ferry serve [options]

Runs Ferry headless (no window): the MCP endpoint, OAuth and the tunnel in the foreground; connection
requests are printed here with their match code. Ctrl+C stops it.

${SERVE_OPTIONS}`;

export const IMPORT_USAGE = `Usage: ferry import [file] [options]

Copies the stdio servers of Claude Desktop's config (default: its usual place on this computer) into
Ferry's config; values that look like secrets move to the keychain.

import options:
  --config <file>              Ferry's config file to write (default <data-dir>/config.json)
  --data-dir <dir>             Ferry's data directory
  --secrets detected|all|none  which env values move to the secret store (default detected)
  --secret-store keychain|file where the moved secrets go (default keychain)
  --overwrite                  replace servers of the same name already in Ferry's config
  -h, --help                   show this help
Exit status: 0 if something was imported (or there was nothing to import), 1 if every server was
skipped, 2 for errors.`;

export const DOCTOR_OPTIONS = `doctor options:
  --token <token>              an access token for the URL: also checks initialize, tools and SSE
                               (or set FERRY_DOCTOR_TOKEN, which keeps it out of shell history)
  --timeout <s>                per-request timeout in seconds (default 10)
  --call <tool>                a harmless tool to call (default: current_time on Ferry's demo)
  --call-args <json>           its arguments, a JSON object (default {})
  --slow <tool>                a tool that takes > 15 s, to check keep-alives on long calls
  --slow-args <json>           its arguments, a JSON object (default {})
  --json                       print the report as JSON
  -h, --help                   show this help
Exit status: 1 if a check failed, 0 otherwise, 2 for usage errors.`;

export const DOCTOR_USAGE = `Usage: ferry doctor <url> [options]

Replays Claude's connector handshake against a connector URL (e.g.
https://<name>.trycloudflare.com/mcp) and explains each step, with the fix for what fails.

${DOCTOR_OPTIONS}`;

export const FERRY_USAGE = `Ferry ${FERRY_VERSION}: expose the MCP servers on this computer to claude.ai.

Usage:
  ferry serve [options]        run Ferry headless (no window)
  ferry import [file]          import servers from Claude Desktop's config
  ferry doctor <url> [options] replay Claude's connector handshake against a URL and explain it
  ferry <command> --help       the options of one command
  ferry --version

${SERVE_OPTIONS}`;
