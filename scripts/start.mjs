// @ts-check
// `npm start`: Ferry as the user meets it. The tray app where there is a display; headless `ferry serve`
// (same core, same config, same data directory) where there is none, or when Electron cannot be had
// (its binary is downloaded on first run). Arguments go to `ferry serve`; `--headless` forces it.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const headless = args.includes('--headless');
const serveArgs = args.filter((arg) => arg !== '--headless');

const display =
  process.platform === 'darwin' ||
  process.platform === 'win32' ||
  Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);

/** The Electron executable, or why there is none (require('electron') downloads it on first use). */
function electronBinary() {
  try {
    return { path: /** @type {string} */ (createRequire(import.meta.url)('electron')) };
  } catch (error) {
    return { reason: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}

/** @param {string} command @param {string[]} commandArgs */
function run(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  // A stop request for this wrapper is one for Ferry: forwarded, and the wrapper exits only with the child.
  // When the signal also reaches the child directly (Ctrl+C hits the whole process group), Ferry takes
  // the two as one request.
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']))
    process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function serve() {
  run(process.execPath, ['server/dist/cli.js', 'serve', ...serveArgs]);
}

if (headless || !display) {
  if (!headless) console.log('No display: starting Ferry headless (ferry serve). The window link follows.');
  serve();
} else {
  const electron = electronBinary();
  if (electron.path) run(electron.path, ['.']);
  else {
    console.log(`Electron is not available (${electron.reason}): starting Ferry headless instead.`);
    serve();
  }
}
