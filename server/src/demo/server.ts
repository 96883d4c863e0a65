/**
 * `ferry-demo`: the stdio MCP server Ferry runs when the user has configured none, so that the first
 * connection from claude.ai already shows working tools, a resource and a prompt.
 *
 * Ferry starts it as `<node> server/dist/demo/server.js`. Everything on stdout is protocol, so this
 * file never logs there; the only diagnostics go to stderr, which Ferry captures per server.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CalcError, evaluate, MAX_EXPRESSION_LENGTH } from './calc.js';
import { MAX_RANDOM_BYTES, MAX_RANDOM_COUNT, RANDOM_ID_FORMATS, randomIds } from './randomId.js';
import { textStats, WORDS_PER_MINUTE } from './textStats.js';
import { canonicalTimeZone, readClock } from './time.js';

const DEMO_VERSION = '1.0.0';
const MAX_TEXT_LENGTH = 1_000_000;
const ABOUT_URI = 'ferry://demo/about';

const ABOUT_MARKDOWN = `# Ferry

Ferry runs the MCP servers that live on your computer and offers them to claude.ai as one remote
connector, over OAuth and MCP Streamable HTTP. Claude talks to Ferry; Ferry starts each local server
as a child process, speaks stdio to it, restarts it if it crashes and shows its logs.

## Why you are seeing this

This is \`ferry-demo\`, a small server that ships with Ferry. It runs only while you have not
configured any servers of your own, so that the connector does something from the first minute:

- \`current_time\`: the date and time here, or in any IANA time zone
- \`calculate\`: arithmetic with + - * / % ^ and parentheses
- \`text_stats\`: characters, words, lines, paragraphs and reading time of a text
- \`random_id\`: UUIDs or random hex strings
- the prompt \`summarize\`, and this page

## Adding your own servers

Ferry reads the \`mcpServers\` format of Claude Desktop's \`claude_desktop_config.json\`, so entries
can be copied across unchanged. Put them in Ferry's \`config.json\`:

- macOS: \`~/Library/Application Support/Ferry/config.json\`
- Windows: \`%APPDATA%\\Ferry\\config.json\`
- Linux: \`~/.config/ferry/config.json\` (or \`$XDG_CONFIG_HOME/ferry/config.json\`)

\`\`\`json
{
  "mcpServers": {
    "files": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem", "/path/to/a/folder"]
    }
  }
}
\`\`\`

Each server's tools reach Claude as \`<server>__<tool>\`, for example \`files__read_file\`. An \`env\`
value written as \`\${secret:NAME}\` is read from Ferry's secret store when the server starts, so API
keys need not sit in the file.
`;

/** Text plus structured content, as the spec asks of tools that declare an output schema. */
function structured(value: object): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
    structuredContent: { ...value },
  };
}

/** Statistics are counts: saying so keeps the advertised schema free of ±2^53 bounds. */
const count = () => z.number().int().nonnegative();

function toolError(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

function createDemoServer(): McpServer {
  const server = new McpServer(
    { name: 'ferry-demo', title: 'Ferry demo', version: DEMO_VERSION },
    {
      instructions:
        'Demo tools bundled with Ferry: local time, arithmetic, text statistics and random ids. ' +
        `Read ${ABOUT_URI} to learn how to connect your own MCP servers through Ferry.`,
    },
  );

  server.registerTool(
    'current_time',
    {
      title: 'Current time',
      description:
        "The current date and time on the user's computer, in its own time zone or in a given IANA " +
        "time zone. Use it whenever an answer depends on today's date or the time of day somewhere.",
      inputSchema: {
        timeZone: z
          .string()
          .max(64)
          .refine((zone) => canonicalTimeZone(zone) !== undefined, {
            message:
              'Unknown time zone; use an IANA name such as "Europe/Paris", "America/New_York" or "UTC"',
          })
          .optional()
          .describe('IANA time zone, e.g. "Asia/Tokyo" or "UTC". Default: the computer\'s own zone.'),
      },
      outputSchema: {
        utc: z.string().describe('The instant in UTC, ISO 8601'),
        unixSeconds: z.number().int().nonnegative(),
        timeZone: z.string(),
        local: z.string().describe('Wall-clock time in the zone, ISO 8601 with offset'),
        date: z.string().describe('YYYY-MM-DD in the zone'),
        time: z.string().describe('HH:MM:SS (24-hour) in the zone'),
        weekday: z.string(),
        utcOffset: z.string().describe('e.g. "+01:00"'),
      },
      annotations: { title: 'Current time', readOnlyHint: true, openWorldHint: false },
    },
    ({ timeZone }) => structured(readClock(new Date(), timeZone)),
  );

  server.registerTool(
    'calculate',
    {
      title: 'Calculate',
      description:
        'Evaluates an arithmetic expression exactly as written: numbers (decimals and 1e3 notation), ' +
        '+ - * / % (remainder) ^ or ** (power), unary minus and parentheses. -2^2 is -4 and 2^3^2 is 512. ' +
        'No variables or functions. Results are IEEE-754 doubles.',
      inputSchema: {
        expression: z
          .string()
          .min(1)
          .max(MAX_EXPRESSION_LENGTH)
          .describe('For example "(1.5 + 2) * 4 ^ 2 / 7"'),
      },
      outputSchema: { expression: z.string(), result: z.number() },
      annotations: { title: 'Calculate', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ expression }) => {
      try {
        return structured({ expression, result: evaluate(expression) });
      } catch (error) {
        if (error instanceof CalcError) return toolError(`Cannot evaluate "${expression}": ${error.message}`);
        throw error;
      }
    },
  );

  server.registerTool(
    'text_stats',
    {
      title: 'Text statistics',
      description:
        'Counts characters (as people count them, so emoji and accented letters are one each), words, ' +
        `lines and paragraphs of a text, and estimates its reading time at ${WORDS_PER_MINUTE} words per minute.`,
      inputSchema: { text: z.string().max(MAX_TEXT_LENGTH).describe('The text to measure') },
      outputSchema: {
        characters: count(),
        charactersExcludingWhitespace: count(),
        words: count(),
        lines: count(),
        paragraphs: count(),
        readingTimeSeconds: count(),
      },
      annotations: {
        title: 'Text statistics',
        readOnlyHint: true,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    ({ text }) => structured(textStats(text)),
  );

  server.registerTool(
    'random_id',
    {
      title: 'Random id',
      description:
        'Generates cryptographically random identifiers: version-4 UUIDs, or hex strings of a chosen ' +
        'number of random bytes (16 bytes = 32 hex digits).',
      inputSchema: {
        format: z.enum(RANDOM_ID_FORMATS).default('uuid').describe('"uuid" (default) or "hex"'),
        bytes: z
          .number()
          .int()
          .min(1)
          .max(MAX_RANDOM_BYTES)
          .default(16)
          .describe('Random bytes per hex id; ignored for uuid'),
        count: z.number().int().min(1).max(MAX_RANDOM_COUNT).default(1).describe('How many ids to return'),
      },
      outputSchema: { format: z.enum(RANDOM_ID_FORMATS), ids: z.array(z.string()) },
      // Read-only: it changes nothing, even though each call returns something new.
      annotations: { title: 'Random id', readOnlyHint: true, openWorldHint: false },
    },
    ({ format, bytes, count }) => structured({ format, ids: randomIds({ format, bytes, count }) }),
  );

  server.registerResource(
    'about',
    ABOUT_URI,
    {
      title: 'About Ferry',
      description: 'What Ferry is and how to connect your own MCP servers through it',
      mimeType: 'text/markdown',
    },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: ABOUT_MARKDOWN }] }),
  );

  server.registerPrompt(
    'summarize',
    {
      title: 'Summarize',
      description: 'Asks for a short, faithful summary of a text, optionally focused on one aspect',
      argsSchema: {
        text: z.string().min(1).max(MAX_TEXT_LENGTH).describe('The text to summarize'),
        focus: z
          .string()
          .max(200)
          .optional()
          .describe('What the summary should concentrate on, e.g. "decisions"'),
      },
    },
    ({ text, focus }) => ({
      description: 'Summarize a text',
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              'Summarize the text below in a few sentences. Keep names, numbers and conclusions exact, ' +
              `and do not add anything it does not say.${focus ? ` Concentrate on: ${focus}.` : ''}\n\n` +
              `<text>\n${text}\n</text>`,
          },
        },
      ],
    }),
  );

  return server;
}

async function main(): Promise<void> {
  const server = createDemoServer();
  await server.connect(new StdioServerTransport());
}

main().catch((error: unknown) => {
  process.stderr.write(
    `ferry-demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
