// Builds the web page (web/index.html + web/src) into web/dist, which `yoke serve` serves.
// Run from the repository root: `vite build web` (scripts/build-web.mjs does, when stale).
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // One small page: no need to warn about chunk sizes or split vendor code.
    chunkSizeWarningLimit: 400,
  },
});
