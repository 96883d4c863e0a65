/**
 * Every bound of per-tool control, in one place (docs/security.md, "Per-tool control"). The approval
 * timeout itself is a setting (`ferry.toolPolicy.approvalTimeoutSeconds`, default 120 s, at most 240 s)
 * because how long a person needs depends on the person; everything here protects memory and disk.
 */
export const TOOL_POLICY_LIMITS = Object.freeze({
  /**
   * Calls of one client waiting for the user at once. A person answers one or two at a time; a client that
   * fires more is refused at once (a tool error) rather than queueing prompts nobody will read.
   */
  pendingPerClient: 8,
  /** Calls waiting for the user overall, whatever the number of clients. */
  pendingTotal: 64,
  /** Longest argument preview shown with a pending approval (characters, secrets redacted). */
  approvalPreviewChars: 400,
  /**
   * Longest audit line in bytes. Beyond it the recorded arguments are dropped (the digest stays), then the
   * error text is cut: one call can never fill the trail.
   */
  auditLineBytes: 16 * 1024,
  /** Size at which the audit file is rotated (`audit.jsonl` -> `audit.1.jsonl` …). */
  auditFileBytes: 5 * 1024 * 1024,
  /** Audit files kept, the current one included: at most 15 MB of history on disk. */
  auditFiles: 3,
  /** Newest audit records kept in memory for `GET /api/audit` (its largest `limit`). */
  auditMemory: 5000,
  /** Audit lines gathered before one append (a burst of calls costs one write, not one per call). */
  auditBatchLines: 256,
  /** Tools whose pinned definitions are kept overall; a tool beyond it is held rather than trusted unpinned. */
  pinnedTools: 10_000,
  /**
   * Largest definition kept for the side-by-side review of a change, in bytes of JSON. A larger one is still
   * pinned by its digest; only its text is not kept for the diff.
   */
  pinnedDefinitionBytes: 64 * 1024,
  /** Characters of a definition's text scanned for hidden-instruction markers (the rest is not scanned). */
  scanChars: 256 * 1024,
});
