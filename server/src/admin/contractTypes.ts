/**
 * The admin contract as the window sees it, and the window's only import from the core: the operation
 * table's types (names, methods, paths, params, bodies, queries, results) and the shapes those results and
 * the event stream are made of. Types only, so importing it bundles nothing (`import type`; lint allows
 * nothing else from `server/` in `renderer/src`).
 */
export type {
  AdminMethod,
  AdminOperations,
  BodyOf,
  DownloadOperation,
  MethodOf,
  OperationName,
  ParamsOf,
  PathOf,
  PathParams,
  QueryOf,
  ResultOf,
} from './operations.js';
export type { AdminErrorBody, AdminErrorCode } from './errors.js';
export type { DownloadedFile } from './download.js';
export type {
  StatusSnapshot,
  TunnelStatus,
  ServerInput,
  ToolPolicyResult,
  ServerToolPolicy,
  ConsentExposure,
  ExposureStatus,
} from './api.js';
export type { ExposedTool, ServerCatalogView } from './catalog.js';
/** The tool policy views (tools, approvals, the audit trail). */
export type * from '../policy/types.js';
export type { ImportReport } from '../config/import.js';
export type { ConfigIssue } from '../config/errors.js';
export type { ServerOptionsInput, ServerSpecInput, ServerSpecPatch } from '../config/save.js';
export type { ServerStatus } from '../hub/hub.js';
export type { ClientSummary, GrantSummary } from '../auth/store/types.js';
export type { RememberedApproval } from '../auth/rememberedApprovals.js';
/** The event stream (`/api/events`, IPC `events:event`) and the states it reports. */
export type * from '../events/types.js';
export type { CheckId, CheckResult, DoctorReport, Evidence, Verdict } from '../doctor/types.js';
export type { TimelineSnapshot, TimelineStep, TimelineStepId } from '../doctor/timeline.js';
