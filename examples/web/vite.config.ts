import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The page imports the workspace packages by name; point the names at their sources (as
// vitest.config.ts does) so that `dev` and `build` need no `pnpm build` of the packages first.
const packages = fileURLToPath(new URL('../../packages/', import.meta.url));

// Cross-origin isolation lets the cpu backend's WebAssembly kernels use Web Workers over shared memory.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  resolve: {
    alias: [
      { find: /^@typegrad\/(tensor)\/(gpujs)$/, replacement: `${packages}$1/src/$2.ts` },
      { find: /^@typegrad\/(tensor|autograd|transformer|lora)$/, replacement: `${packages}$1/src/index.ts` },
    ],
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
    // The demo, and the conformance suite's browser page (test/conformance.mjs opens it).
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        conformance: fileURLToPath(new URL('./conformance.html', import.meta.url)),
      },
    },
  },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
});
