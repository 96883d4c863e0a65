import {
  DISPLAY_LIMITS,
  ago,
  cutText,
  displayText,
  serverConnectorUrl,
  type PendingApproval,
  type PendingConsent,
  type ServerStatus,
  type TunnelMode,
  type TunnelStatus,
} from '#core';
import { windowLocation, type WindowLocation } from '../../shared/ipc.js';

/** What the tray shows, from the most urgent down. */
export type TrayState = 'off' | 'paused' | 'connecting' | 'online' | 'attention' | 'error';

/** A tool call waiting for the user (policy "ask"), as the tray lists it. */
export type TrayApproval = Pick<PendingApproval, 'id' | 'clientName' | 'server' | 'tool' | 'argsPreview'>;

/** A tool hidden and refused until the user reviews its definition in the window. */
export interface TrayHeldTool {
  server: string;
  tool: string;
  /** `changed`: differs from the pinned definition; `new`: first seen with hidden-instruction markers. */
  pin: 'changed' | 'new';
}

/** Everything the tray is drawn from: a snapshot of the core plus the shell's own state. */
export interface TrayInput {
  platform: NodeJS.Platform;
  /** `failed` when the core could not start (port taken, config unreadable): `startError` says why. */
  phase: 'starting' | 'running' | 'failed' | 'stopping';
  startError?: string;
  tunnel: TunnelStatus;
  servers: Pick<ServerStatus, 'name' | 'state' | 'reason' | 'tools'>[];
  consents: Pick<PendingConsent, 'id' | 'clientName' | 'redirectHost' | 'matchCode'>[];
  /** Tool calls waiting for a yes or no (absent: none). */
  approvals?: TrayApproval[];
  /** Tools held until their definition is reviewed (absent: none). */
  held?: TrayHeldTool[];
  /** The user paused exposure; `resumeTunnel` is what a resume brings back. */
  paused?: { resumeTunnel: TunnelMode | undefined };
  openAtLogin: boolean;
  /** Whether this platform can start Ferry at login at all (hidden otherwise). */
  loginItemSupported: boolean;
  /** Who is connected and when the last call came (the window's headline, in one menu line). */
  activity?: { client: string | undefined; lastCallAt: number | undefined; now: number };
}

export type TrayAction =
  | { type: 'expose' }
  | { type: 'stop' }
  /** Takes Ferry off the internet (tunnel stopped, requests refused) without quitting it. */
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'copy-url'; url: string }
  | { type: 'approve'; id: string }
  | { type: 'deny'; id: string }
  /** A tool call waiting on policy "ask"; `always` also saves the policy `allow` for that tool. */
  | { type: 'allow-call'; id: string; remember: 'once' | 'always' }
  | { type: 'deny-call'; id: string }
  | { type: 'restart'; server: string }
  /** Without a route the window keeps the screen it shows (a new window starts on Status). */
  | { type: 'open'; route?: WindowLocation }
  | { type: 'set-open-at-login'; enabled: boolean }
  /** After a failed start: start the core again (the user freed the port, fixed the config). */
  | { type: 'retry' }
  | { type: 'quit' };

/** A menu as plain data, so it can be tested and rendered without Electron. */
export type MenuEntry =
  | { kind: 'action'; label: string; action: TrayAction; enabled?: boolean; checked?: boolean }
  | { kind: 'label'; label: string }
  | { kind: 'separator' }
  | { kind: 'submenu'; label: string; items: MenuEntry[] };

export interface TrayView {
  state: TrayState;
  /** The icon file's base name in electron/assets/tray (`online`, `onlineTemplate` on macOS). */
  icon: string;
  tooltip: string;
  /**
   * What waits for the user (connection requests, tool calls, held tools): the badge (macOS title,
   * dock/launcher count, Windows overlay).
   */
  badge: number;
  menu: MenuEntry[];
}

/** Windows cuts tray tooltips at 127 characters; the rest keep them readable. */
const TOOLTIP_LIMIT = 127;
const LABEL_LIMIT = 64;
/** The client name in a top-level "Approve <name> · <code>" item: short, so the code always shows. */
const APPROVE_NAME_LIMIT = 24;
/** The tool in a top-level "Allow <server>/<tool> once" item: short, so "once" always shows. */
const ALLOW_TOOL_LIMIT = 36;
/** The argument preview line inside a waiting call's submenu (the window shows them whole). */
const ARGS_LABEL_LIMIT = 60;

const EXPOSED: ReadonlySet<TunnelStatus['state']> = new Set([
  'installing',
  'starting',
  'connected',
  'reconnecting',
]);

export function trayView(input: TrayInput): TrayView {
  const state = trayState(input);
  // Paused has no artwork of its own: it is "off" to the eye, and the tooltip and menu say why.
  const artwork = state === 'paused' ? 'off' : state;
  const icon = input.platform === 'darwin' ? `${artwork}Template` : artwork;
  return {
    state,
    icon,
    tooltip: clip(`Ferry — ${summary(input, state)}`, TOOLTIP_LIMIT),
    badge: input.consents.length + approvalsOf(input).length + heldOf(input).length,
    menu: trayMenu(input, state),
  };
}

const approvalsOf = (input: TrayInput): TrayApproval[] => input.approvals ?? [];
const heldOf = (input: TrayInput): TrayHeldTool[] => input.held ?? [];

export function trayState(input: TrayInput): TrayState {
  if (input.phase === 'failed') return 'error';
  // Whatever waits for the user's decision: a connection, a tool call, a tool whose definition changed.
  if (input.consents.length > 0 || approvalsOf(input).length > 0 || heldOf(input).length > 0)
    return 'attention';
  if (input.tunnel.state === 'failed') return 'error';
  if (input.servers.some((server) => server.state === 'crashed')) return 'attention';
  if (input.paused) return 'paused';
  switch (input.tunnel.state) {
    case 'connected':
      return 'online';
    case 'installing':
    case 'starting':
    case 'reconnecting':
      return 'connecting';
    default:
      return input.phase === 'starting' ? 'connecting' : 'off';
  }
}

function summary(input: TrayInput, state: TrayState): string {
  const waiting = input.consents.length;
  const crashed = input.servers.filter((server) => server.state === 'crashed').map((server) => server.name);
  if (input.phase === 'failed') return `could not start: ${input.startError ?? 'unknown error'}`;
  const calls = approvalsOf(input).length;
  const held = heldOf(input).length;
  if (waiting > 0 || calls > 0 || held > 0) {
    const parts = [];
    if (waiting > 0) parts.push(`${plural(waiting, 'connection request')} waiting for you`);
    if (calls > 0) parts.push(`${plural(calls, 'tool call')} waiting for you`);
    if (held > 0) parts.push(`${plural(held, 'tool')} held for review`);
    return parts.join(' · ');
  }
  if (input.tunnel.state === 'failed') return `tunnel failed: ${input.tunnel.reason ?? 'see the logs'}`;
  if (crashed.length > 0) return `${crashed.join(', ')} crashed (${tunnelWords(input)})`;
  if (input.paused) return 'paused: Claude cannot reach your servers';
  if (state === 'connecting' && input.phase === 'starting') return 'starting…';
  return `${tunnelWords(input)} · ${serverWords(input)}`;
}

function tunnelWords(input: TrayInput): string {
  const { tunnel } = input;
  switch (tunnel.state) {
    case 'connected':
      return `online at ${host(tunnel.publicUrl)}`;
    case 'installing':
      return 'downloading cloudflared…';
    case 'starting':
      return 'connecting to Cloudflare…';
    case 'reconnecting':
      return 'reconnecting…';
    case 'failed':
      return 'tunnel failed';
    default:
      return 'not exposed';
  }
}

function serverWords(input: TrayInput): string {
  const ready = input.servers.filter((server) => server.state === 'ready').length;
  if (input.servers.length === 0) return 'no servers yet';
  return ready === input.servers.length
    ? `${plural(ready, 'server')} ready`
    : `${ready} of ${plural(input.servers.length, 'server')} ready`;
}

function trayMenu(input: TrayInput, state: TrayState): MenuEntry[] {
  const running = input.phase === 'running';
  const exposed = EXPOSED.has(input.tunnel.state);
  const menu: MenuEntry[] = [{ kind: 'label', label: clip(headline(input, state), LABEL_LIMIT) }];
  const activity = activityLine(input);
  if (activity) menu.push({ kind: 'label', label: clip(activity, LABEL_LIMIT) });
  // Approve in one step: each waiting request's Approve sits at the top, its match code in the label.
  for (const consent of input.consents) {
    menu.push({
      kind: 'action',
      label: `Approve ${displayText(consent.clientName, APPROVE_NAME_LIMIT)} · ${consent.matchCode}`,
      action: { type: 'approve', id: consent.id },
      enabled: running,
    });
  }
  // Allow in one step too; Always allow and Deny are one submenu away, in the list below.
  for (const approval of approvalsOf(input)) {
    menu.push({
      kind: 'action',
      label: `Allow ${displayText(`${approval.server}/${approval.tool}`, ALLOW_TOOL_LIMIT)} once`,
      action: { type: 'allow-call', id: approval.id, remember: 'once' },
      enabled: running,
    });
  }
  if (input.phase === 'failed') menu.push({ kind: 'action', label: 'Try again', action: { type: 'retry' } });
  if (input.paused) {
    menu.push({ kind: 'action', label: 'Resume exposure', action: { type: 'resume' }, enabled: running });
    if (input.paused.resumeTunnel === 'quick') menu.push({ kind: 'label', label: QUICK_RESUME_NOTE });
  } else {
    menu.push(
      exposed
        ? { kind: 'action', label: 'Stop exposing', action: { type: 'stop' }, enabled: running }
        : { kind: 'action', label: 'Expose to Claude', action: { type: 'expose' }, enabled: running },
      { kind: 'action', label: 'Pause exposure', action: { type: 'pause' }, enabled: running },
    );
  }
  const url =
    input.tunnel.state === 'connected' && input.tunnel.publicUrl ? mcpUrl(input.tunnel.publicUrl) : '';
  menu.push({
    kind: 'action',
    // Claude handles exactly /mcp in every case (claude-ai-mcp#878): the label says which URL this is.
    label: COPY_CONNECTOR_LABEL,
    action: { type: 'copy-url', url },
    enabled: url !== '',
  });

  if (input.consents.length > 0) {
    menu.push({ kind: 'separator' }, { kind: 'label', label: 'Waiting for your approval' });
    for (const consent of input.consents) {
      menu.push({
        kind: 'submenu',
        // The client names itself (dynamic registration): its name and host are escaped and cut to the
        // limits every surface uses, so the match code at the end always shows.
        label: `${displayText(consent.clientName, DISPLAY_LIMITS.clientName)} → ${displayText(consent.redirectHost, DISPLAY_LIMITS.host)} · ${consent.matchCode}`,
        items: [
          { kind: 'label', label: `Match code ${consent.matchCode}: check it is the one in your browser` },
          { kind: 'action', label: 'Approve', action: { type: 'approve', id: consent.id } },
          { kind: 'action', label: 'Deny', action: { type: 'deny', id: consent.id } },
          { kind: 'separator' },
          { kind: 'action', label: 'Show in Ferry…', action: { type: 'open', route: 'consents' } },
        ],
      });
    }
  }

  menu.push(...approvalSection(input, running), ...heldSection(input));

  menu.push(
    { kind: 'separator' },
    { kind: 'submenu', label: serversLabel(input), items: serverItems(input) },
  );
  menu.push(
    { kind: 'separator' },
    { kind: 'action', label: 'Open Ferry', action: { type: 'open' } },
    { kind: 'action', label: 'Open logs', action: { type: 'open', route: 'logs' } },
  );
  if (input.loginItemSupported) {
    menu.push({
      kind: 'action',
      label: 'Start Ferry at login',
      action: { type: 'set-open-at-login', enabled: !input.openAtLogin },
      checked: input.openAtLogin,
    });
  }
  menu.push({ kind: 'separator' }, { kind: 'action', label: 'Quit Ferry', action: { type: 'quit' } });
  return menu;
}

/** Each waiting tool call: who asks for which tool, with Allow once, Always allow and Deny one hover away. */
function approvalSection(input: TrayInput, running: boolean): MenuEntry[] {
  const approvals = approvalsOf(input);
  if (approvals.length === 0) return [];
  const section: MenuEntry[] = [
    { kind: 'separator' },
    { kind: 'label', label: 'Tool calls waiting for you' },
  ];
  for (const approval of approvals) {
    section.push({
      kind: 'submenu',
      // The client names itself and the child names its tools: both escaped and cut like everywhere else.
      label: `${displayText(approval.clientName, DISPLAY_LIMITS.clientName)} → ${clip(`${approval.server}/${approval.tool}`, LABEL_LIMIT)}`,
      items: [
        { kind: 'label', label: clip(`Arguments: ${approval.argsPreview}`, ARGS_LABEL_LIMIT) },
        {
          kind: 'action',
          label: 'Allow once',
          action: { type: 'allow-call', id: approval.id, remember: 'once' },
          enabled: running,
        },
        {
          kind: 'action',
          label: 'Always allow',
          action: { type: 'allow-call', id: approval.id, remember: 'always' },
          enabled: running,
        },
        { kind: 'action', label: 'Deny', action: { type: 'deny-call', id: approval.id }, enabled: running },
        { kind: 'separator' },
        { kind: 'action', label: 'Show in Ferry…', action: { type: 'open', route: 'approvals' } },
      ],
    });
  }
  return section;
}

/** Each held tool opens the window on its server's tools, where the definitions are compared and accepted. */
function heldSection(input: TrayInput): MenuEntry[] {
  const held = heldOf(input);
  if (held.length === 0) return [];
  const section: MenuEntry[] = [{ kind: 'separator' }, { kind: 'label', label: 'Tools held for review' }];
  for (const tool of held) {
    section.push({
      kind: 'action',
      label: clip(
        `Review ${tool.server}/${tool.tool} (${tool.pin === 'changed' ? 'definition changed' : 'hidden instructions'})…`,
        LABEL_LIMIT,
      ),
      action: {
        type: 'open',
        route: windowLocation('servers', { server: tool.server, tools: '1', tool: tool.tool }),
      },
    });
  }
  return section;
}

/** Said beside "Resume exposure" when the tunnel is a quick one: its address is not kept. */
export const QUICK_RESUME_NOTE = 'A quick tunnel comes back with a new address';

function headline(input: TrayInput, state: TrayState): string {
  if (input.phase === 'failed') return `Ferry could not start: ${input.startError ?? 'see the logs'}`;
  if (input.phase === 'starting') return 'Ferry is starting…';
  if (input.phase === 'stopping') return 'Ferry is stopping…';
  if (input.paused) return 'Paused · Claude cannot reach your servers';
  if (input.tunnel.state === 'failed') return `Tunnel failed: ${input.tunnel.reason ?? 'see the logs'}`;
  if (state === 'online' || input.tunnel.state === 'connected')
    return `Online · ${host(input.tunnel.publicUrl)}`;
  return capitalise(tunnelWords(input));
}

/** "Claude connected · last call 20 s ago", or undefined before any client is connected. */
function activityLine(input: TrayInput): string | undefined {
  const activity = input.activity;
  if (!activity?.client) return undefined;
  const name = displayText(activity.client, DISPLAY_LIMITS.clientName);
  if (activity.lastCallAt === undefined) return `${name} connected · no calls yet`;
  return `${name} connected · last call ${ago(activity.lastCallAt, activity.now)}`;
}

function serversLabel(input: TrayInput): string {
  const crashed = input.servers.filter((server) => server.state === 'crashed').length;
  return crashed > 0 ? `Servers (${crashed} crashed)` : `Servers (${serverWords(input)})`;
}

function serverItems(input: TrayInput): MenuEntry[] {
  if (input.servers.length === 0)
    return [{ kind: 'action', label: 'Add a server…', action: { type: 'open', route: 'servers' } }];
  return input.servers.map((server) => {
    const items: MenuEntry[] = [];
    if (server.reason) items.push({ kind: 'label', label: clip(server.reason, LABEL_LIMIT) });
    items.push(...serverUrlItems(input, server.name));
    items.push({
      kind: 'action',
      label: 'Restart',
      action: { type: 'restart', server: server.name },
      enabled: input.phase === 'running' && server.state !== 'disabled',
    });
    return {
      kind: 'submenu',
      label: `${clip(server.name, LABEL_LIMIT)} — ${serverStateWords(server)}`,
      items,
    };
  });
}

/**
 * Copying one server's own URL: its own hostname when it has one (path exactly /mcp), else `/mcp/<name>`
 * with a line saying why Claude should get the /mcp URL instead.
 */
function serverUrlItems(input: TrayInput, name: string): MenuEntry[] {
  const { tunnel } = input;
  if (tunnel.state !== 'connected' || !tunnel.publicUrl) return [];
  const own = serverConnectorUrl(tunnel.publicUrl, name, tunnel.serverHostnames ?? {});
  if (own.recommended) {
    return [
      {
        kind: 'action',
        label: clip(`Copy ${own.url.replace(/^https?:\/\//, '')} (this server alone)`, LABEL_LIMIT),
        action: { type: 'copy-url', url: own.url },
      },
      { kind: 'separator' },
    ];
  }
  return [
    {
      kind: 'action',
      label: clip(`Copy /mcp/${name} URL (not for Claude)`, LABEL_LIMIT),
      action: { type: 'copy-url', url: own.url },
    },
    { kind: 'label', label: PER_SERVER_TRAY_NOTE },
    { kind: 'separator' },
  ];
}

/** The label of the top-level copy action: the URL Ferry recommends. */
export const COPY_CONNECTOR_LABEL = 'Copy connector URL (/mcp, recommended)';
/** Why `/mcp/<name>` is not for Claude, within the tray's label limit. */
export const PER_SERVER_TRAY_NOTE = 'Claude fails on paths other than /mcp (claude-ai-mcp#878)';

function serverStateWords(server: TrayInput['servers'][number]): string {
  if (server.state === 'ready') return server.tools > 0 ? `ready, ${plural(server.tools, 'tool')}` : 'ready';
  return server.state;
}

/** The URL a user pastes into Claude's "Add custom connector". */
export function mcpUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/mcp`;
}

function host(url: string | undefined): string {
  if (!url) return 'an unknown address';
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Escapes what others chose (start errors, tunnel reasons, server stderr quoted in a reason) and shortens
 * by characters, not UTF-16 units, so an emoji is never cut in half.
 */
function clip(text: string, limit: number): string {
  return cutText(displayText(text), limit);
}
