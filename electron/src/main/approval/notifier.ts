import { DISPLAY_LIMITS, displayText, type PendingApproval } from '#core';
import type { ElectronHost } from '../host.js';
import { DecisionNotifier } from '../notify/decisionNotifier.js';

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
 * One notification per tool call waiting on policy "ask": which client wants to run which tool, and its
 * arguments, with Allow once / Always allow / Deny where there are buttons, else the Approvals screen.
 */
export class ApprovalNotifier extends DecisionNotifier {
  constructor(
    host: Pick<ElectronHost, 'Notification'>,
    platform: NodeJS.Platform,
    private readonly actions: ApprovalActions,
  ) {
    super(host, platform, () => actions.openApprovals());
  }

  requested(approval: PendingApproval): void {
    // The client chose its name, the child its tool's name and the caller the arguments: all escaped and cut.
    const client = displayText(approval.clientName, DISPLAY_LIMITS.clientName);
    const server = displayText(approval.server, DISPLAY_LIMITS.host);
    const tool = displayText(approval.tool, DISPLAY_LIMITS.host);
    const { id } = approval;
    this.show({
      id,
      title: `${client} wants to run ${server} › ${tool}`,
      body: displayText(approval.argsPreview, NOTIFICATION_ARGS_CHARS),
      buttons: [
        { text: 'Allow once', press: () => this.actions.allow(id, 'once') },
        { text: 'Always allow', press: () => this.actions.allow(id, 'always') },
        { text: 'Deny', press: () => this.actions.deny(id) },
      ],
    });
  }
}
