import { describe, expect, it } from 'vitest';
import { ConsentNotifier } from '../src/main/consent/notifier.js';
import { HOSTILE_NAME, RAW_CONTROL } from '../../server/test/helpers/hostileText.js';
import { consentActions, only, pendingConsent, useNotifierHarness } from './helpers/notifiers.js';

// What every decision notifier does alike (fallback, lifetime, button routing): decision-notifier.test.ts.
const h = useNotifierHarness();

describe.each(['darwin', 'linux', 'win32'] as const)('ConsentNotifier content on %s', (platform) => {
  it('shows one notification naming the client, the redirect host and the match code', () => {
    const notifier = new ConsentNotifier(h.fake, platform, consentActions(h));
    notifier.requested(
      pendingConsent('c-1', { clientName: 'Acme Agent', redirectHost: 'localhost', matchCode: 'ABC-DEF' }),
    );
    const notification = only(h.fake.notifications);
    expect(notification.shown).toBe(true);
    expect(notification.options.title).toContain('Acme Agent');
    const text = `${notification.options.title} ${notification.options.body}`;
    expect(text).toContain('localhost');
    expect(text).toContain('ABC-DEF');
    expect(notifier.pending).toBe(1);
    expect(h.calls).toEqual([]);
  });
});

describe.each(['darwin', 'linux', 'win32'] as const)(
  'ConsentNotifier with a hostile client name on %s',
  (platform) => {
    it('shows the name with every control escaped and cut, and the match code whole', () => {
      new ConsentNotifier(h.fake, platform, consentActions(h)).requested(
        pendingConsent('c-1', {
          clientName: HOSTILE_NAME,
          redirectHost: 'claude.ai\u202e\u001b[1A',
          matchCode: 'K7Q-4MX',
        }),
      );
      const { title, body } = only(h.fake.notifications).options;
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
    new ConsentNotifier(h.fake, 'darwin', consentActions(h)).requested(pendingConsent('c-1'));
    expect(only(h.fake.notifications).options.actions).toEqual([
      { type: 'button', text: 'Approve' },
      { type: 'button', text: 'Deny' },
    ]);
  });
});
