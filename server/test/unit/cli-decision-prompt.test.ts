import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConsentPrompter } from '../../src/cli/consentPrompt.js';
import { ToolApprovalPrompter } from '../../src/cli/toolApprovalPrompt.js';
import type { TerminalQuestions } from '../../src/cli/terminalQuestions.js';
import type { Core } from '../../src/core.js';
import type { PendingConsent } from '../../src/events/types.js';
import type { PendingApproval } from '../../src/policy/types.js';

/**
 * The y/N question both headless prompters ask on a terminal: what each answer decides, what is printed,
 * and that nothing is asked when stdin is not a terminal. The questions are captured instead of read from
 * the terminal, so the answers are typed by the test.
 */

class CapturedQuestions {
  readonly asked = new Map<string, { text: string; onAnswer: (answer: string) => void }>();
  readonly cancelled: string[] = [];
  ask(id: string, text: string, onAnswer: (answer: string) => void): void {
    this.asked.set(id, { text, onAnswer });
  }
  cancel(id: string): void {
    this.cancelled.push(id);
  }
  answer(id: string, answer: string): void {
    const question = this.asked.get(id);
    if (!question) throw new Error(`nothing asked for ${id}`);
    question.onAnswer(answer);
  }
}

let calls: string[];
let printed: string[];
let questions: CapturedQuestions;
let failNext: string | undefined;
const ttyBefore = process.stdin.isTTY;

const admin = {
  approveConsent: (id: string, options: { remember?: boolean }) =>
    decided(`approve consent ${id} remember=${String(options.remember)}`),
  denyConsent: (id: string) => void calls.push(`deny consent ${id}`),
  approveToolCall: (id: string, remember: 'once' | 'always') => decided(`approve call ${id} ${remember}`),
  denyToolCall: (id: string) => void calls.push(`deny call ${id}`),
};

function decided(call: string): Promise<void> {
  calls.push(call);
  const failure = failNext;
  failNext = undefined;
  return failure ? Promise.reject(new Error(failure)) : Promise.resolve();
}

// The prompters reach only `core.admin`'s four decisions; the rest of Core is not needed here.
const core = { admin } as unknown as Core;

const consent: PendingConsent = {
  id: 'c-1',
  clientId: 'client-1',
  clientName: 'claudeai',
  redirectUri: 'https://claude.ai/api/mcp/auth_callback',
  redirectHost: 'claude.ai',
  matchCode: 'ABC-123',
  resource: 'https://ferry.example/mcp',
  scopes: ['mcp'],
  createdAt: 0,
  expiresAt: 60_000,
};

const approval: PendingApproval = {
  id: 'a-1',
  clientId: 'client-1',
  clientName: 'claudeai',
  server: 'notes',
  tool: 'write_note',
  exposedName: 'notes__write_note',
  argsPreview: '{"text":"hi"}',
  createdAt: 0,
  expiresAt: 120_000,
};

function setTty(value: boolean | undefined): void {
  Object.defineProperty(process.stdin, 'isTTY', { value, configurable: true, writable: true });
}

beforeEach(() => {
  calls = [];
  printed = [];
  failNext = undefined;
  questions = new CapturedQuestions();
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
  setTty(true);
});
afterEach(() => {
  vi.restoreAllMocks();
  setTty(ttyBefore);
});

/** Lets the decision's promise settle and its outcome be printed. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

function consentPrompter(): ConsentPrompter {
  return new ConsentPrompter(core, questions as unknown as TerminalQuestions);
}

function toolPrompter(): ToolApprovalPrompter {
  return new ToolApprovalPrompter(core, questions as unknown as TerminalQuestions);
}

describe('the terminal decision prompt', () => {
  it.each([
    ['y', 'approve consent c-1 remember=false', 'approved'],
    [' YES ', 'approve consent c-1 remember=false', 'approved'],
    ['r', 'approve consent c-1 remember=true', 'approved'],
    ['', 'deny consent c-1', 'denied'],
    ['a', 'deny consent c-1', 'denied'],
  ])('a consent answered %j: %s', async (answer, call, outcome) => {
    consentPrompter().ask(consent, undefined);
    expect(questions.asked.get('c-1')?.text).toContain('[y/N/r=yes and remember]');
    questions.answer('c-1', answer);
    await settled();
    expect(calls).toEqual([call]);
    expect(printed.at(-1)).toBe(outcome);
  });

  it.each([
    ['y', 'approve call a-1 once', 'approved'],
    ['a', 'approve call a-1 always', 'approved'],
    ['n', 'deny call a-1', 'denied'],
    ['r', 'deny call a-1', 'denied'],
  ])('a tool call answered %j: %s', async (answer, call, outcome) => {
    toolPrompter().ask(approval, undefined);
    expect(questions.asked.get('a-1')?.text).toContain('[y/N/a=always allow this tool]');
    questions.answer('a-1', answer);
    await settled();
    expect(calls).toEqual([call]);
    expect(printed.at(-1)).toBe(outcome);
  });

  it('prints why an approval failed', async () => {
    failNext = 'no such approval is waiting';
    toolPrompter().ask(approval, undefined);
    questions.answer('a-1', 'y');
    await settled();
    expect(printed.at(-1)).toBe('could not approve: no such approval is waiting');
  });

  it('asks nothing when stdin is not a terminal, but still prints the request', () => {
    setTty(undefined);
    consentPrompter().ask(consent, undefined);
    toolPrompter().ask(approval, undefined);
    expect(questions.asked.size).toBe(0);
    expect(printed.join('\n')).toContain('ABC-123');
    expect(printed.join('\n')).toContain('write_note');
  });

  it('withdraws the question when it is decided elsewhere', () => {
    consentPrompter().resolved('c-1');
    toolPrompter().resolved('a-1');
    expect(questions.cancelled).toEqual(['c-1', 'a-1']);
  });
});
