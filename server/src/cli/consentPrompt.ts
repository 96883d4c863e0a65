import { createInterface, type Interface } from 'node:readline';
import type { Core, RuntimeInfo } from '../core.js';
import type { PendingConsent } from '../events/types.js';
import { DISPLAY_LIMITS } from '../util/displayText.js';
import { bold, cyan, dim, green, red, safe, yellow } from './render.js';

/**
 * Headless consent: every request is printed with its match code and the admin call that approves it;
 * on an interactive terminal Ferry also asks y/n, one request at a time.
 */
export class ConsentPrompter {
  readonly #queue: PendingConsent[] = [];
  #asking: PendingConsent | undefined;
  #rl: Interface | undefined;

  constructor(private readonly core: Core) {}

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
    this.#queue.push(consent);
    this.#next();
  }

  resolved(id: string): void {
    const index = this.#queue.findIndex((c) => c.id === id);
    if (index !== -1) this.#queue.splice(index, 1);
    if (this.#asking?.id === id) {
      // Decided elsewhere (admin API, window): stop asking here.
      this.#asking = undefined;
      this.#rl?.close();
      this.#rl = undefined;
      this.#next();
    }
  }

  close(): void {
    this.#queue.length = 0;
    this.#rl?.close();
  }

  #next(): void {
    if (this.#asking) return;
    const consent = this.#queue.shift();
    if (!consent) return;
    this.#asking = consent;
    this.#rl = createInterface({ input: process.stdin, output: process.stdout });
    this.#rl.question(
      `Allow ${cyan(safe(consent.clientName, DISPLAY_LIMITS.clientName))} [${consent.matchCode}]? [y/N/r=yes and remember] `,
      (answer) => {
        const asked = this.#asking;
        this.#asking = undefined;
        this.#rl?.close();
        this.#rl = undefined;
        if (!asked) return this.#next();
        const choice = answer.trim().toLowerCase();
        const approve = choice === 'y' || choice === 'yes' || choice === 'r';
        const decision = approve
          ? this.core.admin.approveConsent(asked.id, { remember: choice === 'r' })
          : Promise.resolve(this.core.admin.denyConsent(asked.id));
        decision.then(
          () => console.log(approve ? green('approved') : red('denied')),
          (error: unknown) =>
            console.log(red(`could not ${approve ? 'approve' : 'deny'}: ${(error as Error).message}`)),
        );
        this.#next();
      },
    );
  }
}
