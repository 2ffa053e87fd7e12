import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts'],
    // Exhaustive searches of the larger models take a few seconds on a 2-core machine.
    testTimeout: 120_000,
  },
});
