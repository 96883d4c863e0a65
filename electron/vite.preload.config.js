// @ts-check
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The preload, bundled into one CommonJS file: a sandboxed preload cannot load ES modules or require
 * files of its own, only `electron` (and a few Node built-ins) through Electron's polyfilled `require`.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  build: {
    outDir: 'dist/preload',
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: false,
    lib: {
      entry: fileURLToPath(new URL('./src/preload/index.ts', import.meta.url)),
      formats: ['cjs'],
      fileName: () => 'index.cjs',
    },
    rollupOptions: { external: ['electron'] },
  },
});
