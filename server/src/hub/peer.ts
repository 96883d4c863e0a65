import { z } from 'zod';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Notification, Request, Result } from '@modelcontextprotocol/sdk/types.js';

/**
 * The SDK's JSON-RPC engine (ids, cancellation, progress, timeouts, routing of related messages)
 * without the Server class's own opinions: a proxy must pass results through untouched and decide
 * capabilities itself, so every capability assertion is a no-op here.
 */
export class SessionPeer extends Protocol<Request, Notification, Result> {
  protected assertCapabilityForMethod(): void {}
  protected assertNotificationCapability(): void {}
  protected assertRequestHandlerCapability(): void {}
  protected assertTaskCapability(): void {}
  protected assertTaskHandlerCapability(): void {}
}

const looseParams = z.looseObject({}).optional();

/** Minimal schema for a method: the peer only needs the method literal; params pass through as given. */
export function requestSchema<M extends string>(method: M) {
  return z.looseObject({ method: z.literal(method), params: looseParams });
}

export function notificationSchema<M extends string>(method: M) {
  return z.looseObject({ method: z.literal(method), params: looseParams });
}
