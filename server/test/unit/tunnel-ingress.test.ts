import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingressYaml, tunnelIdFrom } from '../../src/tunnel/ingress.js';
import { FAKE_CLOUDFLARED } from '../helpers/tunnel.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-ingress-unit-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const ID = '6ff42ae2-765d-4adf-8112-31c55c1551ef';

describe('cloudflared ingress for a locally-managed tunnel', () => {
  it('routes every hostname to the one listener and ends with the catch-all cloudflared requires', () => {
    const yaml = ingressYaml({
      tunnelId: ID,
      credentialsFile: '/home/a "b"/x.json',
      hostnames: ['mcp.example.com', 'files.example.com'],
      service: 'http://127.0.0.1:8790',
    });
    expect(yaml.split('\n').slice(2)).toEqual([
      `tunnel: "${ID}"`,
      'credentials-file: "/home/a \\"b\\"/x.json"',
      'ingress:',
      '  - hostname: "mcp.example.com"',
      '    service: "http://127.0.0.1:8790"',
      '  - hostname: "files.example.com"',
      '    service: "http://127.0.0.1:8790"',
      '  - service: "http_status:404"',
      '',
    ]);
  });

  it('reads the tunnel id from the credentials file, and says what is wrong with a bad one', async () => {
    const good = path.join(dir, 'good.json');
    await writeFile(good, JSON.stringify({ AccountTag: 'a', TunnelSecret: 'cw==', TunnelID: ID }));
    expect(await tunnelIdFrom(good)).toBe(ID);
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ AccountTag: 'a' }));
    await expect(tunnelIdFrom(bad)).rejects.toThrow(
      `${bad} is not a tunnel credentials file (no "TunnelID")`,
    );
    await expect(tunnelIdFrom(path.join(dir, 'none.json'))).rejects.toThrow(/\(ENOENT\)/);
  });
});

describe('the fake cloudflared checks ingress rules like the real one', () => {
  const run = (config: string) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const file = path.join(dir, 'config.yml');
      void writeFile(file, config).then(() => {
        const child = spawn(process.execPath, [FAKE_CLOUDFLARED, 'tunnel', '--config', file, 'run'], {
          env: { ...process.env, FAKE_CLOUDFLARED_STATE: '' },
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    });

  it('refuses rules whose last one has a hostname', async () => {
    const result = await run(
      `tunnel: ${ID}\ncredentials-file: /nowhere.json\ningress:\n  - hostname: a.example.com\n    service: http://127.0.0.1:1\n`,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)',
    );
  });

  it('refuses a missing credentials file with the real message', async () => {
    const result = await run(
      `tunnel: ${ID}\ncredentials-file: ${path.join(dir, 'x.json')}\ningress:\n  - service: http_status:404\n`,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `Tunnel credentials file '${path.join(dir, 'x.json')}' doesn't exist or is not a file`,
    );
  });
});
