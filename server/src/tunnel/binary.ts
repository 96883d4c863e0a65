import { constants as fsConstants } from 'node:fs';
import { access, mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export type BinarySource = 'configured' | 'bundled' | 'path' | 'installed';

export interface FoundBinary {
  path: string;
  source: BinarySource;
}

export interface FindOptions {
  /** `ferry.tunnel.binary` or `--cloudflared <path>`. */
  configured?: string;
  /** Where the packaged app ships it (Electron's resources dir), when there is one. */
  bundledDir?: string;
  /** Where Ferry installs it on first use: `<data dir>/bin`. */
  installDir: string;
  pathEnv?: string;
  platform?: NodeJS.Platform;
}

const exe = (platform: NodeJS.Platform) => (platform === 'win32' ? 'cloudflared.exe' : 'cloudflared');

async function executable(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return false;
    await access(file, process.platform === 'win32' ? fsConstants.F_OK : fsConstants.X_OK);
    return !(await isNpmShim(file));
  } catch {
    return false;
  }
}

/**
 * The `cloudflared` npm package puts a Node script named `cloudflared` in node_modules/.bin (on PATH under
 * `npm run`) that downloads the real binary when run. It is not cloudflared: running it offline only fails.
 */
async function isNpmShim(file: string): Promise<boolean> {
  const real = await realpath(file).catch(() => file);
  const parts = real.split(/[\\/]/);
  const at = parts.lastIndexOf('cloudflared');
  return at > 0 && parts[at - 1] === 'node_modules' && parts[at + 1] === 'lib';
}

/** The binary to run, in the documented order: configured, bundled, on PATH, installed earlier by Ferry. */
export async function findCloudflared(options: FindOptions): Promise<FoundBinary | undefined> {
  const platform = options.platform ?? process.platform;
  const name = exe(platform);
  if (options.configured) {
    return (await executable(options.configured))
      ? { path: options.configured, source: 'configured' }
      : undefined;
  }
  if (options.bundledDir) {
    const bundled = path.join(options.bundledDir, name);
    if (await executable(bundled)) return { path: bundled, source: 'bundled' };
  }
  for (const dir of (options.pathEnv ?? process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await executable(candidate)) return { path: candidate, source: 'path' };
  }
  const installed = path.join(options.installDir, name);
  if (await executable(installed)) return { path: installed, source: 'installed' };
  return undefined;
}

/**
 * Downloads cloudflared with the `cloudflared` package's own installer, reporting the bytes received so
 * far (the installer has no progress callback, so the growing file is watched).
 */
export async function installCloudflared(
  installDir: string,
  onProgress: (bytes: number) => void,
): Promise<string> {
  await mkdir(installDir, { recursive: true });
  const target = path.join(installDir, exe(process.platform));
  const { install } = await import('cloudflared');
  const timer = setInterval(() => {
    stat(target).then(
      (info) => onProgress(info.size),
      () => undefined,
    );
  }, 500);
  try {
    return await install(target);
  } finally {
    clearInterval(timer);
  }
}

export function missingBinaryAdvice(installDir: string, configured?: string): string {
  if (configured) {
    return `cloudflared was not found at ${configured} (ferry.tunnel.binary). Fix the path, or remove it to let Ferry find or install cloudflared.`;
  }
  return (
    `cloudflared is not installed and could not be downloaded. Install it (https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/ ` +
    `or your package manager), or put the binary at ${path.join(installDir, 'cloudflared')}, then start the tunnel again. ` +
    `Ferry keeps serving locally in the meantime.`
  );
}
