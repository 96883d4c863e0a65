import { randomUUID } from 'node:crypto';
import { TOOL_POLICY_LIMITS } from './limits.js';
import type { PendingApproval } from './types.js';
import { FerryError } from '../util/errors.js';

/** How a wait for the user ended. `busy`: refused at once, too many calls were already waiting. */
export type ApprovalOutcome = 'approved' | 'denied' | 'timeout' | 'cancelled' | 'busy';

export type ApprovalInput = Omit<PendingApproval, 'id' | 'createdAt' | 'expiresAt'>;

export interface ApprovalHooks {
  requested(approval: PendingApproval): void;
  resolved(approval: PendingApproval, outcome: Exclude<ApprovalOutcome, 'busy'>): void;
}

interface Waiting {
  approval: PendingApproval;
  settle: (outcome: Exclude<ApprovalOutcome, 'busy'>) => void;
}

export class ApprovalError extends FerryError {
  constructor(override readonly code: 'approval_not_found') {
    super('no such approval is waiting (answered, timed out or cancelled)');
  }
}

/**
 * Calls waiting for the user's yes or no. Each wait ends exactly once: approved, denied, timed out
 * (`timeoutMs`), or cancelled (the client gave up, the session closed, Ferry stopped). Bounded per client
 * and overall (TOOL_POLICY_LIMITS): a call over a bound is refused at once, never queued.
 */
export class ApprovalManager {
  readonly #waiting = new Map<string, Waiting>();

  constructor(
    private readonly hooks: ApprovalHooks,
    private readonly timeoutMs: () => number,
    private readonly limits: { perClient: number; total: number } = {
      perClient: TOOL_POLICY_LIMITS.pendingPerClient,
      total: TOOL_POLICY_LIMITS.pendingTotal,
    },
  ) {}

  pending(): PendingApproval[] {
    return [...this.#waiting.values()].map((w) => ({ ...w.approval }));
  }

  wait(input: ApprovalInput, signal: AbortSignal): Promise<ApprovalOutcome> {
    if (signal.aborted) return Promise.resolve('cancelled');
    let mine = 0;
    for (const w of this.#waiting.values()) if (w.approval.clientId === input.clientId) mine++;
    if (mine >= this.limits.perClient || this.#waiting.size >= this.limits.total)
      return Promise.resolve('busy');
    const now = Date.now();
    const timeout = this.timeoutMs();
    const approval: PendingApproval = {
      ...input,
      id: randomUUID(),
      createdAt: now,
      expiresAt: now + timeout,
    };
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle('timeout'), timeout);
      const onAbort = () => settle('cancelled');
      const settle = (outcome: Exclude<ApprovalOutcome, 'busy'>) => {
        if (this.#waiting.get(approval.id)?.approval !== approval) return;
        this.#waiting.delete(approval.id);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.hooks.resolved(approval, outcome);
        resolve(outcome);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.set(approval.id, { approval, settle });
      this.hooks.requested({ ...approval });
    });
  }

  /** Approves one waiting call; with `sameTool`, every waiting call of that server's tool (remember "always"). */
  approve(id: string, sameTool = false): PendingApproval {
    const found = this.#get(id);
    if (sameTool) {
      for (const w of [...this.#waiting.values()]) {
        if (w.approval.server === found.server && w.approval.tool === found.tool) w.settle('approved');
      }
    } else {
      this.#waiting.get(id)?.settle('approved');
    }
    return found;
  }

  deny(id: string): PendingApproval {
    const found = this.#get(id);
    this.#waiting.get(id)?.settle('denied');
    return found;
  }

  /** Ends every wait as cancelled (Ferry is stopping). */
  close(): void {
    for (const w of [...this.#waiting.values()]) w.settle('cancelled');
  }

  #get(id: string): PendingApproval {
    const waiting = this.#waiting.get(id);
    if (!waiting) throw new ApprovalError('approval_not_found');
    return { ...waiting.approval };
  }
}
