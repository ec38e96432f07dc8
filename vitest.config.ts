// Why this file exists: one place for test-runner limits, so the suite stays well under CI's budget on 2 cores.
// Tests against the shared three-node JetStream cluster (test/replicated) kill and restart its
// nodes, so they run one after another inside one entry file (test/replicated/cluster.entry.ts,
// started first by the sequencer below) on one worker; the other worker runs the local
// files beside it (they never touch the cluster).
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The replicated project is one long entry (~100-150 s, mostly waiting on elections and
 * restarts) that must not be the last file to start, or the suite ends with one worker running
 * it alone. Everything else keeps vitest's own order (failed first, then longest first).
 */
class ClusterFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const cluster = (file: TestSpecification): boolean => file.project.name === 'replicated';
    return [...sorted.filter(cluster), ...sorted.filter((file) => !cluster(file))];
  }
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/plain-summary.ts'],
    // Worker threads load bundles of the current sources, not the tsx shim (the file says why).
    globalSetup: ['./test/support/worker-bundles.ts'],
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
