// The packaging pipeline, run for real: the electron-builder config is validated by electron-builder's
// own schema, packed (`--dir`, linux x64) against a stub Electron distribution that carries a real fuse
// wire, and the result is read back with @electron/asar and @electron/fuses. Needs `npm run build`.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { access, constants, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { extractFile, listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import type { Configuration } from 'electron-builder';
import { Arch, Platform, build } from 'electron-builder';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { unpacked } from '../src/main/boot.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG_FILE = path.join(ROOT, 'build', 'electron-builder.config.mjs');
const PACK_TIMEOUT = 240_000;

interface ConfigModule {
  default: Configuration;
  createConfig(env?: Record<string, string | undefined>): Configuration;
  CLOUDFLARED_RESOURCE_DIR: string;
  DEFAULT_CLOUDFLARED_DIR: string;
}

const configModule = (await import(pathToFileURL(CONFIG_FILE).href)) as ConfigModule;

/** The fuse sentinel and the V1 wire Electron 45 ships (build/fuses/fuses.json5 in electron/electron). */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ELECTRON_45_FUSES = '101100011';
const FUSE_OFF = '0'.charCodeAt(0);
const FUSE_ON = '1'.charCodeAt(0);
/** The fuse after the eight @electron/fuses 1.8 names (WasmTrapHandlers): left as Electron ships it. */
const WASM_TRAP_HANDLERS = 8;

const FAKE_CLOUDFLARED = '#!/bin/sh\necho "cloudflared version 2026.8.2 (fake)"\n';

let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'ferry-packaging-'));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(tmp, { recursive: true, force: true });
});

/**
 * An unpacked linux Electron distribution as electron-builder copies it: the `electron` executable (a
 * shell script holding the fuse wire where the real binary does), the licence files it renames or
 * keeps, and the data files around them.
 */
async function stubElectronDist(dir: string): Promise<string> {
  await mkdir(path.join(dir, 'locales'), { recursive: true });
  await mkdir(path.join(dir, 'resources'), { recursive: true });
  const executable = Buffer.concat([
    Buffer.from('#!/bin/sh\n# Stub Electron for packaging tests.\nexit 0\n'),
    Buffer.from(FUSE_SENTINEL, 'ascii'),
    Buffer.from([1, ELECTRON_45_FUSES.length]),
    Buffer.from(ELECTRON_45_FUSES, 'ascii'),
    Buffer.from('\n'),
  ]);
  await writeFile(path.join(dir, 'electron'), executable, { mode: 0o755 });
  await writeFile(path.join(dir, 'chrome-sandbox'), '#!/bin/sh\n', { mode: 0o755 });
  await writeFile(path.join(dir, 'chrome_crashpad_handler'), '#!/bin/sh\n', { mode: 0o755 });
  await writeFile(path.join(dir, 'LICENSE'), 'Copyright (c) Electron contributors\n');
  await writeFile(path.join(dir, 'LICENSES.chromium.html'), '<html></html>\n');
  await writeFile(path.join(dir, 'version'), '45.4.1');
  await writeFile(path.join(dir, 'resources.pak'), '');
  await writeFile(path.join(dir, 'locales', 'en-US.pak'), '');
  return dir;
}

async function fakeCloudflaredDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'cloudflared'), FAKE_CLOUDFLARED, { mode: 0o755 });
  return dir;
}

/** Packs `--dir` for linux/`arch` into `output`, as `electron-builder --dir -c.electronDist=<stub>` would. */
async function pack(env: Record<string, string>, electronDist: string, output: string, arch = Arch.x64) {
  const base = configModule.createConfig(env);
  const config: Configuration = { ...base, electronDist, directories: { ...base.directories, output } };
  return build({
    projectDir: ROOT,
    targets: Platform.LINUX.createTarget('dir', arch),
    config,
    publish: 'never',
  });
}

describe('electron-builder configuration', () => {
  it('passes electron-builder’s own schema validation, offline', async () => {
    await expect(
      validateConfiguration(configModule.default, new DebugLogger(false)),
    ).resolves.toBeUndefined();
    const overridden = configModule.createConfig({ FERRY_CLOUDFLARED_DIR: '/opt/cloudflared' });
    await expect(validateConfiguration(overridden, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('is rejected by the same validation once broken, so the check above can fail', async () => {
    const unknownKey = { ...configModule.createConfig(), notAnOption: true } as Configuration;
    await expect(validateConfiguration(unknownKey, new DebugLogger(false))).rejects.toThrow(/notAnOption/);
    // A typo in a fuse name would otherwise silently leave that fuse at Electron's default.
    const base = configModule.createConfig();
    const typo = { ...base, electronFuses: { ...base.electronFuses, runAsNod: false } } as Configuration;
    await expect(validateConfiguration(typo, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
  });

  it('ships cloudflared per os/arch from build/bin unless FERRY_CLOUDFLARED_DIR names another directory', () => {
    const resources = (env: Record<string, string>) => configModule.createConfig(env).extraResources;
    expect(resources({})).toEqual([
      expect.objectContaining({ from: configModule.DEFAULT_CLOUDFLARED_DIR, to: 'bin' }),
    ]);
    expect(configModule.DEFAULT_CLOUDFLARED_DIR).toBe('build/bin/${os}-${arch}');
    expect(resources({ FERRY_CLOUDFLARED_DIR: '/opt/cf' })).toEqual([
      expect.objectContaining({ from: '/opt/cf', to: configModule.CLOUDFLARED_RESOURCE_DIR }),
    ]);
  });

  it('never publishes and never rebuilds native modules', () => {
    const config = configModule.default;
    expect(config.publish).toBeNull();
    expect(config.npmRebuild).toBe(false);
    expect(config.nodeGypRebuild).toBe(false);
  });
});

describe('packaged app (linux x64, --dir, stub Electron)', () => {
  let appDir: string;
  let asar: string;
  let entries: string[];

  beforeAll(async () => {
    vi.stubEnv('FERRY_ALLOW_NO_CLOUDFLARED', undefined);
    const electronDist = await stubElectronDist(path.join(tmp, 'electron-dist'));
    const cloudflared = await fakeCloudflaredDir(path.join(tmp, 'cloudflared'));
    const output = path.join(tmp, 'out');
    const started = Date.now();
    await pack({ FERRY_CLOUDFLARED_DIR: cloudflared }, electronDist, output);
    console.log(`packaging took ${Date.now() - started} ms`);
    appDir = path.join(output, 'linux-unpacked');
    asar = path.join(appDir, 'resources', 'app.asar');
    entries = listPackage(asar, { isPack: false }).map((entry) =>
      entry.replace(/^[\\/]/, '').replace(/\\/g, '/'),
    );
  }, PACK_TIMEOUT);

  it('has package.json pointing Electron at the main process entry', () => {
    const manifest = JSON.parse(extractFile(asar, 'package.json').toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.main).toBe('electron/dist/main/index.js');
    // The main process reaches the core through this subpath import.
    expect(manifest.imports).toEqual({ '#core': './server/dist/index.js' });
    expect(manifest.type).toBe('module');
    expect(manifest.desktopName).toBe('ferry.desktop');
    expect(manifest).not.toHaveProperty('devDependencies');
  });

  it('holds the built app and its production dependencies', () => {
    for (const file of [
      'electron/dist/main/index.js',
      'electron/dist/preload/index.cjs',
      'renderer/dist/index.html',
      'server/dist/index.js',
      'server/dist/demo/server.js',
      'electron/assets/tray/online.png',
      'electron/assets/tray/onlineTemplate@2x.png',
      'node_modules/oidc-provider/package.json',
      'node_modules/jose/package.json',
      'node_modules/zod/package.json',
      'node_modules/@modelcontextprotocol/sdk/package.json',
      'node_modules/@napi-rs/keyring/package.json',
    ]) {
      expect(entries, file).toContain(file);
    }
  });

  it('holds nothing else from the repository: no sources, tests, maps, type declarations or dev tools', () => {
    expect(new Set(entries.map((entry) => entry.split('/')[0]))).toEqual(
      new Set(['package.json', 'electron', 'server', 'renderer', 'node_modules']),
    );
    expect(new Set(entries.filter((e) => e.startsWith('electron/')).map((e) => e.split('/')[1]))).toEqual(
      new Set(['dist', 'assets']),
    );
    expect(entries.filter((entry) => /\.(?:[mc]?ts|tsx|map|tsbuildinfo)$/.test(entry))).toEqual([]);
    for (const prefix of [
      'server/src',
      'server/test',
      'renderer/src',
      'electron/src',
      'electron/test',
      'node_modules/cloudflared/bin',
    ]) {
      expect(entries.filter((entry) => entry.startsWith(`${prefix}/`))).toEqual([]);
    }
    for (const devOnly of [
      'electron',
      'electron-builder',
      'app-builder-lib',
      'vite',
      'vitest',
      'typescript',
      'react',
      'react-dom',
      'playwright-core',
      'supergateway',
      'mcp-remote',
      'node',
      '@modelcontextprotocol/server-everything',
      '@modelcontextprotocol/conformance',
    ]) {
      expect(entries, devOnly).not.toContain(`node_modules/${devOnly}`);
    }
  });

  it('unpacks the keychain addon next to the archive, where it can be loaded', async () => {
    const addons = entries.filter((entry) => entry.endsWith('.node'));
    expect(addons).toEqual([
      expect.stringMatching(/^node_modules\/@napi-rs\/keyring-linux-x64-gnu\/.+\.node$/),
    ]);
    const unpacked = path.join(appDir, 'resources', 'app.asar.unpacked', addons[0] ?? '');
    expect((await stat(unpacked)).size).toBeGreaterThan(0);
  });

  it('runs the demo server from beside the archive with a plain node, as a packaged Ferry does', async () => {
    // RunAsNode is off in a packaged build, so the demo runs on a system node, which cannot read app.asar.
    const inArchive = path.join(
      appDir,
      'resources',
      'app.asar',
      'server',
      'dist',
      'demo-standalone',
      'server.mjs',
    );
    const script = unpacked(inArchive);
    expect(script).not.toBe(inArchive);
    const client = new Client({ name: 'packaging-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [script], cwd: tmp }));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('calculate');
      const result = await client.callTool({ name: 'calculate', arguments: { expression: '6*7' } });
      expect(JSON.stringify(result.content)).toContain('42');
    } finally {
      await client.close();
    }
  });

  it('ships cloudflared in resources/bin, executable', async () => {
    const binary = path.join(appDir, 'resources', configModule.CLOUDFLARED_RESOURCE_DIR, 'cloudflared');
    await expect(access(binary, constants.X_OK)).resolves.toBeUndefined();
    expect(await readFile(binary, 'utf8')).toBe(FAKE_CLOUDFLARED);
  });

  it('renames the Electron executable and keeps Electron’s licence', async () => {
    const names = await readdir(appDir);
    expect(names).toContain('ferry');
    expect(names).not.toContain('electron');
    expect(names).toContain('LICENSE.electron.txt');
  });

  it('flips the fuses as configured in the packaged executable and leaves the others as Electron ships them', async () => {
    const wire = await getCurrentFuseWire(path.join(appDir, 'ferry'));
    expect(wire.version).toBe('1');
    expect(wire[FuseV1Options.RunAsNode]).toBe(FUSE_OFF);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(FUSE_ON);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FUSE_OFF);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FUSE_OFF);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FUSE_ON);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FUSE_ON);
    expect(wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(FUSE_OFF);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FUSE_OFF);
    expect((wire as Record<number, number>)[WASM_TRAP_HANDLERS]).toBe(FUSE_ON);
  });
});

describe('beforePack guard', () => {
  let electronDist: string;

  beforeAll(async () => {
    electronDist = await stubElectronDist(path.join(tmp, 'guard-electron-dist'));
  });

  it('fails packaging with the command that fetches cloudflared when it is missing', async () => {
    vi.stubEnv('FERRY_ALLOW_NO_CLOUDFLARED', undefined);
    const output = path.join(tmp, 'guard-out');
    const missing = path.join(tmp, 'no-cloudflared-here');
    const failure = pack({ FERRY_CLOUDFLARED_DIR: missing }, electronDist, output);
    await expect(failure).rejects.toThrow(/cloudflared for linux-x64 is missing/);
    await expect(failure).rejects.toThrow('node scripts/fetch-cloudflared.mjs --platform linux --arch x64');
    // It stops before anything is copied.
    await expect(stat(path.join(output, 'linux-unpacked', 'resources', 'app.asar'))).rejects.toThrow();
  });

  it('fails packaging when the cloudflared it would ship is not executable', async () => {
    vi.stubEnv('FERRY_ALLOW_NO_CLOUDFLARED', undefined);
    const dir = path.join(tmp, 'cloudflared-not-executable');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'cloudflared'), FAKE_CLOUDFLARED, { mode: 0o644 });
    await expect(
      pack({ FERRY_CLOUDFLARED_DIR: dir }, electronDist, path.join(tmp, 'guard-out-2')),
    ).rejects.toThrow(/cloudflared for linux-x64 is not executable/);
  });

  it(
    'lets FERRY_ALLOW_NO_CLOUDFLARED=1 package without it',
    async () => {
      vi.stubEnv('FERRY_ALLOW_NO_CLOUDFLARED', '1');
      const output = path.join(tmp, 'allowed-out');
      await pack({ FERRY_CLOUDFLARED_DIR: path.join(tmp, 'still-nothing') }, electronDist, output);
      const resources = path.join(output, 'linux-unpacked', 'resources');
      expect(await readdir(resources)).toContain('app.asar');
      await expect(stat(path.join(resources, 'bin', 'cloudflared'))).rejects.toThrow();
      vi.stubEnv('FERRY_ALLOW_NO_CLOUDFLARED', undefined);
    },
    PACK_TIMEOUT,
  );

  const otherArch = process.arch === 'arm64' ? 'x64' : 'arm64';
  const keyringForOtherArch = `@napi-rs/keyring-linux-${otherArch}-gnu`;
  const installed = (() => {
    try {
      createRequire(path.join(ROOT, 'package.json')).resolve(`${keyringForOtherArch}/package.json`);
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(installed)(
    `refuses linux-${otherArch} while ${keyringForOtherArch} is not installed`,
    async () => {
      vi.stubEnv('FERRY_ALLOW_NO_CLOUDFLARED', undefined);
      const cloudflared = await fakeCloudflaredDir(path.join(tmp, 'guard-cloudflared'));
      const failure = pack(
        { FERRY_CLOUDFLARED_DIR: cloudflared },
        electronDist,
        path.join(tmp, 'other-arch-out'),
        otherArch === 'x64' ? Arch.x64 : Arch.arm64,
      );
      await expect(failure).rejects.toThrow(`The keychain binding for linux-${otherArch} is missing`);
      await expect(failure).rejects.toThrow(`npm install --no-save --force ${keyringForOtherArch}@`);
    },
  );
});

/** Decodes an 8-bit RGBA, non-interlaced PNG (what Chromium's screenshots are) into its pixels. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Buffer } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  expect({ bitDepth: png[24], colourType: png[25], interlace: png[28] }).toEqual({
    bitDepth: 8,
    colourType: 6,
    interlace: 0,
  });
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('ascii', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += length + 12;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const rgba = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] ?? 0;
      const left = x >= 4 ? (rgba[y * stride + x - 4] ?? 0) : 0;
      const up = y > 0 ? (rgba[(y - 1) * stride + x] ?? 0) : 0;
      const upLeft = x >= 4 && y > 0 ? (rgba[(y - 1) * stride + x - 4] ?? 0) : 0;
      let predictor = 0;
      if (filter === 1) predictor = left;
      else if (filter === 2) predictor = up;
      else if (filter === 3) predictor = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        predictor = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      rgba[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  return { width, height, rgba };
}

describe('icons', () => {
  const TRAY = path.join(ROOT, 'electron', 'assets', 'tray');
  const STATES = ['off', 'connecting', 'online', 'attention', 'error'];

  it('has a 1024x1024 app icon with a transparent margin', async () => {
    const { width, height, rgba } = decodePng(await readFile(path.join(ROOT, 'build', 'icon.png')));
    expect([width, height]).toEqual([1024, 1024]);
    expect(rgba[3]).toBe(0);
    expect(rgba[(512 * 1024 + 512) * 4 + 3]).toBe(255);
  });

  it('has every tray state at 16 px and @2x 32 px, coloured and as macOS templates', async () => {
    for (const state of STATES) {
      for (const variant of ['', 'Template']) {
        for (const [suffix, size] of [
          ['', 16],
          ['@2x', 32],
        ] as const) {
          const { width, height } = decodePng(
            await readFile(path.join(TRAY, `${state}${variant}${suffix}.png`)),
          );
          expect([width, height], `${state}${variant}${suffix}`).toEqual([size, size]);
        }
      }
    }
  });

  it('draws templates in black and alpha only, each state a different shape', async () => {
    for (const suffix of ['', '@2x']) {
      const masks = new Set<string>();
      for (const state of STATES) {
        const { rgba } = decodePng(await readFile(path.join(TRAY, `${state}Template${suffix}.png`)));
        const alpha: number[] = [];
        for (let at = 0; at < rgba.length; at += 4) {
          if ((rgba[at + 3] ?? 0) > 0) expect([rgba[at], rgba[at + 1], rgba[at + 2]]).toEqual([0, 0, 0]);
          alpha.push(rgba[at + 3] ?? 0);
        }
        expect(Math.max(...alpha), state).toBeGreaterThan(128);
        masks.add(createHash('sha256').update(Buffer.from(alpha)).digest('hex'));
      }
      expect(masks.size).toBe(STATES.length);
    }
  });

  it('colours the Windows/Linux tray states apart', async () => {
    const dominant = new Map<string, string>();
    for (const state of STATES) {
      const { rgba } = decodePng(await readFile(path.join(TRAY, `${state}@2x.png`)));
      const counts = new Map<string, number>();
      for (let at = 0; at < rgba.length; at += 4) {
        if (rgba[at + 3] !== 255) continue;
        const key = `${rgba[at]},${rgba[at + 1]},${rgba[at + 2]}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      dominant.set(state, [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '');
    }
    // attention keeps the online colour for the mark and adds a blue badge; every other state differs.
    expect(new Set(['off', 'connecting', 'online', 'error'].map((state) => dominant.get(state))).size).toBe(
      4,
    );
  });
});

describe('scripts/fetch-cloudflared.mjs', () => {
  const run = promisify(execFile);
  const SCRIPT = path.join(ROOT, 'scripts', 'fetch-cloudflared.mjs');
  let mirror: string;
  let baseUrl: string;
  let requests: string[];
  let close: () => Promise<void>;

  beforeAll(async () => {
    mirror = path.join(tmp, 'mirror');
    const release = path.join(mirror, '2026.8.2');
    await mkdir(release, { recursive: true });
    // The macOS assets are .tgz archives holding a single `cloudflared`; the others are the bare binary.
    await writeFile(path.join(mirror, 'cloudflared'), FAKE_CLOUDFLARED, { mode: 0o755 });
    await run('tar', ['-czf', path.join(release, 'cloudflared-darwin-arm64.tgz'), 'cloudflared'], {
      cwd: mirror,
    });
    await writeFile(path.join(release, 'cloudflared-linux-amd64'), FAKE_CLOUDFLARED);
    requests = [];
    const server = createServer((request, response) => {
      requests.push(request.url ?? '');
      readFile(path.join(mirror, decodeURIComponent(request.url ?? '/')))
        .then((body) => response.end(body))
        .catch(() => response.writeHead(404).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });

  afterAll(async () => {
    await close();
  });

  const fetchCloudflared = (...args: string[]) =>
    run(process.execPath, [SCRIPT, ...args], { env: { ...process.env, CLOUDFLARED_RELEASES_URL: baseUrl } });

  it('extracts the macOS archive into <out>/mac-<arch>, executable, and stamps the version', async () => {
    const out = path.join(tmp, 'fetched');
    // Cloudflare's published sums for macOS are of the binary inside the .tgz, not of the archive.
    const sha256 = createHash('sha256').update(FAKE_CLOUDFLARED).digest('hex');
    await fetchCloudflared('--platform', 'mac', '--arch', 'arm64', '--out', out, '--sha256', sha256);
    const binary = path.join(out, 'mac-arm64', 'cloudflared');
    expect(await readFile(binary, 'utf8')).toBe(FAKE_CLOUDFLARED);
    await expect(access(binary, constants.X_OK)).resolves.toBeUndefined();
    expect((await readFile(path.join(out, 'mac-arm64', 'VERSION'), 'utf8')).trim()).toBe('2026.8.2');
    expect(requests).toContain('/2026.8.2/cloudflared-darwin-arm64.tgz');
  });

  it('keeps a binary of the pinned version instead of downloading it again', async () => {
    const out = path.join(tmp, 'fetched-twice');
    await fetchCloudflared('--platform', 'linux', '--arch', 'x64', '--out', out);
    const before = requests.length;
    const { stdout } = await fetchCloudflared('--platform', 'linux', '--arch', 'x64', '--out', out);
    expect(stdout).toContain('already present');
    expect(requests.length).toBe(before);
    await expect(access(path.join(out, 'linux-x64', 'cloudflared'), constants.X_OK)).resolves.toBeUndefined();
  });

  it('refuses a download whose SHA-256 does not match and leaves nothing behind', async () => {
    const out = path.join(tmp, 'fetched-bad-hash');
    const expected = createHash('sha256').update(FAKE_CLOUDFLARED).digest('hex');
    await expect(
      fetchCloudflared('--platform', 'linux', '--arch', 'x64', '--out', out, '--sha256', 'ab'.repeat(32)),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(`actual   ${expected}`) as unknown });
    await expect(stat(path.join(out, 'linux-x64', 'cloudflared'))).rejects.toThrow();
    await fetchCloudflared('--platform', 'linux', '--arch', 'x64', '--out', out, '--sha256', expected);
    expect(await readFile(path.join(out, 'linux-x64', 'cloudflared'), 'utf8')).toBe(FAKE_CLOUDFLARED);
  });
});
