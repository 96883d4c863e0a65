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

const schemaFor = (method: string) => z.looseObject({ method: z.literal(method), params: looseParams });
type MethodSchema<M extends string> = z.ZodObject<
  { method: z.ZodLiteral<M>; params: typeof looseParams },
  z.core.$loose
>;

// Built once per method, not once per session: a stateless request opens a session of its own.
const schemas = new Map<string, ReturnType<typeof schemaFor>>();

/**
 * Minimal schema for a notification the session handles: the peer only needs the method literal; params
 * pass through as given. (Requests do not go through schemas at all: see `HubSession`'s handler table.)
 */
export function notificationSchema<M extends string>(method: M): MethodSchema<M> {
  let schema = schemas.get(method);
  if (!schema) schemas.set(method, (schema = schemaFor(method)));
  return schema as unknown as MethodSchema<M>;
}
