import type { Registration } from './boot.js';
import { register as exposure } from './exposure/register.js';
import { register as ipc } from './ipc/register.js';
import { register as lifecycle } from './lifecycle/register.js';
import { register as notifications } from './notify/register.js';
import { register as protocol } from './protocol/register.js';
import { register as tray } from './tray/register.js';
import { register as hardening } from './window/hardening.js';

/** Every domain of the desktop app, in the order they wire up (the tray last: it draws what the rest set up). */
export function registrations(): Registration[] {
  return [hardening, protocol, ipc, (desktop) => lifecycle(desktop), exposure, notifications, tray];
}
