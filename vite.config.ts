// The web app (src/web): `npm run web` serves it with Vite's dev server, `npm run build:web`
// writes the static site to dist/web. Vitest has its own config (vitest.config.ts), so nothing
// here changes how tests run.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./src/web', import.meta.url));
const repo = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  // Relative asset paths, so dist/web works from any folder or static host.
  base: './',
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    // h5wasm carries HDF5 compiled to wasm (~4 MB); that one chunk is expected to be large.
    chunkSizeWarningLimit: 6000,
    target: 'es2022',
  },
  // The fit worker imports ES modules (h5wasm, geotiff, our src/), so it is built as a module.
  worker: { format: 'es' },
  server: {
    // The app imports shaders/ and src/ above its root.
    fs: { allow: [repo] },
  },
});
