import type { Tool } from '@modelcontextprotocol/sdk/types.js';

/** What may happen when a client calls a tool. */
export type ToolPolicy = 'allow' | 'ask' | 'deny';

/** Where a tool's effective policy came from, most specific first. */
export type PolicySource = 'tool' | 'server' | 'global' | 'annotations';

/**
 * A tool's definition against the one Ferry pinned: `pinned` (the same), `changed` (different: held until
 * the user accepts it), `new` (seen for the first time with hidden-instruction markers: held until accepted).
 */
export type PinState = 'pinned' | 'changed' | 'new';

/** Markers of instructions hidden in a definition's text (see hiddenInstructions.ts). */
export type HiddenInstructionFlag =
  'invisible-unicode' | 'ignore-instructions' | 'instruction-tag' | 'conceal-from-user';

/** What Ferry decided about one call. `busy`: too many calls were already waiting for the user. */
export type AuditDecision =
  | 'allowed'
  | 'asked-allowed'
  | 'asked-denied'
  | 'asked-timeout'
  | 'asked-cancelled'
  | 'denied'
  | 'held'
  | 'busy';

/** How the call ended: `refused` when Ferry never forwarded it. */
export type AuditOutcome = 'ok' | 'tool-error' | 'error' | 'cancelled' | 'refused';

/** The parts of a tool definition that are pinned (and shown side by side when they change). */
export type PinnedDefinition = Pick<
  Tool,
  'name' | 'title' | 'description' | 'inputSchema' | 'outputSchema' | 'annotations'
>;

/** One tool as `GET /api/tools` lists it. */
export interface ToolView {
  server: string;
  /** The server's own name for the tool (what the config's `tools` map uses). */
  name: string;
  /** The name clients see on `/mcp` (`<server>__<name>`); on `/mcp/<server>` they see `name`. */
  exposedName: string;
  policy: ToolPolicy;
  policySource: PolicySource;
  pin: PinState;
  /** True while the tool is hidden and refused until the user accepts its definition. */
  held: boolean;
  flags: HiddenInstructionFlag[];
  title?: string;
  description?: string;
  /** For a held tool: the definition Ferry pinned (absent for a `new` one) and the one now presented. */
  review?: { pinned: PinnedDefinition | null; current: PinnedDefinition | null };
}

/** A call waiting for the user. Client-chosen text is raw here: every surface escapes it (displayText). */
export interface PendingApproval {
  id: string;
  clientId: string;
  clientName: string;
  server: string;
  tool: string;
  exposedName: string;
  /** The arguments, secrets redacted, cut to `approvalPreviewChars`. */
  argsPreview: string;
  createdAt: number;
  expiresAt: number;
}

/** One line of the audit trail (`<dataDir>/audit/audit.jsonl`). */
export interface AuditRecord {
  at: number;
  /** The OAuth client id (`local` without OAuth). */
  clientId: string;
  /**
   * The client's name as the user approved it: the `client_name` of its OAuth registration (or of its
   * metadata document); without one, the name the MCP client gave itself in `initialize`.
   */
  clientName?: string;
  /** The name the MCP client gave itself in `initialize` (`clientInfo.name`), its own claim. */
  clientInfoName?: string;
  server: string;
  tool: string;
  decision: AuditDecision;
  durationMs: number;
  outcome: AuditOutcome;
  /** `sha256:` + hex of the JSON text of the arguments (as the client sent them). */
  argsDigest: string;
  /** Only with `ferry.toolPolicy.recordArguments` (and dropped when the line would be too long). */
  arguments?: unknown;
  argumentsDropped?: true;
  error?: string;
}
