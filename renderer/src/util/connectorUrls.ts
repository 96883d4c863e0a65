/**
 * Which connector URL to give Claude and why (claude-ai-mcp#878: only exactly /mcp is known to work in every
 * case), worded once in the core for the CLI, the tray and this window. Pure and import-free, like
 * displayText, so nothing else of the core is bundled.
 */
export {
  PER_SERVER_PATH_RISK,
  RECOMMENDED_NOTE,
  serverConnectorUrl,
} from '../../../server/src/util/connectorUrls.js';
export type { ServerConnectorUrl } from '../../../server/src/util/connectorUrls.js';
