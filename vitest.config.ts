import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'threads',
    // Test files share no state, so workers reuse loaded modules across files: this cuts
    // most of the run time, which is otherwise spent re-importing the library per file.
    isolate: false,
    testTimeout: 60_000,
    setupFiles: ['test/setup/fast-check.ts'],
  },
});
