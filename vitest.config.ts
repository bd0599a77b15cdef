import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // one temporary directory per run, removed at the end (test/support/temp-root.ts)
    globalSetup: ['test/support/temp-root.ts'],
  },
});
