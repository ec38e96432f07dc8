// Why this file exists: one place for test-runner limits, so the suite stays well under CI's budget on 2 cores.
// Tests against the shared three-node JetStream cluster (test/replicated) kill and restart its
// nodes, so they run one file at a time: each holds an exclusive file lock for its whole run
// (test/support/cluster-lock.ts). Not `fileParallelism: false`: vitest runs such a project after
// every other file with a worker idle (about 150 s of 654 s on 2 cores); with the lock they run
// beside the local files, which never touch the cluster.
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
        test: { name: 'replicated', include: ['test/replicated/**/*.test.ts'], setupFiles: ['test/support/cluster-lock.ts'] },
      },
    ],
  },
});
