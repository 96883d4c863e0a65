import type { Exchange, Probe } from './probe.js';
import type { CauseId, CheckId, DoctorAdvice, DoctorLookup, Evidence, ToolChoice, Verdict } from './types.js';

/** What the checks learn as they go; a later check reads what an earlier one found. */
export interface DoctorContext {
  /** The URL exactly as given. */
  readonly raw: string;
  /** Parsed; undefined when `raw` is no absolute URL (everything after the first check is skipped). */
  readonly url: URL | undefined;
  /** Set from the start, or by `mintToken` when the first check that needs it comes. */
  token: string | undefined;
  /** `clientInfo.name` of the doctor's MCP requests. */
  readonly clientName: string;
  readonly advice: DoctorAdvice;
  readonly callTool: ToolChoice | undefined;
  readonly slowTool: ToolChoice | undefined;
  readonly sseWaitMs: number;
  readonly probe: Probe;
  readonly lookup: DoctorLookup;
  /** Why the server was not reached at all: every later check is skipped with this reason. */
  unreachable?: string;
  /** The host resolves only to loopback addresses. */
  loopback: boolean;
  /** Claude's first request (the unauthenticated POST), sent by the TLS check. */
  firstPost?: Exchange;
  /** The server answered the first request without asking for a token: there is no OAuth to check. */
  noAuth: boolean;
  /** `resource_metadata` from the 401, when absolute. */
  resourceMetadataUrl?: string;
  /** The protected-resource metadata document the rest of the run uses (suffixed path first). */
  prm?: Record<string, unknown>;
  /** The exchange that fetched `prm`: the evidence of the checks that read it. */
  prmEvidence?: Evidence;
  /** The document at the path-suffixed location, kept to compare with the root one. */
  prmSuffixed?: Record<string, unknown>;
  /** The authorization server (from `authorization_servers`, else the URL's origin as older clients assume). */
  issuer?: string;
  asMetadata?: Record<string, unknown>;
  asEvidence?: Evidence;
  /** The client id to authorize with: the one registered, or Claude's metadata document URL. */
  clientId?: string;
  /** The client the registration check created. */
  testClientId?: string;
  /** Set by a successful initialize. */
  session?: {
    id: string | undefined;
    protocolVersion: string;
    serverName: string | undefined;
  };
  tools?: Array<{ name: string; description?: string }>;
  nextId: number;
}

/** What a check's `run` decides; the runner adds id, title and need. */
export interface Outcome {
  verdict: Verdict;
  detail: string;
  evidence?: Evidence;
  related?: Evidence[];
  fix?: string;
  cause?: CauseId;
}

export interface CheckSpec {
  id: CheckId;
  title: string;
  /** What Claude needs at this step. */
  need: string;
  /** Part 2: runs only with an access token. */
  needsToken?: boolean;
  /** A reason to skip this check given what earlier checks found, or undefined to run it. */
  skipIf?: (ctx: DoctorContext) => string | undefined;
  /** For checks that judge a document an earlier check fetched: that exchange is their evidence. */
  reads?: (ctx: DoctorContext) => Evidence | undefined;
  run(ctx: DoctorContext): Promise<Outcome>;
}
