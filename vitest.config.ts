import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/test/**/*.test.ts', 'electron/test/**/*.test.ts', 'renderer/test/**/*.test.ts'],
    // Integration tests spawn real children and listeners; two cores cannot take more at once.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // CI also writes a machine-readable report; .ci/run turns it into its closing summary line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
