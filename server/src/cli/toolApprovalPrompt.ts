import type { RuntimeInfo } from '../core.js';
import type { PendingApproval } from '../policy/types.js';
import { DISPLAY_LIMITS } from '../util/displayText.js';
import { DecisionPrompter } from './decisionPrompt.js';
import { bold, cyan, dim, safe, yellow } from './render.js';

/**
 * Headless tool-call approval (policy "ask"): each waiting call is printed with its client, tool and a
 * redacted preview of its arguments, plus the admin calls that decide it; on an interactive terminal
 * Ferry also asks y/n/a, one question at a time with the consents. Every client- or child-chosen text
 * (client name, tool name, arguments) is escaped for the terminal.
 */
export class ToolApprovalPrompter extends DecisionPrompter<PendingApproval> {
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
    this.decide({
      id: approval.id,
      question: `Run ${cyan(tool)} for ${cyan(client)}? [y/N/a=always allow this tool] `,
      sticky: 'a',
      approve: (always) => this.core.admin.approveToolCall(approval.id, always ? 'always' : 'once'),
      deny: () => this.core.admin.denyToolCall(approval.id),
    });
  }
}
