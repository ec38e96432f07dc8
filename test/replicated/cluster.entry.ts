// Why this file exists: the cluster tests share the one three-node cluster .ci/run starts and kill
// its nodes, so they must run one at a time. A vitest project whose files run one at a time is put
// in a group of its own that starts after every other file has finished (vitest 4's groupSpecs):
// ~150 s at the end of the suite during which one core idles, the largest single cost over the
// suite's 10-minute budget. This one entry runs every behaviour file of this folder, in name
// order, each in a describe of its own (its hooks stay its own), on one worker, while the other
// worker runs the local files; vitest.config.ts's sequencer starts it first. One file:
// `npx vitest run --project replicated -t leader-kill.test.ts`.
/// <reference types="vite/client" />
import { describe } from 'vitest';

const files = import.meta.glob('./*.test.ts');

for (const path of Object.keys(files).sort()) {
  describe(path.slice('./'.length), async () => {
    await files[path]();
  });
}
