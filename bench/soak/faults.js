// The faults the soak injects while traffic runs. Each returns when Ferry has recovered (or the fault's
// bound ran out): { name, injectedAt, recoveredMs | undefined, detail }. What "recovered" means is
// written next to each one, and in docs/reliability.md.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, register } from './oauth.js';
import { SOAK } from './settings.js';
import { openSession, statelessCall } from './traffic.js';

const tag = () => Math.random().toString(36).slice(2, 10);

/** Calls `probe` until it resolves true or `boundMs` from `since` passes; ms from `since` to success. */
async function until(since, boundMs, probe, everyMs = 100) {
  while (performance.now() - since < boundMs) {
    try {
      if (await probe()) return performance.now() - since;
    } catch {
      // Not yet.
    }
    await sleep(everyMs);
  }
  return undefined;
}

/** A stateless echo on /mcp/<server> answers with its nonce. */
async function echoes(ctx, server, options = {}) {
  const n = `probe-${tag()}`;
  const url = options.url ?? `${ctx.ferry.localUrl}/mcp/${server}`;
  return (await statelessCall(url, ctx.tokens[server], 'echo', { text: n }, { timeoutMs: 5_000 })) === n;
}

async function serverPid(ctx, name) {
  return (await ctx.ferry.admin('GET', `/servers/${name}`)).pid;
}

function signal(pid, name) {
  process.kill(pid, name);
}

/** Recovered: the `soak` server has a new child (a new pid) whose tools answer. */
async function childKill(ctx) {
  const pid = await serverPid(ctx, 'soak');
  const at = performance.now();
  signal(pid, 'SIGKILL');
  const recoveredMs = await until(at, SOAK.recoveryMs['child SIGKILL'], async () => {
    const now = await serverPid(ctx, 'soak');
    return now !== undefined && now !== pid && (await echoes(ctx, 'soak'));
  });
  return { at, recoveredMs, detail: `killed pid ${pid}` };
}

/**
 * The `hang` server's child stops answering anything (it still reads stdin). Recovered: its tools answer
 * again, from a new child: Ferry must notice on its own (nobody restarts it for it).
 */
async function childHang(ctx) {
  const pid = await serverPid(ctx, 'hang');
  const at = performance.now();
  const url = `${ctx.ferry.localUrl}/mcp/hang`;
  const hung = statelessCall(url, ctx.tokens.hang, 'hang', {}, { timeoutMs: 20_000 }).then(
    () => 'answered',
    (error) => error.message,
  );
  await sleep(200);
  const recoveredMs = await until(
    at,
    SOAK.recoveryMs['child stops answering'],
    () => echoes(ctx, 'hang'),
    500,
  );
  const outcome = await hung;
  const now = await serverPid(ctx, 'hang').catch(() => undefined);
  return { at, recoveredMs, detail: `pid ${pid} -> ${now}; the hanging call: ${outcome.slice(0, 100)}` };
}

/** Recovered: after SIGCONT the same child (same pid) answers again. */
async function childPause(ctx) {
  const pid = await serverPid(ctx, 'soak');
  const at = performance.now();
  signal(pid, 'SIGSTOP');
  await sleep(SOAK.pauseMs);
  signal(pid, 'SIGCONT');
  const recoveredMs = await until(at, SOAK.recoveryMs['child SIGSTOP/SIGCONT'], async () =>
    echoes(ctx, 'soak'),
  );
  const now = await serverPid(ctx, 'soak');
  return { at, recoveredMs, detail: `paused pid ${pid} for ${SOAK.pauseMs} ms; pid after: ${now}` };
}

/** Recovered: a new cloudflared runs and a call through the public URL (the fake edge) answers. */
async function tunnelKill(ctx) {
  const before = ctx.ferry.cloudflared();
  const at = performance.now();
  signal(before.pid, 'SIGKILL');
  const recoveredMs = await until(at, SOAK.recoveryMs['tunnel process killed'], async () => {
    const state = ctx.ferry.cloudflared();
    if (!state || state.pid === before.pid || state.status !== 'connected' || !state.edgeUrl) return false;
    if (state.publicUrl !== ctx.ferry.publicUrl) throw new Error(`public URL changed to ${state.publicUrl}`);
    return echoes(ctx, 'echo', { url: `${state.edgeUrl}/mcp/echo` });
  });
  return { at, recoveredMs, detail: `killed cloudflared pid ${before.pid}` };
}

/** Recovered: the burst met 429s (never a 5xx), and once the bucket refills a registration succeeds again. */
async function registrationBurst(ctx) {
  const at = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: SOAK.registrationBurst }, () =>
      register(ctx.ferry.localUrl, `burst-${tag()}`).then(
        async (res) => (await res.arrayBuffer(), res.status),
        () => 0,
      ),
    ),
  );
  const count = (status) => statuses.filter((s) => s === status).length;
  const bad = statuses.filter((s) => s !== 201 && s !== 429).length;
  const recoveredMs =
    count(429) > 0 && bad === 0
      ? await until(
          at,
          SOAK.recoveryMs['registration burst'],
          async () => {
            const res = await register(ctx.ferry.localUrl, `after-burst-${tag()}`);
            await res.arrayBuffer();
            return res.status === 201;
          },
          500,
        )
      : undefined;
  return {
    at,
    recoveredMs,
    detail: `${count(201)} registered, ${count(429)} refused with 429, ${bad} other`,
  };
}

/**
 * A second client with a call in flight is revoked. Recovered: its in-flight call has ended with an error,
 * its token is refused (401) on the next call, and the other clients' calls still answer.
 */
async function revokeMidCall(ctx) {
  const victim = await connect(ctx.ferry, `${ctx.ferry.publicUrl}/mcp/soak`, 'soak-victim');
  const client = await openSession(`${ctx.ferry.localUrl}/mcp/soak`, victim.accessToken, { tag: 'victim' });
  const inFlight = client
    .callTool({ name: 'slow', arguments: { nonce: 'victim', ms: 10_000, steps: 1 } }, undefined, {
      timeout: 20_000,
    })
    .then(
      () => 'answered',
      (error) => `failed: ${error.message}`,
    );
  await sleep(300);
  const at = performance.now();
  await ctx.ferry.admin('DELETE', `/clients/${encodeURIComponent(victim.clientId)}`);
  let refusedWith;
  const recoveredMs = await until(at, SOAK.recoveryMs['client revoked mid-call'], async () => {
    const outcome = await Promise.race([inFlight, sleep(50).then(() => 'pending')]);
    if (outcome === 'pending' || outcome === 'answered') return false;
    const status = await statelessCall(`${ctx.ferry.localUrl}/mcp/soak`, victim.accessToken, 'echo', {
      text: 'x',
    }).then(
      () => 200,
      (error) => Number(/HTTP (\d+)/.exec(error.message)?.[1] ?? 0),
    );
    refusedWith = status;
    return status === 401 && (await echoes(ctx, 'soak'));
  });
  await client.close().catch(() => undefined);
  return {
    at,
    recoveredMs,
    detail: `in-flight call ${await inFlight}; next call: HTTP ${refusedWith}`.slice(0, 200),
  };
}

/**
 * The secret store becomes unreadable (secrets.json replaced by a directory: every read fails with
 * EISDIR, Ferry's `secret_store_io`) while the `secret` server's child is killed, so its restart needs the
 * store. Recovered: once the store is back, the server's child runs again with the secret in its env.
 */
async function storeUnavailable(ctx) {
  const file = join(ctx.ferry.dataDir, 'secrets.json');
  const saved = readFileSync(file);
  const at = performance.now();
  rmSync(file);
  mkdirSync(file);
  try {
    signal(await serverPid(ctx, 'secret'), 'SIGKILL');
    await sleep(SOAK.storeDownMs);
  } finally {
    rmSync(file, { recursive: true, force: true });
    const fd = openSync(file, 'w', 0o600);
    writeSync(fd, saved);
    closeSync(fd);
  }
  const state = (await ctx.ferry.admin('GET', '/servers/secret')).state;
  const recoveredMs = await until(
    at,
    SOAK.recoveryMs['secret store unavailable'],
    async () => {
      const n = await statelessCall(
        `${ctx.ferry.localUrl}/mcp/secret`,
        ctx.tokens.secret,
        'secret',
        {},
        { timeoutMs: 5_000 },
      );
      return n === ctx.secretValue;
    },
    250,
  );
  return { at, recoveredMs, detail: `state when the store came back: ${state}` };
}

/**
 * The data directory's filesystem fills up (a real ENOSPC on a tmpfs) while a new connection is approved
 * (OAuth state is written). Recovered: after space is freed a new connection completes and its token
 * works, the tokens issued before still work, and every JSON file in the data directory parses.
 */
async function diskFull(ctx) {
  if (!ctx.ferry.tmpfs) return { at: performance.now(), skipped: 'needs root (a tmpfs for a real ENOSPC)' };
  const filler = join(ctx.ferry.dataDir, 'soak-filler');
  const at = performance.now();
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(256 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if (error.code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  let during;
  try {
    during = await connect(ctx.ferry, `${ctx.ferry.publicUrl}/mcp/soak`, 'soak-disk-full').then(
      () => 'connected',
      (error) => `refused: ${error.message.slice(0, 120)}`,
    );
    const served = await echoes(ctx, 'soak').catch(() => false);
    during += `; old token served: ${served}`;
    await sleep(SOAK.diskFullMs);
  } finally {
    rmSync(filler, { force: true });
  }
  const recoveredMs = await until(
    at,
    SOAK.recoveryMs['disk full'],
    async () => {
      const fresh = await connect(ctx.ferry, `${ctx.ferry.publicUrl}/mcp/soak`, 'soak-after-disk-full');
      const n = `disk-${tag()}`;
      const ok =
        (await statelessCall(`${ctx.ferry.localUrl}/mcp/soak`, fresh.accessToken, 'echo', { text: n })) === n;
      return ok && (await echoes(ctx, 'soak')) && corruptFiles(ctx.ferry.dataDir).length === 0;
    },
    500,
  );
  const corrupt = corruptFiles(ctx.ferry.dataDir);
  return {
    at,
    recoveredMs,
    detail: `during: ${during}; corrupt files after: ${corrupt.join(', ') || 'none'}`,
  };
}

/** JSON files under `dir` that do not parse. */
function corruptFiles(dir) {
  const bad = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    try {
      JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      bad.push(path.slice(dir.length + 1));
    }
  }
  return bad;
}

export const FAULTS = [
  { name: 'child SIGKILL', run: childKill },
  { name: 'child stops answering', run: childHang },
  { name: 'child SIGSTOP/SIGCONT', run: childPause },
  { name: 'tunnel process killed', run: tunnelKill },
  { name: 'registration burst', run: registrationBurst },
  { name: 'client revoked mid-call', run: revokeMidCall },
  { name: 'secret store unavailable', run: storeUnavailable },
  { name: 'disk full', run: diskFull },
];
