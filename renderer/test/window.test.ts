import { describe, expect, it } from 'vitest';
import type { ClientSummary, StatusSnapshot } from '../src/api/types.js';
import { chartTop } from '../src/features/activity/scale.js';
import { revisionLabel } from '../src/features/activity/revision.js';
import { argumentsFrom, pretty, schemaFields } from '../src/features/servers/schemaForm.js';
import { headline } from '../src/features/status/headline.js';
import { startingHint } from '../src/features/servers/starting.js';
import type { CallRow } from '../src/state/store.js';
import { secretStoreWords, splitLinks } from '../src/util/links.js';
import { partOf } from '../src/util/fieldPart.js';

/** The window's pure logic: the Status headline, the latency chart's scale, the test-call form. */

const NOW = 1_800_000_000_000;

function status(over: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    version: '0.1.0',
    pid: 1,
    startedAt: NOW - 60_000,
    localUrl: 'http://127.0.0.1:8790',
    publicUrl: 'http://127.0.0.1:8790',
    mcpUrl: 'http://127.0.0.1:8790/mcp',
    configPath: '/c.json',
    demo: false,
    auth: true,
    warnings: [],
    paused: false,
    sessions: 0,
    secretStore: 'file',
    servers: [],
    tunnel: { mode: 'off', state: 'off', publicUrl: undefined, reason: undefined },
    ...over,
  };
}

const claude = {
  clientId: 'c1',
  clientName: 'claudeai',
  redirectUris: ['https://claude.ai/api/mcp/auth_callback'],
  createdAt: NOW / 1000 - 600,
  lastUsedAt: NOW / 1000 - 30,
  grants: [{ grantId: 'g1' }],
} as unknown as ClientSummary;

const call = { startedAt: NOW - 20_000 } as CallRow;
const PUBLIC = 'https://a-b-c.trycloudflare.com/mcp';

describe('the Status headline', () => {
  it('says online, who is connected and the last call when all is well', () => {
    const line = headline({
      status: status({ tunnel: { mode: 'quick', state: 'connected', publicUrl: PUBLIC, reason: undefined } }),
      connectorUrl: PUBLIC,
      consentsWaiting: 0,
      clients: [claude],
      calls: [call],
      now: NOW,
    });
    expect(line.title).toBe(
      'Online at https://a-b-c.trycloudflare.com · claudeai connected · last call 20 s ago',
    );
    expect(line.tone).toBe('good');
    expect(line.action).toEqual({ kind: 'copy-url', label: 'Copy connector URL' });
  });

  it('puts a waiting consent first, then a missing tunnel, then no client yet', () => {
    const base = { connectorUrl: PUBLIC, clients: [], calls: [], now: NOW };
    const online = status({
      tunnel: { mode: 'quick', state: 'connected', publicUrl: PUBLIC, reason: undefined },
    });
    expect(headline({ ...base, status: online, consentsWaiting: 2 }).action).toEqual({
      kind: 'review-consents',
    });
    const local = headline({
      ...base,
      status: status(),
      connectorUrl: 'http://127.0.0.1:8790/mcp',
      consentsWaiting: 0,
    });
    expect(local.title).toBe('Claude cannot reach Ferry yet: it only runs on this computer');
    expect(local.action).toMatchObject({ kind: 'start-tunnel', label: 'Start quick tunnel' });
    const lonely = headline({ ...base, status: online, consentsWaiting: 0 });
    expect(lonely.title).toMatch(/no client connected yet$/);
  });

  it('without OAuth never asks for approval and calls the URL local', () => {
    const line = headline({
      status: status({ auth: false }),
      connectorUrl: 'http://127.0.0.1:8790/mcp',
      consentsWaiting: 0,
      clients: undefined,
      calls: [],
      now: NOW,
    });
    expect(line.action).toEqual({ kind: 'copy-url', label: 'Copy local URL' });
    expect(`${line.title} ${line.detail ?? ''}`).not.toMatch(/\bapprove\b/i);
  });
});

describe('the Status headline while paused', () => {
  it('says "Paused" with the one action to resume, above a waiting consent and a crash', () => {
    const line = headline({
      status: status({
        paused: true,
        pausedSince: NOW - 60_000,
        servers: [{ name: 'git', state: 'crashed' } as StatusSnapshot['servers'][number]],
      }),
      connectorUrl: 'http://127.0.0.1:8790/mcp',
      consentsWaiting: 1,
      clients: [claude],
      calls: [call],
      now: NOW,
    });
    expect(line.title).toBe('Paused · Claude cannot reach your servers');
    expect(line.action).toEqual({ kind: 'resume' });
    // The user is told the quick-tunnel address is not kept across a pause.
    expect(line.detail).toMatch(/new address/);
  });
});

describe('the latency chart scale', () => {
  it('is not flattened by one slow call: the top stays near the others, the outlier is cut', () => {
    const values = [...Array.from({ length: 40 }, (_, i) => 5 + (i % 5)), 30_000];
    const { top, clipped } = chartTop(values);
    expect(clipped).toBe(true);
    expect(top).toBeLessThan(100);
  });

  it('keeps the true maximum when nothing stands out', () => {
    expect(chartTop([10, 12, 15, 20])).toEqual({ top: 20, clipped: false });
  });
});

describe('the test-call form', () => {
  const schema = {
    type: 'object',
    properties: {
      text: { type: 'string', description: 'what to say' },
      count: { type: 'integer' },
      loud: { type: 'boolean' },
      mode: { enum: ['a', 'b'] },
      extra: { type: 'object' },
    },
    required: ['text'],
  };

  it('makes one field per argument, of the right kind', () => {
    expect(schemaFields(schema).map((f) => [f.name, f.kind, f.required])).toEqual([
      ['text', 'string', true],
      ['count', 'integer', false],
      ['loud', 'boolean', false],
      ['mode', 'enum', false],
      ['extra', 'json', false],
    ]);
  });

  it('builds the arguments, leaving out empty optional fields, and names the field that is wrong', () => {
    const fields = schemaFields(schema);
    expect(argumentsFrom(fields, { text: 'hi', count: '3', loud: 'true', extra: '{"a":1}' })).toEqual({
      text: 'hi',
      count: 3,
      loud: true,
      extra: { a: 1 },
    });
    expect(() => argumentsFrom(fields, {})).toThrow('text is required');
    expect(() => argumentsFrom(fields, { text: 'x', count: '1.5' })).toThrow('count must be a whole number');
    expect(() => argumentsFrom(fields, { text: 'x', extra: '{' })).toThrow(/extra must be JSON/);
  });

  it('pretty-prints JSON and leaves a cut payload as it came', () => {
    expect(pretty('{"a":[1]}')).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(pretty('{"a":"cut…')).toBe('{"a":"cut…');
  });
});

describe('messages in the user’s words', () => {
  it('turns web addresses into links, leaving the sentence’s punctuation outside', () => {
    expect(splitLinks('See https://developers.cloudflare.com/tunnel/ (docs). Then retry.')).toEqual([
      { text: 'See ' },
      {
        text: 'https://developers.cloudflare.com/tunnel/',
        href: 'https://developers.cloudflare.com/tunnel/',
      },
      { text: ' (docs). Then retry.' },
    ]);
    expect(splitLinks('no address here')).toEqual([{ text: 'no address here' }]);
  });

  it('names the secret store in use', () => {
    expect(secretStoreWords('keychain')).toBe('the OS keychain');
    expect(secretStoreWords('file')).toMatch(/^Ferry’s secrets file/);
    expect(secretStoreWords('memory (OS keychain unavailable)')).toMatch(/^memory only/);
  });
});

describe('a slow start, explained', () => {
  it('says npx (or uvx…) may be downloading the package, and otherwise what Ferry waits for', () => {
    expect(startingHint('npx')).toBe(
      'npx may be downloading the package on its first run; this can take a minute.',
    );
    expect(startingHint('C:\\Program Files\\nodejs\\npx.cmd')).toMatch(/^npx may be downloading/);
    expect(startingHint('/usr/local/bin/uvx')).toMatch(/^uvx may be downloading/);
    expect(startingHint('/usr/bin/node')).toBe('Waiting for it to answer MCP initialize.');
  });
});

describe('revisionLabel', () => {
  it('names the stateless revision and the stateful ones, and says nothing it does not know', () => {
    expect(revisionLabel('2026-07-28')).toBe('MCP 2026-07-28 (stateless)');
    expect(revisionLabel('2025-11-25')).toBe('MCP 2025-11-25');
    expect(revisionLabel(undefined)).toBe('—');
  });
});

describe('form issues name the part of a field, never the config path', () => {
  it('says which argument or variable, and nothing for a whole field', () => {
    expect(partOf('args[1]')).toBe('Argument 2');
    expect(partOf('mcpServers.files.args.0')).toBe('Argument 1');
    expect(partOf('env.GITHUB_TOKEN')).toBe('GITHUB_TOKEN');
    expect(partOf('mcpServers.files.env.API_KEY')).toBe('API_KEY');
    expect(partOf('env["A.B"]')).toBe('A.B');
    expect(partOf('command')).toBeUndefined();
    expect(partOf('ferry.servers.files.sessionMode')).toBeUndefined();
  });
});
