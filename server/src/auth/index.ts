// The OAuth server's public face; the layout of auth/ is described in docs/architecture.md.
export { createAuth } from './createAuth.js';
export type { Auth, AuthOptions, AuthorizedRequest } from './types.js';
