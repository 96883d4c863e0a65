import type { ElectronHost, NotificationLike } from '../host.js';

/** One decision waiting for the user, as its notification shows it. */
export interface Notice {
  id: string;
  title: string;
  /** Where there are no buttons, " · click to review" is added. */
  body: string;
  /** The buttons in order, each with what it decides (shown only where the platform has actions). */
  buttons: ReadonlyArray<{ text: string; press: () => void }>;
}

/**
 * One native notification per decision waiting for the user (a connection request, a tool call). Buttons
 * where the platform has notification actions (macOS); elsewhere a click opens the screen that decides it
 * (`review`), as it does wherever notifications cannot be shown at all: Windows toast buttons would report
 * back through a URL scheme registered for the app, which any web page could open as well, and nothing may
 * decide that way. A resolved decision (answered anywhere, timed out, cancelled) takes its notification away.
 */
export class DecisionNotifier {
  readonly #shown = new Map<string, NotificationLike>();

  constructor(
    private readonly host: Pick<ElectronHost, 'Notification'>,
    private readonly platform: NodeJS.Platform,
    private readonly review: () => void,
  ) {}

  protected show(notice: Notice): void {
    if (!this.host.Notification.isSupported()) {
      this.review();
      return;
    }
    const buttons = this.platform === 'darwin';
    const notification = new this.host.Notification({
      title: notice.title,
      body: `${notice.body}${buttons ? '' : ' · click to review'}`,
      urgency: 'critical',
      timeoutType: 'never',
      ...(buttons
        ? {
            actions: notice.buttons.map(({ text }) => ({ type: 'button' as const, text })),
            closeButtonText: 'Later',
          }
        : {}),
    });
    notification.on('action', (_event, index) => notice.buttons[index]?.press());
    notification.on('click', () => this.review());
    notification.on('close', () => {
      if (this.#shown.get(notice.id) === notification) this.#shown.delete(notice.id);
    });
    // Held until resolved: a notification that is garbage-collected loses its click handlers.
    this.#shown.set(notice.id, notification);
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
