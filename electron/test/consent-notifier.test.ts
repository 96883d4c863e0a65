import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PendingConsent } from '#core';
import { ConsentNotifier, type ConsentActions } from '../src/main/consent/notifier.js';
import { HOSTILE_NAME, RAW_CONTROL } from '../../server/test/helpers/hostileText.js';
import { FakeElectron, type FakeNotification } from './fakeElectron.js';

let userData: string;
let fake: FakeElectron;
let calls: string[];

const actions: ConsentActions = {
  approve: (id) => void calls.push(`approve ${id}`),
  deny: (id) => void calls.push(`deny ${id}`),
  openConsents: () => void calls.push('open consents'),
};

beforeEach(async () => {
  userData = await mkdtemp(path.join(os.tmpdir(), 'ferry-notifier-'));
  fake = new FakeElectron({ userData });
  calls = [];
});
afterEach(() => rm(userData, { recursive: true, force: true }));

function pending(id: string, overrides: Partial<PendingConsent> = {}): PendingConsent {
  return {
    id,
    clientId: `client-${id}`,
    clientName: 'Claude',
    redirectUri: 'https://claude.ai/api/mcp/auth_callback',
    redirectHost: 'claude.ai',
    scopes: ['claudeai'],
    resource: 'https://quiet-river.trycloudflare.com/mcp',
    matchCode: 'K7Q-4MX',
    createdAt: 1_000,
    expiresAt: 601_000,
    ...overrides,
  };
}

function only(notifications: FakeNotification[]): FakeNotification {
  expect(notifications).toHaveLength(1);
  const [notification] = notifications;
  if (!notification) throw new Error('no notification');
  return notification;
}

describe.each(['darwin', 'linux', 'win32'] as const)('ConsentNotifier content on %s', (platform) => {
  it('shows one notification naming the client, the redirect host and the match code', () => {
    const notifier = new ConsentNotifier(fake, platform, actions);
    notifier.requested(
      pending('c-1', { clientName: 'Acme Agent', redirectHost: 'localhost', matchCode: 'ABC-DEF' }),
    );
    const notification = only(fake.notifications);
    expect(notification.shown).toBe(true);
    expect(notification.options.title).toContain('Acme Agent');
    const text = `${notification.options.title} ${notification.options.body}`;
    expect(text).toContain('localhost');
    expect(text).toContain('ABC-DEF');
    expect(notifier.pending).toBe(1);
    expect(calls).toEqual([]);
  });
});

describe.each(['darwin', 'linux', 'win32'] as const)(
  'ConsentNotifier with a hostile client name on %s',
  (platform) => {
    it('shows the name with every control escaped and cut, and the match code whole', () => {
      new ConsentNotifier(fake, platform, actions).requested(
        pending('c-1', {
          clientName: HOSTILE_NAME,
          redirectHost: 'claude.ai\u202e\u001b[1A',
          matchCode: 'K7Q-4MX',
        }),
      );
      const { title, body } = only(fake.notifications).options;
      expect(title).not.toMatch(RAW_CONTROL);
      expect(body).not.toMatch(RAW_CONTROL);
      expect(title).toContain('Claude\\x1b]52;c;');
      expect(title).toContain('…');
      expect(title).not.toContain('x'.repeat(40));
      expect(body).toContain('claude.ai\\u202e\\x1b[1A');
      expect(body).toContain('match code K7Q-4MX');
    });
  },
);

describe('ConsentNotifier on darwin', () => {
  it('offers Approve and Deny buttons', () => {
    new ConsentNotifier(fake, 'darwin', actions).requested(pending('c-1'));
    expect(only(fake.notifications).options.actions).toEqual([
      { type: 'button', text: 'Approve' },
      { type: 'button', text: 'Deny' },
    ]);
  });

  it('approves the request with its id when button 0 is pressed', () => {
    new ConsentNotifier(fake, 'darwin', actions).requested(pending('c-1'));
    only(fake.notifications).press(0);
    expect(calls).toEqual(['approve c-1']);
  });

  it('denies the request with its id when button 1 is pressed', () => {
    new ConsentNotifier(fake, 'darwin', actions).requested(pending('c-1'));
    only(fake.notifications).press(1);
    expect(calls).toEqual(['deny c-1']);
  });

  it('ignores any other button index', () => {
    new ConsentNotifier(fake, 'darwin', actions).requested(pending('c-1'));
    only(fake.notifications).press(2);
    expect(calls).toEqual([]);
  });

  it('routes each notification’s buttons to its own request', () => {
    const notifier = new ConsentNotifier(fake, 'darwin', actions);
    notifier.requested(pending('c-1'));
    notifier.requested(pending('c-2'));
    fake.notifications[1]?.press(1);
    fake.notifications[0]?.press(0);
    expect(calls).toEqual(['deny c-2', 'approve c-1']);
  });
});

describe.each(['linux', 'win32'] as const)('ConsentNotifier on %s', (platform) => {
  it('has no action buttons', () => {
    new ConsentNotifier(fake, platform, actions).requested(pending('c-1'));
    expect(only(fake.notifications).options.actions).toBeUndefined();
  });

  it('opens the Consents screen when clicked', () => {
    new ConsentNotifier(fake, platform, actions).requested(pending('c-1'));
    only(fake.notifications).click();
    expect(calls).toEqual(['open consents']);
  });
});

describe('ConsentNotifier without notification support', () => {
  it('opens the Consents screen at once and shows nothing', () => {
    fake.notificationsSupported = false;
    const notifier = new ConsentNotifier(fake, 'darwin', actions);
    notifier.requested(pending('c-1'));
    expect(calls).toEqual(['open consents']);
    expect(fake.notifications).toEqual([]);
    expect(notifier.pending).toBe(0);
  });
});

describe('ConsentNotifier resolved and dispose', () => {
  it('resolved(id) closes that request’s notification only', () => {
    const notifier = new ConsentNotifier(fake, 'linux', actions);
    notifier.requested(pending('c-1'));
    notifier.requested(pending('c-2'));
    notifier.resolved('c-1');
    expect(fake.notifications.map((notification) => notification.closed)).toEqual([true, false]);
    expect(notifier.pending).toBe(1);
  });

  it('resolved(id) of an unknown request closes nothing', () => {
    const notifier = new ConsentNotifier(fake, 'linux', actions);
    notifier.requested(pending('c-1'));
    notifier.resolved('c-404');
    expect(fake.notifications[0]?.closed).toBe(false);
    expect(notifier.pending).toBe(1);
  });

  it('forgets a notification the user closed', () => {
    const notifier = new ConsentNotifier(fake, 'darwin', actions);
    notifier.requested(pending('c-1'));
    only(fake.notifications).close();
    expect(notifier.pending).toBe(0);
    expect(calls).toEqual([]);
  });

  it('dispose closes every notification', () => {
    const notifier = new ConsentNotifier(fake, 'darwin', actions);
    notifier.requested(pending('c-1'));
    notifier.requested(pending('c-2'));
    notifier.requested(pending('c-3'));
    notifier.dispose();
    expect(fake.notifications.map((notification) => notification.closed)).toEqual([true, true, true]);
    expect(notifier.pending).toBe(0);
  });
});
