// Why this file exists: one place for test-runner limits, so the suite stays well under CI's budget on 2 cores.
// Tests against the shared three-node JetStream cluster (test/replicated) kill and restart its
// nodes, so they run one after another inside one entry file (test/replicated/cluster.entry.ts,
// started first by test/support/sequencer.ts) on one worker; the other worker runs the local
// files beside it (they never touch the cluster).
import { defineConfig } from 'vitest/config';
import ClusterFirstSequencer from './test/support/sequencer.js';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/plain-summary.ts'],
    maxWorkers: 2,
    sequence: { sequencer: ClusterFirstSequencer },
    projects: [
      {
        extends: true,
        test: { name: 'local', include: ['test/**/*.test.ts'], exclude: ['test/replicated/**'] },
      },
      {
        extends: true,
        test: { name: 'replicated', include: ['test/replicated/cluster.entry.ts'] },
      },
    ],
  },
});
