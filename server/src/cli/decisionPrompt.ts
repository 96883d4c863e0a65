import type { Core, RuntimeInfo } from '../core.js';
import { green, red } from './render.js';
import type { TerminalQuestions } from './terminalQuestions.js';

export interface Decision {
  /** The question's id: a decision made elsewhere withdraws it (`TerminalQuestions.cancel`). */
  id: string;
  question: string;
  /** The answer that approves and remembers ("r" for a consent, "a" for a tool call). */
  sticky: string;
  approve(sticky: boolean): Promise<unknown>;
  deny(): unknown;
}

/**
 * A headless prompter: each pending decision is printed by `ask` (`T` is what waits: a consent, a tool
 * call), and on an interactive terminal (only there) the y/N question is asked, one at a time with every
 * other prompter's. y or yes approves once, the sticky letter approves and remembers, anything else denies;
 * the outcome is printed, a failed decision with its reason.
 */
export abstract class DecisionPrompter<T> {
  constructor(
    protected readonly core: Core,
    private readonly questions: TerminalQuestions,
  ) {}

  abstract ask(pending: T, runtime: RuntimeInfo | undefined): void;

  /** Decided elsewhere (admin API, window), timed out or cancelled: stop asking here. */
  resolved(id: string): void {
    this.questions.cancel(id);
  }

  protected decide(decision: Decision): void {
    if (!process.stdin.isTTY) return;
    this.questions.ask(decision.id, decision.question, (answer) => {
      const choice = answer.trim().toLowerCase();
      const approve = choice === 'y' || choice === 'yes' || choice === decision.sticky;
      const decided = approve
        ? decision.approve(choice === decision.sticky)
        : Promise.resolve(decision.deny());
      decided.then(
        () => console.log(approve ? green('approved') : red('denied')),
        (error: unknown) =>
          console.log(red(`could not ${approve ? 'approve' : 'deny'}: ${(error as Error).message}`)),
      );
    });
  }
}
