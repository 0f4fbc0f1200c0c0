import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores on the CI machine; GPU (llvmpipe) and browser tests are heavy, so keep files
    // from piling onto each other.
    fileParallelism: true,
    maxWorkers: 2,
    // One temporary root per run, removed at the end (test/support/temp-root.ts).
    globalSetup: ['test/support/temp-root.ts'],
  },
});
