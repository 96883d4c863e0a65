export { createCore, demoServerPath } from './core.js';
export type { Core, CoreDeps, CoreOptions, RuntimeInfo } from './core.js';
export { EventBus } from './events/bus.js';
export type { CoreEvent, Stamped, UpstreamState } from './events/types.js';
export type { SecretStore } from './secrets/types.js';
export { MemorySecretStore } from './secrets/memory.js';
export { AdminApi } from './admin/api.js';
export { AdminError } from './admin/errors.js';
