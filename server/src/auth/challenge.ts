import type { ServerResponse } from 'node:http';
import { MCP_SCOPE } from './resources.js';

/**
 * The 401 that starts every connector: `resource_metadata` must be absolute (relative URLs are a known
 * cause of "OAuth never starts"), and `scope` tells the client what to ask for.
 */
export function sendBearerChallenge(
  res: ServerResponse,
  metadataUrl: string,
  failure?: { error: string; description: string },
): void {
  const params = [`resource_metadata="${metadataUrl}"`, `scope="${MCP_SCOPE}"`];
  if (failure)
    params.push(`error="${failure.error}"`, `error_description="${failure.description.replace(/"/g, "'")}"`);
  const body = JSON.stringify({
    error: failure?.error ?? 'unauthorized',
    error_description: failure?.description ?? 'This MCP server needs an OAuth access token.',
  });
  res.writeHead(401, {
    'WWW-Authenticate': `Bearer ${params.join(', ')}`,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
