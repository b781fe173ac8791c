import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import packages by name; point the names (and their /node entries) at sources so no build is needed first.
const packages = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@typegrad\/(tensor|autograd|transformer|lora)\/(node|gpujs)$/,
        replacement: `${packages}$1/src/$2.ts`,
      },
      { find: /^@typegrad\/(tensor|autograd|transformer|lora)$/, replacement: `${packages}$1/src/index.ts` },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    globalSetup: ['packages/tensor/test/setup/xvfb.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
