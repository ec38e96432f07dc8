// Why this file exists: one place for test-runner limits, so the suite stays well under CI's budget on 2 cores.
// Tests against the shared three-node JetStream cluster (test/replicated) kill and restart its
// nodes, so they run one file at a time in their own project; the rest runs two files at once
// beside them (they never touch the cluster).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/plain-summary.ts'],
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'local', include: ['test/**/*.test.ts'], exclude: ['test/replicated/**'] },
      },
      {
        extends: true,
        test: { name: 'replicated', include: ['test/replicated/**/*.test.ts'], fileParallelism: false },
      },
    ],
  },
});
