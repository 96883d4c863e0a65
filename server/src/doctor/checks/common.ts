import { CAUSES } from '../causes.js';
import type { Exchange } from '../probe.js';
import type { CauseId, Evidence } from '../types.js';
import type { DoctorContext, Outcome } from '../context.js';

/*
 * What the checks are written with: the verdicts a check returns, the skip reasons that say why a later
 * check has nothing to look at, and the readings several checks make of the same request.
 */

export const pass = (detail: string, evidence?: Evidence, related?: Evidence[]): Outcome => ({
  verdict: 'pass',
  detail,
  ...(evidence ? { evidence } : {}),
  ...(related?.length ? { related } : {}),
});

export const skip = (detail: string, evidence?: Evidence): Outcome => ({
  verdict: 'skip',
  detail,
  ...(evidence ? { evidence } : {}),
});

export function problem(
  verdict: 'warn' | 'fail',
  cause: CauseId | undefined,
  detail: string,
  fix: string,
  evidence?: Evidence,
  related?: Evidence[],
): Outcome {
  return {
    verdict,
    detail,
    fix,
    ...(cause ? { cause } : {}),
    ...(evidence ? { evidence } : {}),
    ...(related?.length ? { related } : {}),
  };
}

/**
 * The verdict when something between Claude and the server (an edge's bot rules) answers Claude in the
 * server's place: always the same cause and remedy, with what this check adds to it (`also`).
 */
export function blockedByEdge(
  detail: string,
  evidence: Evidence,
  related?: Evidence[],
  also?: string,
): Outcome {
  const { remedy } = CAUSES['edge-blocks-claude-user'];
  return problem(
    'fail',
    'edge-blocks-claude-user',
    detail,
    also ? `${remedy} ${also}` : remedy,
    evidence,
    related,
  );
}

/** "HTTP 404" or "no answer (ECONNREFUSED)", for details. */
export function answered(exchange: Exchange): string {
  return exchange.status ? `HTTP ${exchange.status}` : `no answer (${exchange.error ?? 'unknown error'})`;
}

/** The scheme and parameters of a `WWW-Authenticate` header (the first challenge). */
export function parseChallenge(header: string | null): { scheme: string; params: Record<string, string> } {
  if (!header) return { scheme: '', params: {} };
  const scheme = /^\s*([A-Za-z-]+)/.exec(header)?.[1] ?? '';
  const params: Record<string, string> = {};
  for (const match of header.matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    const name = (match[1] as string).toLowerCase();
    if (!(name in params)) params[name] = match[2] ?? match[3] ?? '';
  }
  return { scheme, params };
}

/** Skips checks that need an answer from the server when the first request got none. */
export function reached(ctx: DoctorContext): string | undefined {
  if (ctx.unreachable) return `not reached: ${ctx.unreachable}`;
  if (!ctx.firstPost?.status) return 'not reached';
  return undefined;
}

/** Skips the OAuth checks when the server asks for no token at all. */
export function reachedWithAuth(ctx: DoctorContext): string | undefined {
  return (
    reached(ctx) ??
    (ctx.noAuth ? 'the server answers without a token: there is no OAuth to check' : undefined)
  );
}

/** Skips the checks that read the authorization server's metadata when there is none. */
export function hasAsMetadata(ctx: DoctorContext): string | undefined {
  return reachedWithAuth(ctx) ?? (ctx.asMetadata ? undefined : 'no authorization-server metadata to read');
}

/** The URL's path as RFC 9728 appends it to a well-known location: nothing for the root. */
export function pathOf(url: URL): string {
  return url.pathname === '/' ? '' : url.pathname;
}
