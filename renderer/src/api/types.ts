/**
 * The admin contract's types, imported type-only from the core so the window never bundles server code
 * (the imports vanish at build time; `tsc -b` checks them against server/ through a project reference).
 */
export type {
  StatusSnapshot,
  TunnelStatus,
  ServerInput,
  ToolPolicyResult,
  ServerToolPolicy,
  ConsentExposure,
  ExposureStatus,
} from '../../../server/src/admin/api.js';
export type {
  AuditDecision,
  AuditOutcome,
  AuditRecord,
  HiddenInstructionFlag,
  PendingApproval,
  PinnedDefinition,
  PinState,
  PolicySource,
  ToolPolicy,
  ToolView,
} from '../../../server/src/policy/types.js';
export type { ExposedTool, ServerCatalogView } from '../../../server/src/admin/catalog.js';
export type { ImportReport } from '../../../server/src/config/import.js';
export type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
export type { AdminErrorCode } from '../../../server/src/admin/errors.js';
export type { ConfigIssue } from '../../../server/src/config/errors.js';
export type {
  ServerOptionsInput,
  ServerSpecInput,
  ServerSpecPatch,
} from '../../../server/src/config/save.js';
export type { ServerStatus } from '../../../server/src/hub/hub.js';
export type { ClientSummary, GrantSummary } from '../../../server/src/auth/store/types.js';
export type { RememberedApproval } from '../../../server/src/auth/rememberedApprovals.js';
export type {
  CallEndEvent,
  CallOutcome,
  CallStartEvent,
  CoreEvent,
  CoreEventType,
  ConsentResolvedEvent,
  LogEvent,
  LogLevel,
  PendingConsent,
  ApprovalRequestedEvent,
  ApprovalResolvedEvent,
  ToolHeldEvent,
  ExposureStateEvent,
  ToolsChangedEvent,
  Stamped,
  TunnelMode,
  TunnelState,
  TunnelUrlChangedEvent,
  UpstreamState,
} from '../../../server/src/events/types.js';
export type {
  CheckId,
  CheckResult,
  DoctorReport,
  Evidence,
  Verdict,
} from '../../../server/src/doctor/types.js';
export type { TimelineSnapshot, TimelineStep, TimelineStepId } from '../../../server/src/doctor/timeline.js';
