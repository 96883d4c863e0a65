import { DISPLAY_LIMITS, displayText, type PendingApproval } from '#core';
import type { ElectronHost, NotificationLike } from '../host.js';

/**
 * How much of the (already redacted) argument preview a notification body carries: notification centres
 * show two or three lines, and the Approvals screen shows the whole preview.
 */
export const NOTIFICATION_ARGS_CHARS = 120;

export interface ApprovalActions {
  allow(id: string, remember: 'once' | 'always'): void;
  deny(id: string): void;
  /** The fallback wherever a notification cannot carry buttons, or cannot be shown at all. */
  openApprovals(): void;
}

/**
 * One native notification per tool call waiting on policy "ask": which client wants to run which tool, and
 * its arguments. Allow once / Always allow / Deny buttons where the platform has notification actions
 * (macOS); elsewhere a click opens the Approvals screen (Windows toast buttons would report back through a
 * URL scheme any web page could open: nothing may allow a call that way). A resolved call (answered
 * anywhere, timed out, cancelled) takes its notification away.
 */
export class ApprovalNotifier {
  readonly #shown = new Map<string, NotificationLike>();

  constructor(
    private readonly host: Pick<ElectronHost, 'Notification'>,
    private readonly platform: NodeJS.Platform,
    private readonly actions: ApprovalActions,
  ) {}

  requested(approval: PendingApproval): void {
    if (!this.host.Notification.isSupported()) {
      this.actions.openApprovals();
      return;
    }
    const buttons = this.platform === 'darwin';
    // The client chose its name, the child its tool's name and the caller the arguments: all escaped and cut.
    const client = displayText(approval.clientName, DISPLAY_LIMITS.clientName);
    const server = displayText(approval.server, DISPLAY_LIMITS.host);
    const tool = displayText(approval.tool, DISPLAY_LIMITS.host);
    const args = displayText(approval.argsPreview, NOTIFICATION_ARGS_CHARS);
    const notification = new this.host.Notification({
      title: `${client} wants to run ${server} › ${tool}`,
      body: `${args}${buttons ? '' : ' · click to review'}`,
      urgency: 'critical',
      timeoutType: 'never',
      ...(buttons
        ? {
            actions: [
              { type: 'button' as const, text: 'Allow once' },
              { type: 'button' as const, text: 'Always allow' },
              { type: 'button' as const, text: 'Deny' },
            ],
            closeButtonText: 'Later',
          }
        : {}),
    });
    notification.on('action', (_event, index) => {
      if (index === 0) this.actions.allow(approval.id, 'once');
      else if (index === 1) this.actions.allow(approval.id, 'always');
      else if (index === 2) this.actions.deny(approval.id);
    });
    notification.on('click', () => this.actions.openApprovals());
    notification.on('close', () => {
      if (this.#shown.get(approval.id) === notification) this.#shown.delete(approval.id);
    });
    // Held until resolved: a notification that is garbage-collected loses its click handlers.
    this.#shown.set(approval.id, notification);
    notification.show();
  }

  resolved(id: string): void {
    const notification = this.#shown.get(id);
    this.#shown.delete(id);
    notification?.close();
  }

  get pending(): number {
    return this.#shown.size;
  }

  dispose(): void {
    for (const notification of this.#shown.values()) notification.close();
    this.#shown.clear();
  }
}
