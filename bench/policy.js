// Per-tool control figures for the benchmark (issue #14): what Ferry's policy check adds to each tool call,
// measured in-process on the built core (server/dist/policy), on the path every allowed call takes: the
// policy lookup, the pin check (the definition's digest is cached per catalog object, so a call costs map
// lookups), and separately the audit line (argument digest, JSON line, batched append).
//
//   npm run build && node bench/policy.js      # prints the figures as JSON
//
// Node globals are imported explicitly: the repo's ESLint config declares no Node globals for JS.
import console from 'node:console';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The budget for the policy check, per call. */
export const POLICY_TARGETS = { checkMs: 0.02 };

/** Bounded: batches of calls timed together (per-call timers would cost as much as the check). */
const LIMITS = { warmupCalls: 20_000, batch: 1000, batches: 40, maxMs: 15_000 };

export async function benchPolicy({ root }) {
  const load = (path) => import(pathToFileURL(join(root, 'server/dist', path)).href);
  const { EventBus } = await load('events/bus.js');
  const { PinStore } = await load('policy/pinStore.js');
  const { AuditLog } = await load('policy/auditLog.js');
  const { ToolGate } = await load('policy/gate.js');
  const { configSchema } = await load('config/schema.js');
  const dir = mkdtempSync(join(os.tmpdir(), 'ferry-bench-policy-'));
  try {
    const config = configSchema.parse({
      mcpServers: { echo: { command: 'x' }, files: { command: 'x' } },
      ferry: { servers: { files: { defaultToolPolicy: 'ask', tools: { read_file: 'allow' } } } },
    });
    const bus = new EventBus();
    const pins = new PinStore(join(dir, 'tool-pins.json'), () => undefined);
    const audit = new AuditLog(join(dir, 'audit'), () => undefined);
    await audit.load();
    const gate = new ToolGate({
      bus,
      settings: () => config.ferry,
      pins,
      audit,
      listsChanged: () => undefined,
    });
    const tool = {
      name: 'echo',
      description: 'Returns the given text unchanged.',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    };
    gate.observe('echo', [tool]);
    const signal = new AbortController().signal;
    const call = (i) => ({
      server: 'echo',
      name: 'echo',
      tool,
      exposedName: 'echo',
      clientId: 'bench',
      clientName: 'bench',
      args: { text: `call-${i}` },
      signal,
    });

    const check = async (n) => {
      for (let i = 0; i < n; i++) {
        const admission = await gate.admit(call(i));
        if (!admission.ok) throw new Error(`bench call refused: ${admission.message}`);
      }
    };
    const checkAndAudit = async (n) => {
      for (let i = 0; i < n; i++) {
        const started = performance.now();
        const c = call(i);
        const admission = await gate.admit(c);
        gate.record(c, admission.decision, 'ok', started);
      }
      await audit.flush();
    };
    const measure = async (fn) => {
      await fn(LIMITS.warmupCalls);
      const perCall = [];
      const started = performance.now();
      for (let b = 0; b < LIMITS.batches && performance.now() - started < LIMITS.maxMs; b++) {
        const t = performance.now();
        await fn(LIMITS.batch);
        perCall.push((performance.now() - t) / LIMITS.batch);
      }
      perCall.sort((a, b) => a - b);
      return { p50Ms: perCall[Math.floor(perCall.length / 2)], batches: perCall.length };
    };
    const checked = await measure(check);
    const audited = await measure(checkAndAudit);
    // Gross figures: they include building each call's object and awaiting the check, so they are upper
    // bounds of what the check adds to a call.
    return {
      checkMs: checked.p50Ms,
      checkAndAuditMs: audited.p50Ms,
      calls: (checked.batches + audited.batches) * LIMITS.batch,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  console.log(JSON.stringify(await benchPolicy({ root }), null, 2));
}
