import * as electron from 'electron';
import { boot, defaultPaths } from './boot.js';
import { register as consent } from './consent/register.js';
import { register as exposure } from './exposure/register.js';
import type { ElectronHost } from './host.js';
import { register as ipc } from './ipc/register.js';
import { register as lifecycle } from './lifecycle/register.js';
import { register as protocol } from './protocol/register.js';
import { register as tray } from './tray/register.js';
import { register as hardening } from './window/hardening.js';

/** Registration only: each domain wires itself to the running desktop. */
const host = electron satisfies ElectronHost;

void boot(
  host,
  [hardening, (desktop) => protocol(desktop, defaultPaths().uiDir), ipc, lifecycle, exposure, consent, tray],
  {
    argv: process.argv,
    platform: process.platform,
    env: process.env,
    resourcesPath: process.resourcesPath,
  },
).catch((error: unknown) => {
  // Nothing is on screen yet to show this in; a terminal or the OS log gets it.
  console.error('Ferry could not start', error);
  host.app.exit(1);
});
