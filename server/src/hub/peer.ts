import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Notification, Request, Result } from '@modelcontextprotocol/sdk/types.js';

/**
 * The SDK's JSON-RPC engine (ids, cancellation, progress, timeouts, routing of related messages)
 * without the Server class's own opinions: a proxy must pass results through untouched and decide
 * capabilities itself, so every capability assertion is a no-op here. A session's requests and notifications
 * reach it through the fallback handlers (its own method table, see `HubSession`), never through schemas.
 */
export class SessionPeer extends Protocol<Request, Notification, Result> {
  protected assertCapabilityForMethod(): void {}
  protected assertNotificationCapability(): void {}
  protected assertRequestHandlerCapability(): void {}
  protected assertTaskCapability(): void {}
  protected assertTaskHandlerCapability(): void {}
}
