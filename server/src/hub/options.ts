import type { SettingsView } from '../config/live.js';
import type { EventBus } from '../events/bus.js';
import type { ToolGate } from '../policy/gate.js';
import type { ClientLimits } from './clientLimits.js';

export interface HubOptions {
  bus: EventBus;
  version: string;
  /** `ferry.restart` and the message cap, read when a child is created, so config edits apply to the next start. */
  settings: SettingsView<'restart' | 'maxMessageBytes'>;
  resolveEnv: (env: Record<string, string>, server: string) => Promise<Record<string, string>>;
  initTimeoutMs?: number;
  /** How long a child gets to answer `server/discover` (tests shorten or lengthen it). */
  discoverTimeoutMs?: number;
  /** Overrides of `CLIENT_LIMITS` (tests exercise the caps at small sizes). */
  limits?: Partial<ClientLimits>;
  /** Per-tool control (policy, pins, approvals, audit). Without it every tool is listed and callable. */
  gate?: ToolGate;
}
