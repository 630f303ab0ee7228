import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'functions/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // A file spends most of its time waiting on DynamoDB Local, a JVM outside the workers: one worker
    // per core keeps the cores busy (vitest's default of one fewer ran the files one by one on 2 cores).
    // Files run slowest first, as the last run timed them (node_modules/.vite/vitest), larger first
    // before any run, so no long file starts last.
    maxWorkers: availableParallelism(),
    // The default output, then the slowest files: a file that grows slow is seen in every run.
    reporters: ['default', './test/support/slowest-files.ts'],
    env: { POLKU_LOG_LEVEL: 'silent' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
