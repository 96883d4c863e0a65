import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { initializeBody } from '../helpers/http.js';

/**
 * Ferry's public origin as a reverse proxy in front of its listener (what a tunnel is): every bearer token
 * that reaches Ferry is recorded here, so the test can replay the one the doctor minted. `cut` makes the
 * proxy drop authorized requests after the first, to fail a run halfway.
 */
interface RecordingProxy {
  server: Server;
  origin: string;
  tokens: string[];
  target: string;
  cut: boolean;
}

async function recordingProxy(): Promise<RecordingProxy> {
  const proxy: RecordingProxy = { server: createServer(), origin: '', tokens: [], target: '', cut: false };
  proxy.server.on('request', (req, res) => {
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    if (bearer) {
      if (proxy.cut && proxy.tokens.includes(bearer)) {
        req.resume();
        res.writeHead(502, { 'content-type': 'text/plain' }).end('cut by the test proxy');
        return;
      }
      proxy.tokens.push(bearer);
    }
    const target = new URL(req.url ?? '/', proxy.target);
    const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  proxy.origin = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
  return proxy;
}

/** The JWT claims of a token (not verified: the test only picks the doctor's token out). */
function claims(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return {};
  }
}

describe('POST /api/doctor with withToken: a token Ferry mints for itself, revoked after the run', () => {
  let ferry: TestFerry;
  let proxy: RecordingProxy;
  const admin = (p: string, init: RequestInit = {}) =>
    fetch(`${ferry.runtime.adminUrl as string}/api${p}`, {
      ...init,
      headers: {
        authorization: `Bearer ${ferry.runtime.adminToken as string}`,
        'content-type': 'application/json',
      },
    });
  const doctorTokens = () => [...new Set(proxy.tokens)].filter((t) => claims(t).client_id === 'ferry-doctor');
  const replay = (token: string) =>
    fetch(`${ferry.runtime.localUrl}/mcp`, {
      method: 'POST',
      headers: {
        host: new URL(proxy.origin).host,
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify(initializeBody(1)),
    });

  beforeAll(async () => {
    proxy = await recordingProxy();
    // A keep-alive every second: the SSE check sees its first event at once instead of after 15 s.
    ferry = await startFerry(
      { echo: echoServer() },
      { auth: true, publicUrl: proxy.origin, ferry: { keepAliveSeconds: 1 } },
    );
    proxy.target = ferry.runtime.localUrl;
    await serverState(ferry, 'echo', 'ready');
  });
  afterAll(async () => {
    await ferry?.stop();
    await new Promise((resolve) => proxy?.server.close(resolve));
  });

  it('runs the checks after sign-in, then the token is refused (401) and no client is left', async () => {
    const res = await admin('/doctor', { method: 'POST', body: JSON.stringify({ withToken: true }) });
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      url: string;
      checks: { id: string; verdict: string; detail: string }[];
    };
    expect(report.url).toBe(`${proxy.origin}/mcp`);
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    for (const id of ['initialize', 'initialized-notification', 'discover', 'modern-wire', 'tools-list'])
      expect(byId[id]?.verdict, `${id}: ${byId[id]?.detail}`).toBe('pass');
    expect(byId['sse-flush']?.verdict).toBe('pass');
    // No CLI advice in the window's report.
    expect(JSON.stringify(report.checks)).not.toContain('ferry doctor');

    const minted = doctorTokens();
    expect(minted).toHaveLength(1);
    const token = minted[0] as string;
    const tokenClaims = claims(token);
    expect(tokenClaims.aud).toBe(`${proxy.origin}/mcp`);
    expect(tokenClaims.scope).toBe('mcp');
    expect((tokenClaims.exp as number) - (tokenClaims.iat as number)).toBe(60);

    const replayed = await replay(token);
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('www-authenticate')).toMatch(/invalid_token/);

    const clients = (await (await admin('/clients')).json()) as { clientId: string }[];
    expect(clients).toEqual([]);

    // The token is in no event, no log line and no file Ferry wrote.
    expect(JSON.stringify(ferry.bus.recent.toArray())).not.toContain(token);
    for (const file of await readdir(ferry.dataDir, { recursive: true })) {
      const text = await readFile(path.join(ferry.dataDir, file), 'utf8').catch(() => '');
      expect(text, file).not.toContain(token);
    }
    // The run's session is the doctor's, by name, never Claude's.
    const opened = ferry.bus.recent
      .toArray()
      .filter((e) => e.type === 'session.opened')
      .map((e) => (e as { clientName?: string }).clientName);
    expect(opened).toContain('Ferry doctor');
    expect(opened).not.toContain('claude-ai');
  }, 60_000);

  it('revokes the token when the run fails halfway too', async () => {
    proxy.tokens.length = 0;
    proxy.cut = true;
    try {
      const res = await admin('/doctor', { method: 'POST', body: JSON.stringify({ withToken: true }) });
      expect(res.status).toBe(200);
      const report = (await res.json()) as { checks: { id: string; verdict: string }[] };
      expect(report.checks.find((c) => c.id === 'initialize')?.verdict).toBe('pass');
      expect(report.checks.find((c) => c.id === 'tools-list')?.verdict).not.toBe('pass');
    } finally {
      proxy.cut = false;
    }
    const [token] = doctorTokens();
    expect(token).toBeDefined();
    expect((await replay(token as string)).status).toBe(401);
    expect(await (await admin('/clients')).json()).toEqual([]);
  }, 60_000);

  it('cannot be minted from the public listener: its client is unknown to /token', async () => {
    const res = await fetch(`${ferry.runtime.localUrl}/token`, {
      method: 'POST',
      headers: {
        host: new URL(proxy.origin).host,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: 'ferry-doctor',
        code: 'x',
        code_verifier: 'y'.repeat(43),
        redirect_uri: 'https://claude.ai/api/mcp/auth_callback',
      }).toString(),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('refuses bad doctor bodies with spec-shaped 400s naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ withToken: 'yes' }, 'withToken'],
      [{ withToken: true, url: 'https://mcp.example.com/mcp' }, 'withToken'],
      [{ withToken: true, token: 'abc' }, 'withToken'],
    ];
    for (const [body, field] of cases) {
      const res = await admin('/doctor', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const answer = (await res.json()) as {
        error: { code: string; message: string; issues: { path: string }[] };
      };
      expect(answer.error.code).toBe('invalid_input');
      expect(answer.error.issues.map((i) => i.path)).toContain(field);
    }
    // Nothing was minted for the refused requests.
    expect(doctorTokens()).toHaveLength(1);
  });
});
