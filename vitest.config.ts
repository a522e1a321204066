import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One file at a time: the simulated HSMs of several files would compete for the same loopback
    // addresses and ports, and timing-sensitive network tests need the machine's two cores.
    fileParallelism: false,
  },
});
