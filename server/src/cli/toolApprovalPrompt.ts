import type { Core, RuntimeInfo } from '../core.js';
import type { PendingApproval } from '../policy/types.js';
import { DISPLAY_LIMITS } from '../util/displayText.js';
import { bold, cyan, dim, green, red, safe, yellow } from './render.js';
import type { TerminalQuestions } from './terminalQuestions.js';

/**
 * Headless tool-call approval (policy "ask"): each waiting call is printed with its client, tool and a
 * redacted preview of its arguments, plus the admin calls that decide it; on an interactive terminal
 * Ferry also asks y/n/a, one question at a time with the consents. Every client- or child-chosen text
 * (client name, tool name, arguments) is escaped for the terminal.
 */
export class ToolApprovalPrompter {
  constructor(
    private readonly core: Core,
    private readonly questions: TerminalQuestions,
  ) {}

  ask(approval: PendingApproval, runtime: RuntimeInfo | undefined): void {
    const client = safe(approval.clientName, DISPLAY_LIMITS.clientName);
    const tool = safe(`${approval.server}/${approval.tool}`, DISPLAY_LIMITS.host);
    const seconds = Math.round((approval.expiresAt - approval.createdAt) / 1000);
    console.log('');
    console.log(
      `${yellow(bold('Tool call waiting for approval'))}: ${bold(client)} wants to run ${cyan(tool)}`,
    );
    console.log(`  arguments  ${safe(approval.argsPreview, DISPLAY_LIMITS.uri)}`);
    console.log(dim(`  unanswered in ${seconds} s, the call fails with a tool error`));
    if (runtime?.adminUrl) {
      const base = `curl -X POST -H "Authorization: Bearer $(jq -r .adminToken runtime.json)" ${runtime.adminUrl}/api/approvals/${approval.id}`;
      console.log(dim(`  approve:   ${base}/approve`));
      console.log(dim(`  deny:      ${base}/deny`));
    }
    if (!process.stdin.isTTY) return;
    this.questions.ask(
      approval.id,
      `Run ${cyan(tool)} for ${cyan(client)}? [y/N/a=always allow this tool] `,
      (answer) => {
        const choice = answer.trim().toLowerCase();
        const approve = choice === 'y' || choice === 'yes' || choice === 'a';
        const decision = approve
          ? this.core.admin.approveToolCall(approval.id, choice === 'a' ? 'always' : 'once')
          : Promise.resolve(this.core.admin.denyToolCall(approval.id));
        decision.then(
          () => console.log(approve ? green('approved') : red('denied')),
          (error: unknown) =>
            console.log(red(`could not ${approve ? 'approve' : 'deny'}: ${(error as Error).message}`)),
        );
      },
    );
  }

  /** Decided elsewhere (admin API, window), timed out or cancelled: stop asking here. */
  resolved(id: string): void {
    this.questions.cancel(id);
  }
}
