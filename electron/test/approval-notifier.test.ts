import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PendingApproval } from '#core';
import {
  ApprovalNotifier,
  NOTIFICATION_ARGS_CHARS,
  type ApprovalActions,
} from '../src/main/approval/notifier.js';
import { HOSTILE_NAME, RAW_CONTROL } from '../../server/test/helpers/hostileText.js';
import { FakeElectron, type FakeNotification } from './fakeElectron.js';

let userData: string;
let fake: FakeElectron;
let calls: string[];

const actions: ApprovalActions = {
  allow: (id, remember) => void calls.push(`allow ${id} ${remember}`),
  deny: (id) => void calls.push(`deny ${id}`),
  openApprovals: () => void calls.push('open approvals'),
};

beforeEach(async () => {
  userData = await mkdtemp(path.join(os.tmpdir(), 'ferry-approval-notifier-'));
  fake = new FakeElectron({ userData });
  calls = [];
});
afterEach(() => rm(userData, { recursive: true, force: true }));

function pending(id: string, overrides: Partial<PendingApproval> = {}): PendingApproval {
  return {
    id,
    clientId: `client-${id}`,
    clientName: 'claudeai',
    server: 'notes',
    tool: 'write_note',
    exposedName: 'notes__write_note',
    argsPreview: '{"text":"hello","token":"[redacted]"}',
    createdAt: 1_000,
    expiresAt: 121_000,
    ...overrides,
  };
}

function only(notifications: FakeNotification[]): FakeNotification {
  expect(notifications).toHaveLength(1);
  const [notification] = notifications;
  if (!notification) throw new Error('no notification');
  return notification;
}

describe.each(['darwin', 'linux', 'win32'] as const)('ApprovalNotifier content on %s', (platform) => {
  it('shows one notification naming the client, the server and tool, with the argument preview', () => {
    const notifier = new ApprovalNotifier(fake, platform, actions);
    notifier.requested(pending('a-1'));
    const notification = only(fake.notifications);
    expect(notification.shown).toBe(true);
    expect(notification.options.title).toBe('claudeai wants to run notes › write_note');
    expect(notification.options.body).toContain('{"text":"hello","token":"[redacted]"}');
    expect(notifier.pending).toBe(1);
    expect(calls).toEqual([]);
  });

  it('escapes and cuts a hostile client name, tool name and arguments', () => {
    new ApprovalNotifier(fake, platform, actions).requested(
      pending('a-1', {
        clientName: HOSTILE_NAME,
        tool: 'write\u202e\u001b[1A',
        argsPreview: `{"text":"\u001b[2J${'y'.repeat(500)}"}`,
      }),
    );
    const { title, body } = only(fake.notifications).options;
    expect(title).not.toMatch(RAW_CONTROL);
    expect(body).not.toMatch(RAW_CONTROL);
    expect(title).toContain('Claude\\x1b]52;c;');
    expect(title).toContain('write\\u202e\\x1b[1A');
    expect(body).toContain('\\x1b[2J');
    expect(body).not.toContain('y'.repeat(NOTIFICATION_ARGS_CHARS));
    expect(body).toContain('…');
  });
});

describe('ApprovalNotifier on darwin', () => {
  it('offers Allow once, Always allow and Deny buttons', () => {
    new ApprovalNotifier(fake, 'darwin', actions).requested(pending('a-1'));
    expect(only(fake.notifications).options.actions).toEqual([
      { type: 'button', text: 'Allow once' },
      { type: 'button', text: 'Always allow' },
      { type: 'button', text: 'Deny' },
    ]);
  });

  it.each([
    [0, 'allow a-1 once'],
    [1, 'allow a-1 always'],
    [2, 'deny a-1'],
  ])('button %i answers the call with its id: %s', (index, expected) => {
    new ApprovalNotifier(fake, 'darwin', actions).requested(pending('a-1'));
    only(fake.notifications).press(index);
    expect(calls).toEqual([expected]);
  });

  it('ignores any other button index', () => {
    new ApprovalNotifier(fake, 'darwin', actions).requested(pending('a-1'));
    only(fake.notifications).press(3);
    expect(calls).toEqual([]);
  });

  it('routes each notification’s buttons to its own call', () => {
    const notifier = new ApprovalNotifier(fake, 'darwin', actions);
    notifier.requested(pending('a-1'));
    notifier.requested(pending('a-2'));
    fake.notifications[1]?.press(2);
    fake.notifications[0]?.press(0);
    expect(calls).toEqual(['deny a-2', 'allow a-1 once']);
  });
});

describe.each(['linux', 'win32'] as const)('ApprovalNotifier on %s', (platform) => {
  it('has no buttons, says a click reviews it, and a click opens the Approvals screen', () => {
    new ApprovalNotifier(fake, platform, actions).requested(pending('a-1'));
    const notification = only(fake.notifications);
    expect(notification.options.actions).toBeUndefined();
    expect(notification.options.body).toContain('click to review');
    notification.click();
    expect(calls).toEqual(['open approvals']);
  });
});

describe('ApprovalNotifier without notification support', () => {
  it('opens the Approvals screen at once and shows nothing', () => {
    fake.notificationsSupported = false;
    const notifier = new ApprovalNotifier(fake, 'darwin', actions);
    notifier.requested(pending('a-1'));
    expect(calls).toEqual(['open approvals']);
    expect(fake.notifications).toEqual([]);
    expect(notifier.pending).toBe(0);
  });
});

describe('ApprovalNotifier resolved and dispose', () => {
  it('resolved(id) closes that call’s notification only; an unknown id closes nothing', () => {
    const notifier = new ApprovalNotifier(fake, 'linux', actions);
    notifier.requested(pending('a-1'));
    notifier.requested(pending('a-2'));
    notifier.resolved('a-404');
    notifier.resolved('a-1');
    expect(fake.notifications.map((notification) => notification.closed)).toEqual([true, false]);
    expect(notifier.pending).toBe(1);
  });

  it('forgets a notification the user closed, without answering the call', () => {
    const notifier = new ApprovalNotifier(fake, 'darwin', actions);
    notifier.requested(pending('a-1'));
    only(fake.notifications).close();
    expect(notifier.pending).toBe(0);
    expect(calls).toEqual([]);
  });

  it('dispose closes every notification', () => {
    const notifier = new ApprovalNotifier(fake, 'darwin', actions);
    notifier.requested(pending('a-1'));
    notifier.requested(pending('a-2'));
    notifier.dispose();
    expect(fake.notifications.map((notification) => notification.closed)).toEqual([true, true]);
    expect(notifier.pending).toBe(0);
  });
});
