import * as electron from 'electron';
import { boot } from './boot.js';
import type { ElectronHost } from './host.js';
import { registrations } from './registrations.js';

/** Registration only: the real Electron, checked against the interface the shell (and its test fake) use. */
const host = electron satisfies ElectronHost;

boot(host, registrations(), {
  argv: process.argv,
  platform: process.platform,
  env: process.env,
  resourcesPath: process.resourcesPath,
}).catch((error: unknown) => {
  // Nothing is on screen yet to show this in; a terminal or the OS log gets it.
  console.error('Ferry could not start', error);
  host.app.exit(1);
});
