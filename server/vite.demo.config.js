// @ts-check
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The demo server as one self-contained ES module (the MCP SDK and zod inlined). The packaged desktop app
 * runs it with a system `node`, which cannot read inside app.asar: it ships unpacked, beside no
 * node_modules. `ferry serve` keeps running server/dist/demo/server.js.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  ssr: { noExternal: true, target: 'node' },
  build: {
    ssr: fileURLToPath(new URL('./src/demo/server.ts', import.meta.url)),
    outDir: 'dist/demo-standalone',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    rollupOptions: { output: { format: 'es', entryFileNames: 'server.mjs' } },
  },
});
