import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { startFerry, type TestFerry } from '../helpers/ferry.js';
import { FAKE_CLOUDFLARED, FAST_TUNNEL, readFakeState, useFakeCloudflaredEnv } from '../helpers/tunnel.js';

const TUNNEL_ID = '6ff42ae2-765d-4adf-8112-31c55c1551ef';

let ferry: TestFerry | undefined;
let credentialsFile: string;

const env = useFakeCloudflaredEnv('ferry-ingress-');
beforeEach(async () => {
  // What `cloudflared tunnel create` writes; a space in the path must survive the YAML.
  credentialsFile = path.join(env.stateDir, 'my creds', `${TUNNEL_ID}.json`);
  await import('node:fs/promises').then(({ mkdir }) => mkdir(path.dirname(credentialsFile)));
  await writeFile(
    credentialsFile,
    JSON.stringify({
      AccountTag: 'acct0123456789abcdef',
      TunnelSecret: Buffer.from('s'.repeat(32)).toString('base64'),
      TunnelID: TUNNEL_ID,
    }),
  );
});
afterEach(async () => {
  await ferry?.stop();
  ferry = undefined;
});

const connected = (f: TestFerry) =>
  f.waitFor((e) => e.type === 'tunnel.state' && e.state === 'connected', 20_000);

const named = (tunnel: Record<string, unknown>) =>
  startFerry(
    { echo: echoServer(), files: echoServer() },
    {
      auth: true,
      tunnel: 'named',
      tunnelTimings: FAST_TUNNEL,
      ferry: { tunnel: { binary: FAKE_CLOUDFLARED, hostname: 'mcp.example.com', ...tunnel } },
    },
  );

describe('named tunnel from a credentials file: Ferry writes the ingress rules', () => {
  it('writes one rule per hostname to Ferry’s listener and a 404 catch-all (0600), and runs cloudflared on it', async () => {
    ferry = await named({ credentialsFile, serverHostnames: { files: 'Files.Example.com' } });
    const event = await connected(ferry);
    expect(event.type === 'tunnel.state' && event.publicUrl).toBe('https://mcp.example.com');
    const file = path.join(ferry.dataDir, 'cloudflared-ingress.yml');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const service = ferry.runtime.localUrl;
    expect(await readFile(file, 'utf8')).toBe(
      [
        '# Written by Ferry each time it starts the tunnel; edits here are overwritten.',
        "# Change ferry.tunnel.hostname / serverHostnames / credentialsFile in Ferry's config instead.",
        `tunnel: "${TUNNEL_ID}"`,
        `credentials-file: ${JSON.stringify(credentialsFile)}`,
        'ingress:',
        '  - hostname: "mcp.example.com"',
        `    service: "${service}"`,
        '  - hostname: "files.example.com"',
        `    service: "${service}"`,
        '  - service: "http_status:404"',
        '',
      ].join('\n'),
    );
    const cmdline = (await readFile(`/proc/${ferry.core.tunnel.pid as number}/cmdline`, 'utf8')).split('\0');
    expect(cmdline.slice(cmdline.indexOf('--config'), cmdline.indexOf('--config') + 3)).toEqual([
      '--config',
      file,
      'run',
    ]);
    expect(ferry.core.admin.status().tunnel.serverHostnames).toEqual({ files: 'Files.Example.com' });

    // Through the (fake) edge: each hostname reaches Ferry with its own Host, and Ferry answers for it.
    const fake = await readFakeState(process.env.FAKE_CLOUDFLARED_STATE as string);
    expect(fake).toMatchObject({ ingressHostnames: ['mcp.example.com', 'files.example.com'] });
    const prm = async (host?: string) => {
      const res = await fetch(`${fake?.edgeUrl}/.well-known/oauth-protected-resource/mcp`, {
        headers: host ? { 'x-fake-host': host } : {},
      });
      return (await res.json()) as Record<string, unknown>;
    };
    expect(await prm('files.example.com')).toMatchObject({
      resource: 'https://files.example.com/mcp',
      authorization_servers: ['https://mcp.example.com'],
    });
    expect(await prm()).toMatchObject({ resource: 'https://mcp.example.com/mcp' });
    const challenge = await fetch(`${fake?.edgeUrl}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-host': 'files.example.com' },
      body: '{}',
    });
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toContain(
      'resource_metadata="https://files.example.com/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it('fails with a clear reason when the credentials file is missing', async () => {
    const missing = path.join(env.stateDir, 'nope.json');
    ferry = await named({ credentialsFile: missing });
    const failed = await ferry.waitFor((e) => e.type === 'tunnel.state' && e.state === 'failed', 10_000);
    expect(failed.type === 'tunnel.state' && failed.reason).toContain(
      `cannot read the tunnel credentials file ${missing} (ENOENT)`,
    );
  });

  it('with a token, writes no ingress file and says which public hostnames to add in the dashboard', async () => {
    const token = Buffer.from(
      JSON.stringify({ a: 'acct', t: TUNNEL_ID, s: Buffer.from('x'.repeat(32)).toString('base64') }),
    ).toString('base64');
    process.env.FAKE_CLOUDFLARED_HOSTNAME = 'mcp.example.com';
    ferry = await startFerry(
      { echo: echoServer(), files: echoServer() },
      {
        auth: true,
        tunnel: 'off',
        tunnelTimings: FAST_TUNNEL,
        ferry: {
          tunnel: { binary: FAKE_CLOUDFLARED, serverHostnames: { files: 'files.example.com' } },
        },
      },
    );
    await ferry.core.admin.configureNamedTunnel({ token, hostname: 'mcp.example.com' });
    await ferry.core.admin.startTunnel('named');
    await connected(ferry);
    const advice = await ferry.waitFor(
      (e) => e.type === 'log' && e.message.includes('per-server hostnames need a public hostname'),
    );
    expect(advice.type === 'log' && advice.message).toContain(
      `service ${ferry.runtime.localUrl}: files.example.com`,
    );
    await expect(stat(path.join(ferry.dataDir, 'cloudflared-ingress.yml'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
