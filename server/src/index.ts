export { createCore, demoServerPath } from './core.js';
export type { Core, CoreDeps, CoreOptions, RuntimeInfo } from './core.js';
export { EventBus } from './events/bus.js';
export type { CoreEvent, Stamped, UpstreamState } from './events/types.js';
export type { SecretStore } from './secrets/types.js';
export { MemorySecretStore } from './secrets/memory.js';
export { AdminApi } from './admin/api.js';
export { AdminError, adminErrorOf } from './admin/errors.js';
export { createAdminRouter } from './admin/router.js';
export { AdminDownload, type DownloadedFile } from './admin/download.js';
export type { AdminDispatch } from './admin/router.js';
export type { AdminErrorBody, AdminErrorCode } from './admin/errors.js';
export { ADMIN_METHODS, type AdminMethod } from './admin/operations.js';
export type { StatusSnapshot, TunnelStatus } from './admin/api.js';
export { defaultUiDir, readUiAsset } from './admin/staticUi.js';
export type { UiAsset } from './admin/staticUi.js';
export type { PendingConsent, TunnelState, TunnelMode } from './events/types.js';
export type { PendingApproval } from './policy/types.js';
export type { ServerStatus } from './hub/hub.js';
export { defaultDataDir } from './config/paths.js';
export { writeFileAtomic } from './util/atomicWrite.js';
export { DISPLAY_LIMITS, cutText, displayText } from './util/displayText.js';
export { ago } from './util/relativeTime.js';
export {
  PER_SERVER_PATH_RISK,
  RECOMMENDED_NOTE,
  recommendedUrl,
  serverConnectorUrl,
} from './util/connectorUrls.js';
export type { ServerConnectorUrl } from './util/connectorUrls.js';
