import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer is served by the daemon at `/` (same origin as the API, so CSP stays `'self'`).
// `vite` dev mode proxies the API to a daemon on :8080.
export default defineConfig({
  root: 'src/renderer',
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../../dist-renderer',
    emptyOutDir: true,
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/login': 'http://127.0.0.1:8080',
      '/healthz': 'http://127.0.0.1:8080',
    },
  },
});
