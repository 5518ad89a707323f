import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Interop tests start real UDP/HTTP servers and outside tools; two cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
