import { createInterface, type Interface } from 'node:readline';

interface Question {
  id: string;
  text: string;
  onAnswer: (answer: string) => void;
}

/**
 * One y/n question at a time on the terminal, shared by every prompter (connection consents, tool-call
 * approvals), so two prompts never read the same line. A question decided elsewhere (admin API, window)
 * is withdrawn with `cancel`.
 */
export class TerminalQuestions {
  readonly #queue: Question[] = [];
  #asking: Question | undefined;
  #rl: Interface | undefined;

  ask(id: string, text: string, onAnswer: (answer: string) => void): void {
    this.#queue.push({ id, text, onAnswer });
    this.#next();
  }

  cancel(id: string): void {
    const index = this.#queue.findIndex((q) => q.id === id);
    if (index !== -1) this.#queue.splice(index, 1);
    if (this.#asking?.id === id) {
      this.#asking = undefined;
      this.#rl?.close();
      this.#rl = undefined;
      this.#next();
    }
  }

  close(): void {
    this.#queue.length = 0;
    this.#asking = undefined;
    this.#rl?.close();
    this.#rl = undefined;
  }

  #next(): void {
    if (this.#asking) return;
    const question = this.#queue.shift();
    if (!question) return;
    this.#asking = question;
    this.#rl = createInterface({ input: process.stdin, output: process.stdout });
    this.#rl.question(question.text, (answer) => {
      const asked = this.#asking;
      this.#asking = undefined;
      this.#rl?.close();
      this.#rl = undefined;
      if (asked === question) question.onAnswer(answer);
      this.#next();
    });
  }
}
