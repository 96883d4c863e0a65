export { AuthStore } from './authStore.js';
export { AuthStoreError, isAuthStoreError, type AuthStoreErrorCode } from './errors.js';
export { hashTokenId } from './tokenHash.js';
export type {
  Adapter,
  AdapterPayload,
  AuthStoreOptions,
  ClientSummary,
  GrantSummary,
  PersistedModel,
} from './types.js';
