import { describe, expect, it } from 'vitest';
import { ApprovalNotifier, NOTIFICATION_ARGS_CHARS } from '../src/main/approval/notifier.js';
import { HOSTILE_NAME, RAW_CONTROL } from '../../server/test/helpers/hostileText.js';
import { approvalActions, only, pendingApproval, useNotifierHarness } from './helpers/notifiers.js';

// What every decision notifier does alike (fallback, lifetime, button routing): decision-notifier.test.ts.
const h = useNotifierHarness();

describe.each(['darwin', 'linux', 'win32'] as const)('ApprovalNotifier content on %s', (platform) => {
  it('shows one notification naming the client, the server and tool, with the argument preview', () => {
    const notifier = new ApprovalNotifier(h.fake, platform, approvalActions(h));
    notifier.requested(pendingApproval('a-1'));
    const notification = only(h.fake.notifications);
    expect(notification.shown).toBe(true);
    expect(notification.options.title).toBe('claudeai wants to run notes › write_note');
    expect(notification.options.body).toContain('{"text":"hello","token":"[redacted]"}');
    expect(notifier.pending).toBe(1);
    expect(h.calls).toEqual([]);
  });

  it('escapes and cuts a hostile client name, tool name and arguments', () => {
    new ApprovalNotifier(h.fake, platform, approvalActions(h)).requested(
      pendingApproval('a-1', {
        clientName: HOSTILE_NAME,
        tool: 'write\u202e\u001b[1A',
        argsPreview: `{"text":"\u001b[2J${'y'.repeat(500)}"}`,
      }),
    );
    const { title, body } = only(h.fake.notifications).options;
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
    new ApprovalNotifier(h.fake, 'darwin', approvalActions(h)).requested(pendingApproval('a-1'));
    expect(only(h.fake.notifications).options.actions).toEqual([
      { type: 'button', text: 'Allow once' },
      { type: 'button', text: 'Always allow' },
      { type: 'button', text: 'Deny' },
    ]);
  });
});
