import type { Core, RuntimeInfo } from '../core.js';
import type { PendingConsent } from '../events/types.js';
import { DISPLAY_LIMITS } from '../util/displayText.js';
import { bold, cyan, dim, green, red, safe, yellow } from './render.js';
import type { TerminalQuestions } from './terminalQuestions.js';

/**
 * Headless consent: every request is printed with its match code and the admin call that approves it;
 * on an interactive terminal Ferry also asks y/n, one question at a time.
 */
export class ConsentPrompter {
  constructor(
    private readonly core: Core,
    private readonly questions: TerminalQuestions,
  ) {}

  ask(consent: PendingConsent, runtime: RuntimeInfo | undefined): void {
    // The consent was escaped when it was built; escaping again is a no-op that keeps this printer safe
    // whoever builds the consent.
    const name = safe(consent.clientName, DISPLAY_LIMITS.clientName);
    const host = safe(consent.redirectHost, DISPLAY_LIMITS.host);
    console.log('');
    console.log(`${yellow(bold('Connection request'))} from ${bold(name)} ${dim(`(returns to ${host})`)}`);
    console.log(
      `  match code ${bold(consent.matchCode)}: it must equal the code on the page in your browser`,
    );
    console.log(`  access     ${safe(consent.resource, DISPLAY_LIMITS.uri)}`);
    if (runtime?.adminUrl) {
      console.log(
        dim(
          `  approve:   curl -X POST -H "Authorization: Bearer $(jq -r .adminToken runtime.json)" ${runtime.adminUrl}/api/consents/${consent.id}/approve`,
        ),
      );
    }
    if (!process.stdin.isTTY) return;
    this.questions.ask(
      consent.id,
      `Allow ${cyan(name)} [${consent.matchCode}]? [y/N/r=yes and remember] `,
      (answer) => {
        const choice = answer.trim().toLowerCase();
        const approve = choice === 'y' || choice === 'yes' || choice === 'r';
        const decision = approve
          ? this.core.admin.approveConsent(consent.id, { remember: choice === 'r' })
          : Promise.resolve(this.core.admin.denyConsent(consent.id));
        decision.then(
          () => console.log(approve ? green('approved') : red('denied')),
          (error: unknown) =>
            console.log(red(`could not ${approve ? 'approve' : 'deny'}: ${(error as Error).message}`)),
        );
      },
    );
  }

  /** Decided elsewhere (admin API, window): stop asking here. */
  resolved(id: string): void {
    this.questions.cancel(id);
  }
}
