import { randomUUID } from 'node:crypto';
import type { Result } from '@modelcontextprotocol/sdk/types.js';
import type { EventBus } from '../events/bus.js';
import { fullPayload, preview, previewAndFull } from '../events/redact.js';
import type { CallOutcome } from '../events/types.js';

/** How calls made from Ferry's own window are named in Activity. */
export const WINDOW_CLIENT = 'Ferry window';

export interface CallHandle {
  end(outcome: CallOutcome, result?: Result, error?: string): void;
}

/** Who made a call, as Activity shows it. */
export interface CallOrigin {
  sessionId: string;
  client: string | undefined;
  protocol?: string;
}

/** Activity's record of calls: `call.start` when one begins, `call.end` (outcome, timing) when its handle ends. */
export class ActivityLog {
  constructor(private readonly bus: EventBus) {}

  record(
    by: CallOrigin,
    server: string,
    method: string,
    target: string,
    params: Record<string, unknown>,
  ): CallHandle {
    const callId = randomUUID();
    const started = performance.now();
    const payload = method === 'tools/call' ? params.arguments : params;
    const rendered = previewAndFull(payload);
    const args = { argsPreview: rendered.preview, args: rendered.full };
    const base = {
      callId,
      sessionId: by.sessionId,
      server,
      method,
      target,
      ...(by.client ? { client: by.client } : {}),
      ...(by.protocol ? { protocol: by.protocol } : {}),
    };
    this.bus.emit({ type: 'call.start', ...base, ...args });
    return {
      end: (outcome, result, error) => {
        this.bus.emit({
          type: 'call.end',
          ...base,
          ...args,
          durationMs: Math.round((performance.now() - started) * 1000) / 1000,
          outcome,
          ...(error ? { error } : {}),
          ...(result
            ? { resultPreview: preview(result.content ?? result), result: fullPayload(result) }
            : {}),
        });
      },
    };
  }
}
