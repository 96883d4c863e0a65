import type { RuntimeInfo } from '../core.js';
import type { PendingConsent } from '../events/types.js';
import { DISPLAY_LIMITS } from '../util/displayText.js';
import { DecisionPrompter } from './decisionPrompt.js';
import { bold, cyan, dim, safe, yellow } from './render.js';

/**
 * Headless consent: every request is printed with its match code and the admin call that approves it;
 * on an interactive terminal Ferry also asks y/n, one question at a time.
 */
export class ConsentPrompter extends DecisionPrompter<PendingConsent> {
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
    this.decide({
      id: consent.id,
      question: `Allow ${cyan(name)} [${consent.matchCode}]? [y/N/r=yes and remember] `,
      sticky: 'r',
      approve: (remember) => this.core.admin.approveConsent(consent.id, { remember }),
      deny: () => this.core.admin.denyConsent(consent.id),
    });
  }
}
