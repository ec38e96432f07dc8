// Why this file exists: the replicated project is one long entry (test/replicated/cluster.entry.ts,
// ~150 s, mostly waiting on elections and restarts) that must not be the last file to start, or
// the suite ends with one worker running it alone. Everything else keeps vitest's own order
// (failed first, then longest first).
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const CLUSTER_PROJECT = 'replicated';

export default class ClusterFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter((file) => file.project.name === CLUSTER_PROJECT), ...sorted.filter((file) => file.project.name !== CLUSTER_PROJECT)];
  }
}
