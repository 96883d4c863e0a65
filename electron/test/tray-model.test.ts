import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import type { TunnelStatus } from '#core';
import { HOSTILE_NAME, RAW_CONTROL } from '../../server/test/helpers/hostileText.js';
import { menuTemplate } from '../src/main/tray/menu.js';
import {
  trayState,
  trayView,
  type MenuEntry,
  COPY_CONNECTOR_LABEL,
  QUICK_RESUME_NOTE,
  type TrayAction,
  type TrayApproval,
  type TrayHeldTool,
  type TrayInput,
  type TrayState,
} from '../src/main/tray/model.js';

type Server = TrayInput['servers'][number];
type Consent = TrayInput['consents'][number];
type ActionEntry = Extract<MenuEntry, { kind: 'action' }>;
type SubmenuEntry = Extract<MenuEntry, { kind: 'submenu' }>;

const PUBLIC_URL = 'https://quiet-river.trycloudflare.com';

function tunnel(
  state: TunnelStatus['state'],
  extra: Partial<Pick<TunnelStatus, 'publicUrl' | 'reason'>> = {},
): TunnelStatus {
  return {
    mode: state === 'off' ? 'off' : 'quick',
    state,
    publicUrl: extra.publicUrl ?? (state === 'connected' ? PUBLIC_URL : undefined),
    reason: extra.reason,
  };
}

const server = (name: string, state: Server['state'], tools = 0, reason?: string): Server => ({
  name,
  state,
  tools,
  reason,
});

const consent = (id: string, clientName = 'Claude', matchCode = 'K7Q-4MX'): Consent => ({
  id,
  clientName,
  redirectHost: 'claude.ai',
  matchCode,
});

function input(overrides: Partial<TrayInput> = {}): TrayInput {
  return {
    platform: 'linux',
    phase: 'running',
    tunnel: tunnel('off'),
    servers: [],
    consents: [],
    openAtLogin: false,
    loginItemSupported: true,
    ...overrides,
  };
}

function labels(menu: MenuEntry[]): string[] {
  return menu.map((entry) => (entry.kind === 'separator' ? '---' : entry.label));
}

function findAction(menu: MenuEntry[], label: string): ActionEntry {
  const found = menu.find((entry): entry is ActionEntry => entry.kind === 'action' && entry.label === label);
  if (!found) throw new Error(`no action "${label}" in ${labels(menu).join(' | ')}`);
  return found;
}

function findSubmenu(menu: MenuEntry[], prefix: string): SubmenuEntry {
  const found = menu.find(
    (entry): entry is SubmenuEntry => entry.kind === 'submenu' && entry.label.startsWith(prefix),
  );
  if (!found) throw new Error(`no submenu "${prefix}…" in ${labels(menu).join(' | ')}`);
  return found;
}

const hasLabel = (menu: MenuEntry[], label: string) => labels(menu).includes(label);

describe('trayState', () => {
  it('is off when running with no tunnel', () => {
    expect(trayState(input())).toBe('off');
  });

  it('is off while stopping with no tunnel', () => {
    expect(trayState(input({ phase: 'stopping' }))).toBe('off');
  });

  it.each(['installing', 'starting', 'reconnecting'] as const)(
    'is connecting while the tunnel is %s',
    (state) => {
      expect(trayState(input({ tunnel: tunnel(state) }))).toBe('connecting');
    },
  );

  it('is connecting while the core is starting, even with the tunnel off', () => {
    expect(trayState(input({ phase: 'starting' }))).toBe('connecting');
  });

  it('is online when the tunnel is connected', () => {
    expect(trayState(input({ tunnel: tunnel('connected') }))).toBe('online');
  });

  it('needs attention when a consent is waiting', () => {
    expect(trayState(input({ tunnel: tunnel('connected'), consents: [consent('c1')] }))).toBe('attention');
  });

  it('needs attention when a server crashed', () => {
    const servers = [server('git', 'crashed'), server('fs', 'ready', 3)];
    expect(trayState(input({ tunnel: tunnel('connected'), servers }))).toBe('attention');
  });

  it('is an error when the core failed to start', () => {
    expect(trayState(input({ phase: 'failed', startError: 'port 8787 is taken' }))).toBe('error');
  });

  it('is an error when the tunnel failed', () => {
    expect(trayState(input({ tunnel: tunnel('failed', { reason: 'no network' }) }))).toBe('error');
  });

  describe('priorities', () => {
    it('a failed start outranks waiting consents, a failed tunnel and crashed servers', () => {
      const everything = input({
        phase: 'failed',
        startError: 'boom',
        consents: [consent('c1')],
        tunnel: tunnel('failed'),
        servers: [server('git', 'crashed')],
      });
      expect(trayState(everything)).toBe('error');
      expect(trayView(everything).tooltip).toBe('Ferry — could not start: boom');
    });

    it('a waiting consent outranks a failed tunnel', () => {
      expect(trayState(input({ consents: [consent('c1')], tunnel: tunnel('failed') }))).toBe('attention');
    });

    it('a failed tunnel outranks a crashed server', () => {
      expect(trayState(input({ tunnel: tunnel('failed'), servers: [server('git', 'crashed')] }))).toBe(
        'error',
      );
    });

    it('a crashed server outranks connecting', () => {
      expect(trayState(input({ tunnel: tunnel('reconnecting'), servers: [server('git', 'crashed')] }))).toBe(
        'attention',
      );
    });

    it('a connected tunnel shows online even while the phase is still starting', () => {
      expect(trayState(input({ phase: 'starting', tunnel: tunnel('connected') }))).toBe('online');
    });
  });
});

describe('trayView icon', () => {
  const situations: [TrayState, TrayInput][] = [
    ['off', input()],
    ['connecting', input({ tunnel: tunnel('starting') })],
    ['online', input({ tunnel: tunnel('connected') })],
    ['attention', input({ consents: [consent('c1')] })],
    ['error', input({ tunnel: tunnel('failed') })],
  ];

  it.each(situations)('is the bare state name (%s) on linux and win32', (state, situation) => {
    expect(trayView({ ...situation, platform: 'linux' }).icon).toBe(state);
    expect(trayView({ ...situation, platform: 'win32' }).icon).toBe(state);
  });

  it.each(situations)('is the template image (%sTemplate) on darwin', (state, situation) => {
    expect(trayView({ ...situation, platform: 'darwin' }).icon).toBe(`${state}Template`);
  });

  it('reports the same state as trayState', () => {
    for (const [state, situation] of situations) expect(trayView(situation).state).toBe(state);
  });
});

describe('trayView tooltip', () => {
  it('says not exposed and no servers when idle', () => {
    expect(trayView(input()).tooltip).toBe('Ferry — not exposed · no servers yet');
  });

  it('names the public host and counts ready servers when online', () => {
    const view = trayView(
      input({ tunnel: tunnel('connected'), servers: [server('fs', 'ready', 3), server('git', 'ready', 1)] }),
    );
    expect(view.tooltip).toBe('Ferry — online at quiet-river.trycloudflare.com · 2 servers ready');
  });

  it('counts ready servers out of all of them', () => {
    const view = trayView(input({ servers: [server('fs', 'ready', 3), server('git', 'starting')] }));
    expect(view.tooltip).toBe('Ferry — not exposed · 1 of 2 servers ready');
  });

  it.each([
    ['installing', 'downloading cloudflared…'],
    ['starting', 'connecting to Cloudflare…'],
    ['reconnecting', 'reconnecting…'],
  ] as const)('describes a %s tunnel', (state, words) => {
    expect(trayView(input({ tunnel: tunnel(state), servers: [server('fs', 'ready')] })).tooltip).toBe(
      `Ferry — ${words} · 1 server ready`,
    );
  });

  it('says starting while the core starts', () => {
    expect(trayView(input({ phase: 'starting' })).tooltip).toBe('Ferry — starting…');
  });

  it('counts waiting connection requests, singular and plural', () => {
    expect(trayView(input({ consents: [consent('c1')] })).tooltip).toBe(
      'Ferry — 1 connection request waiting for you',
    );
    expect(trayView(input({ consents: [consent('c1'), consent('c2')] })).tooltip).toBe(
      'Ferry — 2 connection requests waiting for you',
    );
  });

  it('names crashed servers and the tunnel state', () => {
    const view = trayView(
      input({
        tunnel: tunnel('connected'),
        servers: [server('git', 'crashed'), server('fs', 'ready'), server('db', 'crashed')],
      }),
    );
    expect(view.tooltip).toBe('Ferry — git, db crashed (online at quiet-river.trycloudflare.com)');
  });

  it('gives the reason of a failed start, or a fallback', () => {
    expect(trayView(input({ phase: 'failed', startError: 'port 8787 is taken' })).tooltip).toBe(
      'Ferry — could not start: port 8787 is taken',
    );
    expect(trayView(input({ phase: 'failed' })).tooltip).toBe('Ferry — could not start: unknown error');
  });

  it('gives the reason of a failed tunnel, or points at the logs', () => {
    expect(trayView(input({ tunnel: tunnel('failed', { reason: 'cloudflared exited' }) })).tooltip).toBe(
      'Ferry — tunnel failed: cloudflared exited',
    );
    expect(trayView(input({ tunnel: tunnel('failed') })).tooltip).toBe('Ferry — tunnel failed: see the logs');
  });

  it('is cut to 127 characters with an ellipsis', () => {
    const view = trayView(input({ phase: 'failed', startError: 'x'.repeat(300) }));
    expect(view.tooltip).toHaveLength(127);
    expect(view.tooltip.endsWith('…')).toBe(true);
    expect(view.tooltip.startsWith('Ferry — could not start: xxx')).toBe(true);
  });

  it('is left whole at exactly 127 characters', () => {
    const prefix = 'Ferry — could not start: ';
    const view = trayView(input({ phase: 'failed', startError: 'y'.repeat(127 - prefix.length) }));
    expect(view.tooltip).toHaveLength(127);
    expect(view.tooltip.endsWith('y')).toBe(true);
  });
});

describe('trayView badge', () => {
  it('is the number of waiting consents', () => {
    expect(trayView(input()).badge).toBe(0);
    expect(trayView(input({ consents: [consent('c1'), consent('c2'), consent('c3')] })).badge).toBe(3);
  });

  it('does not count crashed servers', () => {
    expect(trayView(input({ servers: [server('git', 'crashed')] })).badge).toBe(0);
  });
});

describe('trayView menu', () => {
  it('starts with a disabled headline label', () => {
    const menu = trayView(input({ tunnel: tunnel('connected') })).menu;
    expect(menu[0]).toEqual({ kind: 'label', label: 'Online · quiet-river.trycloudflare.com' });
    expect(trayView(input()).menu[0]).toEqual({ kind: 'label', label: 'Not exposed' });
    expect(trayView(input({ phase: 'starting' })).menu[0]).toEqual({
      kind: 'label',
      label: 'Ferry is starting…',
    });
  });

  describe('Expose / Stop exposing', () => {
    it.each(['off', 'failed'] as const)('offers Expose to Claude when the tunnel is %s', (state) => {
      const menu = trayView(input({ tunnel: tunnel(state) })).menu;
      expect(findAction(menu, 'Expose to Claude')).toEqual({
        kind: 'action',
        label: 'Expose to Claude',
        action: { type: 'expose' },
        enabled: true,
      });
      expect(hasLabel(menu, 'Stop exposing')).toBe(false);
    });

    it.each(['installing', 'starting', 'connected', 'reconnecting'] as const)(
      'offers Stop exposing when the tunnel is %s',
      (state) => {
        const menu = trayView(input({ tunnel: tunnel(state) })).menu;
        expect(findAction(menu, 'Stop exposing')).toMatchObject({ action: { type: 'stop' }, enabled: true });
        expect(hasLabel(menu, 'Expose to Claude')).toBe(false);
      },
    );

    it.each(['starting', 'failed', 'stopping'] as const)('is disabled while the phase is %s', (phase) => {
      expect(findAction(trayView(input({ phase })).menu, 'Expose to Claude').enabled).toBe(false);
      expect(
        findAction(trayView(input({ phase, tunnel: tunnel('connected') })).menu, 'Stop exposing').enabled,
      ).toBe(false);
    });
  });

  describe('Copy connector URL (/mcp, recommended)', () => {
    it('is enabled when connected and carries <publicUrl>/mcp', () => {
      const item = findAction(
        trayView(input({ tunnel: tunnel('connected') })).menu,
        'Copy connector URL (/mcp, recommended)',
      );
      expect(item.enabled).toBe(true);
      expect(item.action).toEqual({ type: 'copy-url', url: `${PUBLIC_URL}/mcp` });
    });

    it.each([`${PUBLIC_URL}/`, `${PUBLIC_URL}//`])('drops trailing slashes of %s', (publicUrl) => {
      const item = findAction(
        trayView(input({ tunnel: tunnel('connected', { publicUrl }) })).menu,
        'Copy connector URL (/mcp, recommended)',
      );
      expect(item.action).toEqual({ type: 'copy-url', url: `${PUBLIC_URL}/mcp` });
    });

    it.each(['off', 'installing', 'starting', 'reconnecting', 'failed'] as const)(
      'is disabled and empty when the tunnel is %s, even with a remembered URL',
      (state) => {
        const item = findAction(
          trayView(input({ tunnel: tunnel(state, { publicUrl: PUBLIC_URL }) })).menu,
          'Copy connector URL (/mcp, recommended)',
        );
        expect(item.enabled).toBe(false);
        expect(item.action).toEqual({ type: 'copy-url', url: '' });
      },
    );

    it('is disabled when connected without a public URL', () => {
      const status: TunnelStatus = {
        mode: 'quick',
        state: 'connected',
        publicUrl: undefined,
        reason: undefined,
      };
      expect(
        findAction(trayView(input({ tunnel: status })).menu, 'Copy connector URL (/mcp, recommended)')
          .enabled,
      ).toBe(false);
    });
  });

  describe('activity', () => {
    it('says who is connected and when the last call came, under the headline', () => {
      const now = 1_800_000_000_000;
      const menu = trayView(
        input({
          tunnel: tunnel('connected'),
          activity: { client: 'claudeai', lastCallAt: now - 20_000, now },
        }),
      ).menu;
      expect(menu[1]).toEqual({ kind: 'label', label: 'claudeai connected · last call 20 s ago' });
      expect(labels(trayView(input()).menu).some((label) => label.includes('connected ·'))).toBe(false);
    });
  });

  describe('consents', () => {
    it('has no approval section without consents', () => {
      const menu = trayView(input()).menu;
      expect(hasLabel(menu, 'Waiting for your approval')).toBe(false);
      expect(menu.filter((entry) => entry.kind === 'submenu')).toHaveLength(1);
    });

    it('has one submenu per consent, with the match code in its label and Approve/Deny for its id', () => {
      const consents = [consent('c-1', 'Claude', 'K7Q-4MX'), consent('c-2', 'Other app', 'ABC-DEF')];
      const menu = trayView(input({ consents })).menu;
      expect(hasLabel(menu, 'Waiting for your approval')).toBe(true);
      const submenus = menu.filter((entry): entry is SubmenuEntry => entry.kind === 'submenu');
      expect(submenus.map((entry) => entry.label)).toEqual([
        'Claude → claude.ai · K7Q-4MX',
        'Other app → claude.ai · ABC-DEF',
        'Servers (no servers yet)',
      ]);
      for (const [index, { id, matchCode }] of consents.entries()) {
        const items = submenus[index]?.items ?? [];
        expect(items[0]).toEqual({
          kind: 'label',
          label: `Match code ${matchCode}: check it is the one in your browser`,
        });
        expect(findAction(items, 'Approve').action).toEqual({ type: 'approve', id });
        expect(findAction(items, 'Deny').action).toEqual({ type: 'deny', id });
        expect(findAction(items, 'Show in Ferry…').action).toEqual({ type: 'open', route: 'consents' });
      }
    });

    it('puts Approve one step away, at the top of the menu, with the match code', () => {
      const consents = [consent('c-1', 'Claude', 'K7Q-4MX'), consent('c-2', 'A'.repeat(70), 'ABC-DEF')];
      const menu = trayView(input({ consents })).menu;
      expect(findAction(menu, 'Approve Claude · K7Q-4MX').action).toEqual({ type: 'approve', id: 'c-1' });
      const long = menu.find(
        (entry): entry is ActionEntry => entry.kind === 'action' && entry.label.endsWith('· ABC-DEF'),
      );
      expect(long?.action).toEqual({ type: 'approve', id: 'c-2' });
      expect(long?.label.length).toBeLessThanOrEqual(64);
      // Before the approval section's submenus: first thing after the headline.
      expect(menu.indexOf(findAction(menu, 'Approve Claude · K7Q-4MX'))).toBe(1);
    });

    it('keeps the match code in a consent label when the client name is long', () => {
      // The client name comes from a dynamic client registration, so its length is not Ferry's to choose.
      const menu = trayView(input({ consents: [consent('c-1', 'A'.repeat(70), 'K7Q-4MX')] })).menu;
      const item = findSubmenu(menu, 'AAAA');
      expect(item.label.length).toBeLessThanOrEqual(64);
      expect(item.label).toContain('claude.ai');
      expect(item.label).toContain('K7Q-4MX');
    });

    it('escapes a hostile client name and host and cuts them so the match code stays in the label', () => {
      const view = trayView(
        input({
          consents: [
            { id: 'c-1', clientName: HOSTILE_NAME, redirectHost: 'claude.ai\u202e\r', matchCode: 'K7Q-4MX' },
          ],
        }),
      );
      const item = findSubmenu(view.menu, 'Claude');
      expect(item.label).not.toMatch(RAW_CONTROL);
      expect(item.label.startsWith('Claude\\x1b]52;c;')).toBe(true);
      expect(item.label).toContain('→ claude.ai\\u202e\\x0d · K7Q-4MX');
      expect(item.label.endsWith('K7Q-4MX')).toBe(true);
      expect(item.label).toContain('…');
      expect(item.label).not.toContain('x'.repeat(40));
      for (const entry of view.menu)
        if (entry.kind !== 'separator') expect(entry.label).not.toMatch(RAW_CONTROL);
      expect(view.tooltip).not.toMatch(RAW_CONTROL);
    });

    it('escapes controls in reasons and names it shows from children and the tunnel', () => {
      const view = trayView(
        input({
          tunnel: tunnel('failed', { reason: 'cloudflared said \u001b]0;owned\u0007' }),
          servers: [server('fs', 'crashed', 0, 'stderr: \u001b[31mboom\r\u202e')],
        }),
      );
      expect(view.tooltip).not.toMatch(RAW_CONTROL);
      expect(view.tooltip).toContain('\\x1b]0;owned\\x07');
      const fs = findSubmenu(findSubmenu(view.menu, 'Servers').items, 'fs —');
      expect(labels(fs.items)[0]).toBe('stderr: \\x1b[31mboom\\x0d\\u202e');
    });
  });

  describe('Servers submenu', () => {
    it('offers "Add a server…" when there are none', () => {
      const servers = findSubmenu(trayView(input()).menu, 'Servers');
      expect(servers.label).toBe('Servers (no servers yet)');
      expect(servers.items).toEqual([
        { kind: 'action', label: 'Add a server…', action: { type: 'open', route: 'servers' } },
      ]);
    });

    it('has a submenu per server with a Restart for it', () => {
      const servers = findSubmenu(
        trayView(input({ servers: [server('fs', 'ready', 3), server('git', 'ready', 1)] })).menu,
        'Servers',
      );
      expect(servers.label).toBe('Servers (2 servers ready)');
      expect(labels(servers.items)).toEqual(['fs — ready, 3 tools', 'git — ready, 1 tool']);
      for (const name of ['fs', 'git']) {
        const restart = findAction(findSubmenu(servers.items, `${name} —`).items, 'Restart');
        expect(restart).toEqual({
          kind: 'action',
          label: 'Restart',
          action: { type: 'restart', server: name },
          enabled: true,
        });
      }
    });

    it('disables Restart for a disabled server only', () => {
      const servers = findSubmenu(
        trayView(input({ servers: [server('fs', 'ready'), server('old', 'disabled')] })).menu,
        'Servers',
      );
      expect(findAction(findSubmenu(servers.items, 'old —').items, 'Restart').enabled).toBe(false);
      expect(findAction(findSubmenu(servers.items, 'fs —').items, 'Restart').enabled).toBe(true);
    });

    it('disables Restart unless the phase is running', () => {
      const servers = findSubmenu(
        trayView(input({ phase: 'stopping', servers: [server('fs', 'ready')] })).menu,
        'Servers',
      );
      expect(findAction(findSubmenu(servers.items, 'fs —').items, 'Restart').enabled).toBe(false);
    });

    it('counts crashed servers in its label and shows a crashed server’s reason', () => {
      const menu = trayView(input({ servers: [server('git', 'crashed', 0, 'exited with code 1')] })).menu;
      const servers = findSubmenu(menu, 'Servers');
      expect(servers.label).toBe('Servers (1 crashed)');
      const git = findSubmenu(servers.items, 'git —');
      expect(git.label).toBe('git — crashed');
      expect(git.items[0]).toEqual({ kind: 'label', label: 'exited with code 1' });
      expect(findAction(git.items, 'Restart').enabled).toBe(true);
    });
  });

  describe('one server’s own URL (claude-ai-mcp#878: only /mcp is safe for Claude)', () => {
    const connected = (serverHostnames?: Record<string, string>): TunnelStatus => ({
      ...tunnel('connected'),
      ...(serverHostnames ? { serverHostnames } : {}),
    });
    const serverMenu = (status: TunnelStatus, name = 'fs') =>
      findSubmenu(
        findSubmenu(trayView(input({ tunnel: status, servers: [server(name, 'ready', 1)] })).menu, 'Servers')
          .items,
        `${name} —`,
      );

    it('copies the server’s own hostname at exactly /mcp when it has one', () => {
      const fs = serverMenu(connected({ fs: 'files.example.com' }));
      expect(labels(fs.items)).toEqual(['Copy files.example.com/mcp (this server alone)', '---', 'Restart']);
      expect(findAction(fs.items, 'Copy files.example.com/mcp (this server alone)').action).toEqual({
        type: 'copy-url',
        url: 'https://files.example.com/mcp',
      });
    });

    it('offers /mcp/<name> only with why Claude should not get it', () => {
      const fs = serverMenu(connected());
      expect(labels(fs.items)).toEqual([
        'Copy /mcp/fs URL (not for Claude)',
        'Claude fails on paths other than /mcp (claude-ai-mcp#878)',
        '---',
        'Restart',
      ]);
      expect(findAction(fs.items, 'Copy /mcp/fs URL (not for Claude)').action).toEqual({
        type: 'copy-url',
        url: `${PUBLIC_URL}/mcp/fs`,
      });
    });

    it('offers no server URL while the tunnel is not connected', () => {
      expect(labels(serverMenu(tunnel('reconnecting', { publicUrl: PUBLIC_URL })).items)).toEqual([
        'Restart',
      ]);
    });
  });

  describe('Start Ferry at login', () => {
    it('is a checkbox whose action turns it on when off', () => {
      const item = findAction(trayView(input({ openAtLogin: false })).menu, 'Start Ferry at login');
      expect(item.checked).toBe(false);
      expect(item.action).toEqual({ type: 'set-open-at-login', enabled: true });
    });

    it('is a checked checkbox whose action turns it off when on', () => {
      const item = findAction(trayView(input({ openAtLogin: true })).menu, 'Start Ferry at login');
      expect(item.checked).toBe(true);
      expect(item.action).toEqual({ type: 'set-open-at-login', enabled: false });
    });

    it('is absent where login items are not supported', () => {
      expect(hasLabel(trayView(input({ loginItemSupported: false })).menu, 'Start Ferry at login')).toBe(
        false,
      );
    });
  });

  it('opens the window on status and logs', () => {
    const menu = trayView(input()).menu;
    expect(findAction(menu, 'Open Ferry').action).toEqual({ type: 'open' });
    expect(findAction(menu, 'Open logs').action).toEqual({ type: 'open', route: 'logs' });
  });

  it('ends with a separator and Quit Ferry', () => {
    for (const situation of [input(), input({ consents: [consent('c1')], loginItemSupported: false })]) {
      const menu = trayView(situation).menu;
      expect(menu.at(-1)).toEqual({ kind: 'action', label: 'Quit Ferry', action: { type: 'quit' } });
      expect(menu.at(-2)).toEqual({ kind: 'separator' });
    }
  });

  it('lays out the full menu in order', () => {
    const menu = trayView(
      input({ tunnel: tunnel('connected'), consents: [consent('c1')], servers: [server('fs', 'ready', 2)] }),
    ).menu;
    expect(labels(menu)).toEqual([
      'Online · quiet-river.trycloudflare.com',
      'Approve Claude · K7Q-4MX',
      'Stop exposing',
      'Pause exposure',
      'Copy connector URL (/mcp, recommended)',
      '---',
      'Waiting for your approval',
      'Claude → claude.ai · K7Q-4MX',
      '---',
      'Servers (1 server ready)',
      '---',
      'Open Ferry',
      'Open logs',
      'Start Ferry at login',
      '---',
      'Quit Ferry',
    ]);
  });
});

describe('tool calls waiting for approval', () => {
  const approval = (id: string, server = 'files', tool = 'write_file'): TrayApproval => ({
    id,
    clientName: 'claudeai',
    server,
    tool,
    argsPreview: '{"path":"notes.txt","token":"[redacted]"}',
  });

  it('is the attention state, counted in the badge and the tooltip', () => {
    const view = trayView(input({ tunnel: tunnel('connected'), approvals: [approval('a1')] }));
    expect(view.state).toBe('attention');
    expect(view.icon).toBe('attention');
    expect(view.badge).toBe(1);
    expect(view.tooltip).toBe('Ferry — 1 tool call waiting for you');
  });

  it('puts "Allow once" at the top, one step away, next to the consents', () => {
    const menu = trayView(input({ consents: [consent('c1')], approvals: [approval('a1')] })).menu;
    expect(labels(menu).slice(0, 3)).toEqual([
      'Not exposed',
      'Approve Claude · K7Q-4MX',
      'Allow files/write_file once',
    ]);
    expect(findAction(menu, 'Allow files/write_file once').action).toEqual({
      type: 'allow-call',
      id: 'a1',
      remember: 'once',
    });
  });

  it('lists each call with Allow once, Always allow and Deny for its id, after the connection requests', () => {
    const menu = trayView(
      input({ consents: [consent('c1')], approvals: [approval('a1'), approval('a2', 'git', 'push')] }),
    ).menu;
    const all = labels(menu);
    expect(all.indexOf('Tool calls waiting for you')).toBeGreaterThan(
      all.indexOf('Waiting for your approval'),
    );
    const git = findSubmenu(menu, 'claudeai → git/push');
    expect(git.items.map((entry) => (entry.kind === 'action' ? entry.action : entry.kind))).toEqual([
      'label',
      { type: 'allow-call', id: 'a2', remember: 'once' },
      { type: 'allow-call', id: 'a2', remember: 'always' },
      { type: 'deny-call', id: 'a2' },
      'separator',
      { type: 'open', route: 'approvals' },
    ]);
    expect(labels(git.items)[0]).toBe('Arguments: {"path":"notes.txt","token":"[redacted]"}');
  });

  it('escapes and cuts what the client and the child chose', () => {
    const hostile: TrayApproval = { ...approval('a1'), clientName: HOSTILE_NAME, tool: `x${RAW_CONTROL}y` };
    const all = labels(trayView(input({ approvals: [hostile] })).menu).join('\n');
    expect(all).not.toMatch(new RegExp(RAW_CONTROL));
  });

  it('cannot be answered while the core is not running', () => {
    const menu = trayView(input({ phase: 'stopping', approvals: [approval('a1')] })).menu;
    expect(findAction(menu, 'Allow files/write_file once').enabled).toBe(false);
    expect(
      findSubmenu(menu, 'claudeai →').items.filter((e) => e.kind === 'action' && e.enabled === false),
    ).toHaveLength(3);
  });
});

describe('tools held for review', () => {
  const held: TrayHeldTool = { server: 'files', tool: 'read_file', pin: 'changed' };

  it('shows the attention dot like a waiting consent does', () => {
    const view = trayView(input({ tunnel: tunnel('connected'), held: [held] }));
    expect(view.state).toBe('attention');
    expect(view.icon).toBe('attention');
    expect(view.tooltip).toBe('Ferry — 1 tool held for review');
    expect(trayView(input({ platform: 'darwin', held: [held] })).icon).toBe('attentionTemplate');
  });

  it('opens the window on that server’s tools', () => {
    const menu = trayView(input({ held: [held, { server: 'git', tool: 'log', pin: 'new' }] })).menu;
    expect(findAction(menu, 'Review files/read_file (definition changed)…').action).toEqual({
      type: 'open',
      route: 'servers?server=files&tools=1&tool=read_file',
    });
    expect(findAction(menu, 'Review git/log (hidden instructions)…').action).toEqual({
      type: 'open',
      route: 'servers?server=git&tools=1&tool=log',
    });
  });
});

describe('pause exposure', () => {
  it('offers Pause beside Expose/Stop while running, disabled otherwise', () => {
    expect(findAction(trayView(input()).menu, 'Pause exposure')).toMatchObject({
      action: { type: 'pause' },
      enabled: true,
    });
    expect(findAction(trayView(input({ tunnel: tunnel('connected') })).menu, 'Pause exposure').enabled).toBe(
      true,
    );
    expect(findAction(trayView(input({ phase: 'starting' })).menu, 'Pause exposure').enabled).toBe(false);
  });

  it('while paused says so first, offers only Resume (and says a quick tunnel gets a new address)', () => {
    const view = trayView(input({ paused: { resumeTunnel: 'quick' } }));
    expect(view.state).toBe('paused');
    expect(view.icon).toBe('off');
    expect(view.tooltip).toBe('Ferry — paused: Claude cannot reach your servers');
    expect(labels(view.menu).slice(0, 3)).toEqual([
      'Paused · Claude cannot reach your servers',
      'Resume exposure',
      QUICK_RESUME_NOTE,
    ]);
    expect(findAction(view.menu, 'Resume exposure').action).toEqual({ type: 'resume' });
    for (const gone of ['Pause exposure', 'Expose to Claude', 'Stop exposing'])
      expect(hasLabel(view.menu, gone)).toBe(false);
    expect(findAction(view.menu, COPY_CONNECTOR_LABEL).enabled).toBe(false);
    // A named tunnel keeps its hostname: no warning then.
    expect(hasLabel(trayView(input({ paused: { resumeTunnel: 'named' } })).menu, QUICK_RESUME_NOTE)).toBe(
      false,
    );
    expect(trayView(input({ platform: 'darwin', paused: { resumeTunnel: 'quick' } })).icon).toBe(
      'offTemplate',
    );
  });

  it('ranks below what waits for the user and below failures', () => {
    expect(trayState(input({ paused: { resumeTunnel: 'off' }, consents: [consent('c1')] }))).toBe(
      'attention',
    );
    expect(trayState(input({ paused: { resumeTunnel: 'off' }, phase: 'failed' }))).toBe('error');
  });
});

describe('menuTemplate', () => {
  function build(entries: MenuEntry[], platform: NodeJS.Platform = 'linux') {
    const dispatched: TrayAction[] = [];
    const template = menuTemplate(entries, (action) => void dispatched.push(action), platform);
    return { template, dispatched };
  }

  function click(item: MenuItemConstructorOptions | undefined): void {
    if (!item?.click) throw new Error(`menu item ${item?.label ?? '?'} has no click`);
    (item.click as () => void)();
  }

  it('turns separators into separator items', () => {
    expect(build([{ kind: 'separator' }]).template).toEqual([{ type: 'separator' }]);
  });

  it('turns labels into disabled items', () => {
    expect(build([{ kind: 'label', label: 'Not exposed' }]).template).toEqual([
      { label: 'Not exposed', enabled: false },
    ]);
  });

  it('makes an action enabled by default and passes enabled: false through', () => {
    const { template } = build([
      { kind: 'action', label: 'Open Ferry', action: { type: 'open' } },
      { kind: 'action', label: 'Expose to Claude', action: { type: 'expose' }, enabled: false },
    ]);
    expect(template[0]).toMatchObject({ label: 'Open Ferry', enabled: true });
    expect(template[0]?.type).toBeUndefined();
    expect(template[1]).toMatchObject({ label: 'Expose to Claude', enabled: false });
  });

  it('makes an action with checked a checkbox', () => {
    const { template } = build([
      {
        kind: 'action',
        label: 'Start Ferry at login',
        action: { type: 'set-open-at-login', enabled: false },
        checked: true,
      },
      {
        kind: 'action',
        label: 'Unchecked',
        action: { type: 'set-open-at-login', enabled: true },
        checked: false,
      },
    ]);
    expect(template[0]).toMatchObject({ type: 'checkbox', checked: true });
    expect(template[1]).toMatchObject({ type: 'checkbox', checked: false });
  });

  it('dispatches the entry’s action on click, also from submenus', () => {
    const { template, dispatched } = build([
      { kind: 'action', label: 'Quit Ferry', action: { type: 'quit' } },
      {
        kind: 'submenu',
        label: 'Claude',
        items: [{ kind: 'action', label: 'Approve', action: { type: 'approve', id: 'c-9' } }],
      },
    ]);
    click(template[0]);
    const submenu = template[1]?.submenu;
    if (!Array.isArray(submenu)) throw new Error('no submenu');
    click(submenu[0]);
    expect(dispatched).toEqual([{ type: 'quit' }, { type: 'approve', id: 'c-9' }]);
  });

  it('does not dispatch anything until clicked', () => {
    const { dispatched } = build(trayView(input()).menu);
    expect(dispatched).toEqual([]);
  });

  const ampersands: MenuEntry[] = [
    { kind: 'label', label: 'R&D bot' },
    { kind: 'action', label: 'A&B', action: { type: 'quit' } },
    { kind: 'submenu', label: 'Tom & Jerry', items: [{ kind: 'label', label: 'x&y&z' }] },
  ];

  it('escapes & as && on win32, in labels, actions, submenus and their items', () => {
    const { template } = build(ampersands, 'win32');
    expect(template.map((item) => item.label)).toEqual(['R&&D bot', 'A&&B', 'Tom && Jerry']);
    const submenu = template[2]?.submenu;
    expect(Array.isArray(submenu) && submenu[0]?.label).toBe('x&&y&&z');
  });

  it('leaves & alone on darwin', () => {
    const { template } = build(ampersands, 'darwin');
    expect(template.map((item) => item.label)).toEqual(['R&D bot', 'A&B', 'Tom & Jerry']);
  });

  // Chromium's Linux tray menu (components/dbus/menu, and the GTK fallback) runs every label through
  // ConvertAcceleratorsFromWindowsStyle, so a lone & there is a mnemonic marker, exactly as on Windows.
  it('escapes & as && on linux too, where the tray menu also reads & as a mnemonic', () => {
    const { template } = build(ampersands, 'linux');
    expect(template.map((item) => item.label)).toEqual(['R&&D bot', 'A&&B', 'Tom && Jerry']);
  });
});
