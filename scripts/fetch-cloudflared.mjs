#!/usr/bin/env node
// Downloads the pinned cloudflared release into build/bin/<os>-<arch>/, where electron-builder picks it
// up as an extra resource (resources/bin/cloudflared in the packaged app).
//
//   node scripts/fetch-cloudflared.mjs                       host platform (macOS: arm64 and x64)
//   node scripts/fetch-cloudflared.mjs --platform linux --arch x64,arm64
//   node scripts/fetch-cloudflared.mjs --platform win --arch x64 --sha256 <hex> --force
//
// Asset names and the macOS .tgz layout follow the `cloudflared` npm package's installer
// (node_modules/cloudflared/lib/install.js), which downloads "latest"; a release build pins a version
// instead so installers are reproducible. Existing binaries of the pinned version are kept.

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = '2026.8.2';
// A mirror with the same layout (<base>/<version>/<asset>) can stand in for GitHub.
const RELEASES =
  process.env.CLOUDFLARED_RELEASES_URL ?? 'https://github.com/cloudflare/cloudflared/releases/download';

/**
 * Release assets per electron-builder os/arch. Cloudflare publishes no Windows arm64 build: Windows on
 * Arm runs the x64 one under emulation.
 */
const ASSETS = {
  mac: { x64: 'cloudflared-darwin-amd64.tgz', arm64: 'cloudflared-darwin-arm64.tgz' },
  win: { x64: 'cloudflared-windows-amd64.exe', arm64: 'cloudflared-windows-amd64.exe' },
  linux: { x64: 'cloudflared-linux-amd64', arm64: 'cloudflared-linux-arm64' },
};

/**
 * SHA-256 of each binary, keyed `<version>/<asset>`: copy them from the release notes ("SHA256
 * Checksums") when bumping VERSION. Like those, a macOS entry is the hash of the `cloudflared` inside the
 * .tgz, not of the archive. Assets without an entry are reported with their hash.
 * @type {Record<string, string>}
 */
const SHA256 = {};

const OS_ALIASES = {
  darwin: 'mac',
  mac: 'mac',
  macos: 'mac',
  win32: 'win',
  win: 'win',
  windows: 'win',
  linux: 'linux',
};

function usage(message) {
  console.error(
    `${message}\nusage: node scripts/fetch-cloudflared.mjs [--platform mac|win|linux] [--arch x64,arm64]`,
  );
  console.error('       [--version <release>] [--sha256 <hex, one target only>] [--out <dir>] [--force]');
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    platform: { type: 'string' },
    arch: { type: 'string' },
    version: { type: 'string', default: VERSION },
    sha256: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'build', 'bin') },
    force: { type: 'boolean', default: false },
  },
});

const os = OS_ALIASES[(values.platform ?? process.platform).toLowerCase()];
if (os === undefined) usage(`Unsupported platform: ${values.platform ?? process.platform}`);
// macOS installers are built for both arches in one run (see build/electron-builder.config.mjs).
const defaultArchs = os === 'mac' && values.platform === undefined ? 'arm64,x64' : process.arch;
const archs = (values.arch ?? defaultArchs).split(',').map((arch) => arch.trim());
if (values.sha256 !== undefined && archs.length !== 1)
  usage('--sha256 applies to one target: pass one --arch');

for (const arch of archs) {
  const asset = ASSETS[os][arch];
  if (asset === undefined) usage(`cloudflared publishes no build for ${os}-${arch}`);
  try {
    await fetchOne(os, arch, asset);
  } catch (error) {
    console.error(`${os}-${arch}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

async function fetchOne(os, arch, asset) {
  const dir = join(resolve(values.out), `${os}-${arch}`);
  const binary = join(dir, os === 'win' ? 'cloudflared.exe' : 'cloudflared');
  const stamp = join(dir, 'VERSION');
  if (
    !values.force &&
    existsSync(binary) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8').trim() === values.version
  ) {
    console.log(`${os}-${arch}: cloudflared ${values.version} already present`);
    return;
  }

  const url = `${RELEASES}/${values.version}/${asset}`;
  console.log(`${os}-${arch}: downloading ${url}`);
  const response = await fetch(url, { redirect: 'follow' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const data = Buffer.from(await response.arrayBuffer());

  mkdirSync(dir, { recursive: true });
  // Unpacked beside the target and renamed into place, so an interrupted run never leaves half a binary.
  const work = mkdtempSync(join(dir, '.download-'));
  try {
    const file = join(work, 'cloudflared');
    if (asset.endsWith('.tgz')) {
      writeFileSync(join(work, asset), data);
      execFileSync('tar', ['-xzf', asset], { cwd: work, stdio: 'inherit' });
    } else {
      writeFileSync(file, data);
    }
    if (!existsSync(file)) throw new Error(`${asset} did not contain cloudflared`);

    const actual = createHash('sha256').update(readFileSync(file)).digest('hex');
    const expected = values.sha256 ?? SHA256[`${values.version}/${asset}`];
    if (expected !== undefined && expected.toLowerCase() !== actual) {
      throw new Error(`${asset}: SHA-256 mismatch\n  expected ${expected}\n  actual   ${actual}`);
    }
    console.log(
      `${os}-${arch}: sha256 ${actual}${expected === undefined ? ' (not pinned: add it to SHA256)' : ' ok'}`,
    );
    chmodSync(file, 0o755);
    renameSync(file, binary);
    writeFileSync(stamp, `${values.version}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`${os}-${arch}: ${binary}`);
}
