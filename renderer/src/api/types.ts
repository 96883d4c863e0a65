/**
 * The admin contract's types, from the core's one contract module (server/src/admin/contractTypes.ts),
 * imported type-only so the window never bundles server code (the imports vanish at build time; `tsc -b`
 * checks them against server/ through a project reference).
 */
import type { ResultOf } from '../../../server/src/admin/contractTypes.js';

export type * from '../../../server/src/admin/contractTypes.js';

/** What a tool call from the window answers: the child's result as it sent it (checked by nobody). */
export type ToolCallResult = ResultOf<'callTool'>;
