import { describe, expect, it } from 'vitest';
import { NOTIFIER_CASES, only, useNotifierHarness } from './helpers/notifiers.js';

/** What every decision notifier does alike (consents and tool calls): buttons, fallback, lifetime. */
describe.each(NOTIFIER_CASES)('$kind', ({ make, pressed, review }) => {
  const h = useNotifierHarness();

  it('without notification support opens its screen at once and shows nothing', () => {
    h.fake.notificationsSupported = false;
    const { notifier, request } = make(h, 'darwin');
    request('x-1');
    expect(h.calls).toEqual([review]);
    expect(h.fake.notifications).toEqual([]);
    expect(notifier.pending).toBe(0);
  });

  it.each(['linux', 'win32'] as const)(
    'on %s has no buttons, says a click reviews it, and a click opens its screen',
    (platform) => {
      make(h, platform).request('x-1');
      const notification = only(h.fake.notifications);
      expect(notification.shown).toBe(true);
      expect(notification.options.actions).toBeUndefined();
      expect(notification.options.body).toContain('click to review');
      notification.click();
      expect(h.calls).toEqual([review]);
    },
  );

  it('on darwin routes each button to its own item’s decision, and any other index to none', () => {
    const { request } = make(h, 'darwin');
    const buttons = pressed('x').length;
    // One notification per button, plus one pressed past the last button.
    for (let index = 0; index <= buttons; index++) request(`x-${index}`);
    h.fake.notifications.forEach((notification, index) => notification.press(index));
    const expected = Array.from({ length: buttons }, (_, index) => pressed(`x-${index}`)[index]);
    expect(h.calls).toEqual(expected);
    for (const notification of h.fake.notifications) {
      expect(notification.options.actions).toHaveLength(buttons);
      expect(notification.options.body).not.toContain('click to review');
    }
  });

  it('resolved(id) closes that item’s notification only; an unknown id closes nothing', () => {
    const { notifier, request } = make(h, 'linux');
    request('x-1');
    request('x-2');
    notifier.resolved('x-404');
    notifier.resolved('x-1');
    expect(h.fake.notifications.map((notification) => notification.closed)).toEqual([true, false]);
    expect(notifier.pending).toBe(1);
  });

  it('forgets a notification the user closed, without deciding anything', () => {
    const { notifier, request } = make(h, 'darwin');
    request('x-1');
    only(h.fake.notifications).close();
    expect(notifier.pending).toBe(0);
    expect(h.calls).toEqual([]);
  });

  it('dispose closes every notification', () => {
    const { notifier, request } = make(h, 'darwin');
    request('x-1');
    request('x-2');
    request('x-3');
    notifier.dispose();
    expect(h.fake.notifications.map((notification) => notification.closed)).toEqual([true, true, true]);
    expect(notifier.pending).toBe(0);
  });
});
