// @ts-check
// electron-builder `beforePack` hook: refuses to package an app that would be broken on the target
// platform/arch because a per-platform binary is missing. Both checks run before anything is copied,
// so a failing build costs seconds, not a full pack.
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Arch, log } from 'electron-builder';
import { CLOUDFLARED_RESOURCE_DIR } from './electron-builder.config.mjs';

/** @typedef {import('electron-builder').AfterPackContext} PackContext (beforePack gets the same shape) */

/** @param {PackContext} context */
export default function beforePack(context) {
  const { packager } = context;
  const os = packager.platform.buildConfigurationKey; // mac | win | linux, as in build/bin/<os>-<arch>
  const arch = Arch[context.arch];
  const problems = [checkCloudflared(packager, os, arch), checkKeyring(packager, os, arch)].filter(
    (problem) => problem !== null,
  );
  if (problems.length > 0) throw new Error(problems.join('\n\n'));
}

/**
 * The tunnel needs cloudflared in resources/bin. The source is whatever the configuration's
 * extraResources entry for bin/ names, so FERRY_CLOUDFLARED_DIR and the default are checked alike.
 *
 * @param {PackContext['packager']} packager
 * @param {string} os
 * @param {string} arch
 * @returns {string | null}
 */
function checkCloudflared(packager, os, arch) {
  if (process.env.FERRY_ALLOW_NO_CLOUDFLARED === '1') {
    log.warn(
      { os, arch },
      'FERRY_ALLOW_NO_CLOUDFLARED=1: packaging without cloudflared; the app downloads it on first use',
    );
    return null;
  }
  const sets = [packager.platformSpecificBuildOptions.extraResources, packager.config.extraResources]
    .flat()
    .filter((set) => set != null && typeof set === 'object');
  const entry = /** @type {{ from?: string, to?: string }[]} */ (sets).find(
    (set) => set.to === CLOUDFLARED_RESOURCE_DIR && typeof set.from === 'string',
  );
  if (entry?.from == null)
    return `The configuration has no extraResources entry copying cloudflared to ${CLOUDFLARED_RESOURCE_DIR}/.`;

  const dir = path.resolve(packager.projectDir, packager.expandMacro(entry.from, arch));
  const file = path.join(dir, os === 'win' ? 'cloudflared.exe' : 'cloudflared');
  const stat = statSync(file, { throwIfNoEntry: false });
  let problem = null;
  if (stat == null || !stat.isFile() || stat.size === 0) problem = `is missing: ${file} does not exist.`;
  else if (os !== 'win' && process.platform !== 'win32' && (stat.mode & 0o111) === 0)
    problem = `is not executable: ${file} (chmod +x it).`;
  if (problem === null) return null;
  return [
    `cloudflared for ${os}-${arch} ${problem}`,
    `Fetch it with:  node scripts/fetch-cloudflared.mjs --platform ${os} --arch ${arch}`,
    'or point FERRY_CLOUDFLARED_DIR at a directory holding it. FERRY_ALLOW_NO_CLOUDFLARED=1 packages',
    'without it; that build then has to download cloudflared on first use.',
  ].join('\n');
}

/** Which @napi-rs/keyring prebuilt package serves a target (the ones its loader tries, glibc on Linux). */
const KEYRING_PACKAGES = {
  mac: (/** @type {string} */ arch) => [`darwin-${arch}`, 'darwin-universal'],
  win: (/** @type {string} */ arch) => [`win32-${arch}-msvc`],
  linux: (/** @type {string} */ arch) => [`linux-${arch === 'armv7l' ? 'arm' : arch}-gnu`],
};

/**
 * npm installs only the host's optional dependency of @napi-rs/keyring, so packaging another arch
 * (an x64 dmg on Apple Silicon) would ship an app without its keychain binding.
 *
 * @param {PackContext['packager']} packager
 * @param {string} os
 * @param {string} arch
 * @returns {string | null}
 */
function checkKeyring(packager, os, arch) {
  const require = createRequire(path.join(packager.projectDir, 'package.json'));
  const candidates = (KEYRING_PACKAGES[/** @type {keyof typeof KEYRING_PACKAGES} */ (os)]?.(arch) ?? []).map(
    (suffix) => `@napi-rs/keyring-${suffix}`,
  );
  for (const name of candidates) {
    try {
      require.resolve(`${name}/package.json`);
      return null;
    } catch {
      // try the next candidate
    }
  }
  /** @type {{ version?: string }} */
  const keyring = require('@napi-rs/keyring/package.json');
  const wanted = candidates[0] ?? `@napi-rs/keyring (no prebuilt for ${os}-${arch})`;
  return [
    `The keychain binding for ${os}-${arch} is missing: ${wanted} is not installed (npm installs only`,
    "the host's). Package this target on a matching machine, or add it with:",
    `  npm install --no-save --force ${wanted}@${keyring.version ?? 'latest'}`,
  ].join('\n');
}
