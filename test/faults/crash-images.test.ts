// Why this file exists: power loss may keep any subset of what was not fsynced (issue 10,
// "ALICE-style crash images"). A real durable run is traced by the LD_PRELOAD shim; after a seeded
// sample of its fsyncs, the crash images a weak persistence model allows (all unsynced operations
// dropped, all kept, a seeded mix; unsynced renames, creations and unlinks in or out) are rebuilt
// from the trace and reopened: every acknowledged command must be there with the state equal to a
// reference engine, or the open must refuse with a typed error. One mix per point also tears its
// kept writes at 512-byte sectors. Before the log's directory was
// fsynced after data.mdb was created, images that lost that entry reopened empty below
// acknowledged seqs. A quick set here; `npm run bench:crash-images` runs more seeds and points.

import { afterAll, describe, expect, it } from 'vitest';
import { runCrashImages } from './fixtures/crash-images.js';
import { tempDir } from '../exchange/fixtures/common.js';

describe('crash images', () => {
  const base = tempDir('matchlog-crash-images-');
  afterAll(() => base.cleanup());

  it('a traced sync run: every image recovers every acknowledged command, or refuses cleanly', async () => {
    const r = await runCrashImages({ seed: 3, commands: 160, checkpointEvery: 40, crashPointsMax: 4, mixes: 1, torn: 1 }, base.path);
    const message = JSON.stringify(r, null, 1);
    expect(r.rebuildMatches, message).toBe(true);
    expect(r.images, message).toBe(16);
    expect(r.tornImages, message).toBe(4);
    expect(r.rebootUnsound, message).toBe(0);
    expect(r.wrong, message).toBe(0);
    expect(r.crash, message).toBe(0);
    expect(r.hang, message).toBe(0);
    expect(r.exact + r.refused, message).toBe(r.images);
    expect(r.exact, message).toBeGreaterThan(0);
    console.log(`crash images: ${r.images} images (${r.tornImages} with torn writes) at ${r.crashPoints} of ${r.fsyncs} fsyncs: exact ${r.exact}, refused ${r.refused} (${r.refusedWithAcks} after an acknowledgement), wrong ${r.wrong}, crashes ${r.crash}, hangs ${r.hang}`);
  }, 240_000);
});
