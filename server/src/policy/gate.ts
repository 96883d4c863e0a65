import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { FerrySettings } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import { preview } from '../events/redact.js';
import { exposedName } from '../hub/naming.js';
import { FerryError } from '../util/errors.js';
import { ApprovalManager } from './approvals.js';
import type { AuditFilter, AuditLog } from './auditLog.js';
import { argumentsDigest, definitionDigest, pinnedDefinition } from './definition.js';
import { effectivePolicy, type EffectivePolicy } from './engine.js';
import { hiddenInstructionFlags } from './hiddenInstructions.js';
import { TOOL_POLICY_LIMITS } from './limits.js';
import type { PinStore } from './pinStore.js';
import type {
  AuditRecord,
  AuditDecision,
  AuditOutcome,
  HiddenInstructionFlag,
  PinnedDefinition,
  PinState,
  ToolView,
} from './types.js';

export interface ToolGateOptions {
  bus: EventBus;
  /** The `ferry` block of the config now in force: read on every call, so edits apply at once. */
  settings: () => Pick<FerrySettings, 'servers' | 'toolPolicy'>;
  pins: PinStore;
  audit: AuditLog;
  /** Lists changed (a definition accepted): the hub rebuilds and announces every session's lists. */
  listsChanged: () => void;
  /**
   * The `client_name` of a client's OAuth registration (or metadata document), for the audit trail and
   * approvals; absent without OAuth. A map lookup: it runs once per call.
   */
  registeredName?: (clientId: string) => string | undefined;
}

/** One definition of a tool as a child presented it (one per distinct Tool object, cached). */
interface Seen {
  server: string;
  name: string;
  digest: string;
  flags: HiddenInstructionFlag[];
  definition: PinnedDefinition;
}

/** A call about to be decided. */
export interface GateCall {
  server: string;
  /** The server's own name for the tool. */
  name: string;
  /** Its definition, when the child lists it (a call of an unlisted tool has none: it cannot be pinned). */
  tool: Tool | undefined;
  exposedName: string;
  clientId: string;
  /** The name the MCP client gave itself in `initialize` (its own claim). */
  clientName: string | undefined;
  args: unknown;
  signal: AbortSignal;
}

export type Admission =
  | { ok: true; decision: 'allowed' | 'asked-allowed' }
  | { ok: false; decision: Exclude<AuditDecision, 'allowed' | 'asked-allowed'>; message: string };

const ALLOWED: Admission = { ok: true, decision: 'allowed' };

export class ToolGateError extends FerryError {
  constructor(
    override readonly code: 'tool_not_found' | 'not_held',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Per-tool control between the hub and the children: which tools a session lists, whether a call runs,
 * waits for the user or is refused, and the audit line of every call. Definitions are digested once per
 * Tool object a child presents (the catalog keeps its objects until it changes), so the per-call cost is a
 * few map lookups.
 */
export class ToolGate {
  readonly approvals: ApprovalManager;
  readonly #options: ToolGateOptions;
  readonly #seen = new WeakMap<Tool, Seen>();
  /** The latest definition each (server, tool) presented: what `GET /api/tools` shows and `accept` pins. */
  readonly #latest = new Map<string, Seen>();
  /** Held definitions already announced (one `tool.held` event per definition, not per list). */
  readonly #announced = new Set<string>();
  readonly #byName = new WeakMap<readonly Tool[], Map<string, Tool>>();

  constructor(options: ToolGateOptions) {
    this.#options = options;
    this.approvals = new ApprovalManager(
      {
        requested: (approval) => options.bus.emit({ type: 'approval.requested', approval }),
        resolved: (approval, outcome) =>
          options.bus.emit({
            type: 'approval.resolved',
            id: approval.id,
            server: approval.server,
            tool: approval.tool,
            outcome,
          }),
      },
      () => options.settings().toolPolicy.approvalTimeoutSeconds * 1000,
    );
  }

  policyOf(server: string, name: string, tool: Tool | undefined): EffectivePolicy {
    const settings = this.#options.settings();
    const own = Object.hasOwn(settings.servers, server) ? settings.servers[server] : undefined;
    return effectivePolicy(name, tool, own, settings.toolPolicy);
  }

  pinState(server: string, tool: Tool): PinState {
    return this.#state(this.#inspect(server, tool));
  }

  /** Whether a session lists the tool: not denied, and not held for review. */
  visible(server: string, tool: Tool): boolean {
    if (this.policyOf(server, tool.name, tool).policy === 'deny') return false;
    return this.pinState(server, tool) === 'pinned';
  }

  /** Looks at a child's (new) catalog: first-seen tools are pinned, changed ones held and announced. */
  observe(server: string, tools: readonly Tool[]): void {
    for (const tool of tools) this.#inspect(server, tool);
  }

  /** The definition a child lists under `name` (cached per catalog). */
  findTool(tools: readonly Tool[], name: string): Tool | undefined {
    let index = this.#byName.get(tools);
    if (!index) {
      index = new Map(tools.map((t) => [t.name, t]));
      this.#byName.set(tools, index);
    }
    return index.get(name);
  }

  /** Decides a call: deny and held are refused at once; ask waits for the user, bounded. */
  async admit(call: GateCall): Promise<Admission> {
    const { policy } = this.policyOf(call.server, call.name, call.tool);
    if (policy === 'deny') {
      return {
        ok: false,
        decision: 'denied',
        message: `Ferry refused this call: the tool "${call.exposedName}" is blocked by the policy "deny" set for ${call.server}/${call.name}. The user can change it in Ferry.`,
      };
    }
    if (call.tool && this.pinState(call.server, call.tool) !== 'pinned') {
      return {
        ok: false,
        decision: 'held',
        message: `Ferry refused this call: the tool "${call.exposedName}" is held because its definition changed since it was approved (or it carries hidden-instruction markers). The user must review and accept it in Ferry first.`,
      };
    }
    if (policy === 'allow') return ALLOWED;
    const outcome = await this.approvals.wait(
      {
        clientId: call.clientId,
        clientName: this.#registeredName(call.clientId) ?? call.clientName ?? call.clientId,
        server: call.server,
        tool: call.name,
        exposedName: call.exposedName,
        argsPreview: preview(call.args, TOOL_POLICY_LIMITS.approvalPreviewChars),
      },
      call.signal,
    );
    const seconds = this.#options.settings().toolPolicy.approvalTimeoutSeconds;
    switch (outcome) {
      case 'approved':
        return { ok: true, decision: 'asked-allowed' };
      case 'denied':
        return {
          ok: false,
          decision: 'asked-denied',
          message: `The user denied this call of "${call.exposedName}" in Ferry (policy "ask" for ${call.server}/${call.name}). It was not run.`,
        };
      case 'timeout':
        return {
          ok: false,
          decision: 'asked-timeout',
          message: `The user did not answer within ${seconds} s, so Ferry did not run "${call.exposedName}" (policy "ask" for ${call.server}/${call.name}). Ask the user to approve it in Ferry, then try again.`,
        };
      case 'busy':
        return {
          ok: false,
          decision: 'busy',
          message: `Ferry refused this call: too many calls are already waiting for the user's approval (at most ${TOOL_POLICY_LIMITS.pendingPerClient} per client, ${TOOL_POLICY_LIMITS.pendingTotal} in all). Try again once they are answered.`,
        };
      case 'cancelled':
        return {
          ok: false,
          decision: 'asked-cancelled',
          message: `The call of "${call.exposedName}" was cancelled while it waited for the user's approval.`,
        };
    }
  }

  /** The audit line of a decided call. */
  record(
    call: GateCall,
    decision: AuditDecision,
    outcome: AuditOutcome,
    startedAt: number,
    error?: string,
  ): void {
    const recordArguments = this.#options.settings().toolPolicy.recordArguments;
    const clientName = this.#registeredName(call.clientId) ?? call.clientName;
    this.#options.audit.append({
      at: Date.now(),
      clientId: call.clientId,
      ...(clientName !== undefined ? { clientName } : {}),
      ...(call.clientName !== undefined ? { clientInfoName: call.clientName } : {}),
      server: call.server,
      tool: call.name,
      decision,
      durationMs: Math.round((performance.now() - startedAt) * 1000) / 1000,
      outcome,
      argsDigest: argumentsDigest(call.args),
      ...(recordArguments && call.args !== undefined ? { arguments: call.args } : {}),
      ...(error !== undefined ? { error } : {}),
    });
  }

  /** Every tool of these catalogs as the admin API shows it. */
  list(catalogs: { server: string; tools: readonly Tool[] }[]): ToolView[] {
    const out: ToolView[] = [];
    for (const { server, tools } of catalogs) {
      for (const tool of tools) out.push(this.#view(server, tool));
    }
    return out;
  }

  /** Accepts the definition now presented for a held tool: it is pinned, listed and callable again. */
  accept(server: string, name: string): void {
    const seen = this.#latest.get(key(server, name));
    if (!seen) throw new ToolGateError('tool_not_found', `no tool "${name}" of "${server}" has been seen`);
    if (this.#state(seen) === 'pinned')
      throw new ToolGateError('not_held', `the tool "${name}" of "${server}" is not held: nothing to accept`);
    this.#options.pins.pin(server, name, seen.digest, seen.definition);
    this.#options.bus.log('info', 'policy', `definition of ${server}/${name} accepted (${seen.digest})`);
    this.#options.listsChanged();
    this.#options.bus.emit({ type: 'tools.changed', reason: 'accepted', server });
  }

  /**
   * One tool as the admin API shows it, with the definition Ferry pinned next to the one presented now,
   * whatever its pin state (for a pinned tool they are the same).
   */
  detail(server: string, tool: Tool): ToolView {
    const view = this.#view(server, tool);
    const seen = this.#inspect(server, tool);
    view.review = {
      pinned: this.#options.pins.get(server, tool.name)?.definition ?? null,
      current: seen.definition,
    };
    return view;
  }

  auditTrail(limit: number, filter: AuditFilter): AuditRecord[] {
    return this.#options.audit.recent(limit, filter);
  }

  /** Every matching record on disk, oldest first, as JSON lines (rotated files included). */
  auditExport(filter: AuditFilter): AsyncGenerator<string> {
    return this.#options.audit.export(filter);
  }

  close(): void {
    this.approvals.close();
  }

  #registeredName(clientId: string): string | undefined {
    try {
      return this.#options.registeredName?.(clientId);
    } catch {
      // A lookup failure must never fail the call it describes: the audit line keeps the id.
      return undefined;
    }
  }

  #view(server: string, tool: Tool): ToolView {
    const seen = this.#inspect(server, tool);
    const pin = this.#state(seen);
    const { policy, source } = this.policyOf(server, tool.name, tool);
    const view: ToolView = {
      server,
      name: tool.name,
      exposedName: exposedName(server, tool.name),
      policy,
      policySource: source,
      pin,
      held: pin !== 'pinned',
      flags: seen.flags,
      ...(tool.title !== undefined ? { title: tool.title } : {}),
      ...(tool.description !== undefined ? { description: tool.description } : {}),
    };
    if (pin !== 'pinned') {
      view.review = {
        pinned: this.#options.pins.get(server, tool.name)?.definition ?? null,
        current: seen.definition,
      };
    }
    return view;
  }

  #state(seen: Seen): PinState {
    const pin = this.#options.pins.get(seen.server, seen.name);
    if (!pin) return 'new';
    return pin.digest === seen.digest ? 'pinned' : 'changed';
  }

  /** Digests a definition the first time this Tool object is seen; pins it if it is the tool's first sight. */
  #inspect(server: string, tool: Tool): Seen {
    const cached = this.#seen.get(tool);
    if (cached && cached.server === server) return cached;
    const definition = pinnedDefinition(tool);
    const seen: Seen = {
      server,
      name: tool.name,
      digest: definitionDigest(definition),
      flags: hiddenInstructionFlags(definition),
      definition,
    };
    this.#seen.set(tool, seen);
    const k = key(server, tool.name);
    this.#latest.delete(k);
    // Bounded like the pins: the oldest entries give way (they are rebuilt when seen again).
    if (this.#latest.size >= TOOL_POLICY_LIMITS.pinnedTools * 2) {
      const oldest = this.#latest.keys().next().value;
      if (oldest !== undefined) this.#latest.delete(oldest);
    }
    this.#latest.set(k, seen);
    const pins = this.#options.pins;
    if (!pins.get(server, tool.name) && seen.flags.length === 0) {
      if (!pins.pin(server, tool.name, seen.digest, definition)) {
        this.#options.bus.log(
          'warn',
          'policy',
          `${server}/${tool.name} is held: Ferry already pins ${TOOL_POLICY_LIMITS.pinnedTools} tools (pinnedTools)`,
        );
      }
    }
    const state = this.#state(seen);
    if (state !== 'pinned' && !this.#announced.has(`${k}\0${seen.digest}`)) {
      if (this.#announced.size >= TOOL_POLICY_LIMITS.pinnedTools) this.#announced.clear();
      this.#announced.add(`${k}\0${seen.digest}`);
      this.#options.bus.emit({ type: 'tool.held', server, tool: tool.name, pin: state, flags: seen.flags });
      this.#options.bus.log(
        'warn',
        'policy',
        `${server}/${tool.name} is held until accepted: ${state === 'changed' ? 'its definition changed' : 'new, with hidden-instruction markers'}${seen.flags.length ? ` (${seen.flags.join(', ')})` : ''}`,
      );
    }
    return seen;
  }
}

function key(server: string, name: string): string {
  return `${server}\0${name}`;
}
