// @ts-check
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The window, built to renderer/dist: the admin listener of `ferry serve` serves it at `/`, Electron will load
 * it from disk. Relative asset URLs so both work; no inline scripts or styles (the admin listener's CSP
 * forbids them). React's JSX needs no plugin: Vite's own transform (oxc) compiles it.
 *
 * `npm run dev:window` with FERRY_ADMIN_URL=<adminUrl from runtime.json> serves the sources with reloads and
 * passes /api to that Ferry (the Origin header is dropped, as the admin listener only accepts its own);
 * open http://127.0.0.1:5173/#token=<adminToken>.
 */
const admin = process.env.FERRY_ADMIN_URL;

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    host: '127.0.0.1',
    proxy: admin
      ? {
          '/api': {
            target: admin,
            changeOrigin: true,
            configure: (proxy) => {
              proxy.on('proxyReq', (request) => request.removeHeader('origin'));
            },
          },
        }
      : undefined,
  },
});
