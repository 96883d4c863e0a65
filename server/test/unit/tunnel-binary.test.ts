import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCloudflared } from '../../src/tunnel/binary.js';
import { repoRoot } from '../helpers/fixtures.js';

describe('finding cloudflared', () => {
  let dir: string;
  const exe = async (file: string) => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '#!/bin/sh\necho cloudflared\n');
    await chmod(file, 0o755);
    return file;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-cf-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prefers configured, then bundled, then PATH, then the copy Ferry installed', async () => {
    const configured = await exe(path.join(dir, 'custom', 'my-cloudflared'));
    const bundled = await exe(path.join(dir, 'resources', 'cloudflared'));
    const onPath = await exe(path.join(dir, 'pathdir', 'cloudflared'));
    const installed = await exe(path.join(dir, 'data', 'bin', 'cloudflared'));
    const base = { installDir: path.dirname(installed), pathEnv: path.dirname(onPath) };
    expect(await findCloudflared({ ...base, configured, bundledDir: path.dirname(bundled) })).toEqual({
      path: configured,
      source: 'configured',
    });
    expect(await findCloudflared({ ...base, bundledDir: path.dirname(bundled) })).toEqual({
      path: bundled,
      source: 'bundled',
    });
    expect(await findCloudflared(base)).toEqual({ path: onPath, source: 'path' });
    expect(await findCloudflared({ ...base, pathEnv: '' })).toEqual({ path: installed, source: 'installed' });
  });

  it('does not fall back when a configured path is missing: the user said where it is', async () => {
    const onPath = await exe(path.join(dir, 'p2', 'cloudflared'));
    expect(
      await findCloudflared({
        configured: path.join(dir, 'nope'),
        installDir: dir,
        pathEnv: path.dirname(onPath),
      }),
    ).toBeUndefined();
  });

  it('never takes the cloudflared npm package’s download shim in node_modules/.bin for the binary', async () => {
    const bin = path.join(dir, 'shimdir');
    await mkdir(bin, { recursive: true });
    await symlink(
      path.join(repoRoot, 'node_modules/cloudflared/lib/cloudflared.js'),
      path.join(bin, 'cloudflared'),
    );
    expect(await findCloudflared({ installDir: path.join(dir, 'empty'), pathEnv: bin })).toBeUndefined();
  });

  it('skips files that are not executable', async () => {
    const file = path.join(dir, 'noexec', 'cloudflared');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'x');
    await chmod(file, 0o644);
    expect(
      await findCloudflared({ installDir: path.join(dir, 'empty'), pathEnv: path.dirname(file) }),
    ).toBeUndefined();
  });
});
