// Loaded into the benchmark's Ferry process with `node --expose-gc --import <this file>`, never into a
// user's Ferry. On SIGUSR2 it forces a full garbage collection and writes the process's memory and its
// live libuv resources (sockets, timers, child pipes, …) to the file named by FERRY_BENCH_PROBE_OUT, so
// the benchmark can tell memory that is still referenced (a leak) from garbage not yet collected.
// SIGUSR2 because Ferry handles only SIGINT/SIGTERM and Node keeps SIGUSR1 for its inspector.
//
// Node globals are imported explicitly: the repo's ESLint config declares no Node globals for JS.
import { renameSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { setImmediate } from 'node:timers';

const out = process.env.FERRY_BENCH_PROBE_OUT;
// Ferry's children inherit the environment but not this preload; only the process that loaded it answers.
delete process.env.FERRY_BENCH_PROBE_OUT;

/** Full collections in a row: the first can only queue finalizers whose memory the second frees. */
const GC_PASSES = 2;

if (out && typeof globalThis.gc === 'function') {
  process.on('SIGUSR2', () => {
    let pass = 0;
    const collect = () => {
      globalThis.gc();
      if (++pass < GC_PASSES) return setImmediate(collect);
      const resources = {};
      for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
      const memory = process.memoryUsage();
      // Written whole, then renamed: the benchmark never reads half a file.
      writeFileSync(`${out}.tmp`, JSON.stringify({ at: Date.now(), memory, resources }));
      renameSync(`${out}.tmp`, out);
    };
    setImmediate(collect);
  });
}
