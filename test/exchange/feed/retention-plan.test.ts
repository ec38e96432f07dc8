// Why this file exists: the retention plan run over a long simulated life (a checkpoint every 100
// records, 200,000 records, a 20,000-record window): the window is always re-readable (the log is
// never reclaimed past the checkpoint it starts from), what is kept beyond it stays bounded (window
// / 8 plus one interval), and so does the number of checkpoint files (FEED_WINDOW_CHECKPOINTS_MAX).

import { describe, expect, it } from 'vitest';
import { Feed, FEED_WINDOW_CHECKPOINTS_MAX } from '../../../exchange/feed.js';
import { FeedRetention } from '../../../exchange/feed-retention.js';
import type { WriteAheadLog } from '../../../wal/index.js';

describe('feed retention plan', () => {
  it.each([1, 3])('keeps the window, bounded beyond it, with checkpointsKept %i', (checkpointsKept) => {
    const window = 20_000;
    const interval = 100;
    const log = { firstSeq: 1, durability: 'sync' } as { firstSeq: number; durability: 'sync' };
    const retention = FeedRetention.from({ commands: window, bytes: 0, ms: 0 });
    const feed = new Feed(log as unknown as WriteAheadLog<Uint8Array>, null, { instruments: [] }, retention, checkpointsKept, 65_536);
    let kept: number[] = [];
    let filesMax = 0;
    for (let last = interval; last <= 200_000; last += interval) {
      kept = [last, ...kept];
      const { reclaimUpto, remove } = feed.plan(kept, last, 0);
      kept = kept.filter((seq) => !remove.includes(seq));
      if (reclaimUpto > 0) log.firstSeq = Math.max(log.firstSeq, reclaimUpto + 1);
      filesMax = Math.max(filesMax, kept.length);
      const windowStart = Math.max(1, last - window + 1);
      // Re-readable: the log reaches back to the window, from a checkpoint kept (or from seq 1).
      expect(log.firstSeq).toBeLessThanOrEqual(windowStart);
      if (log.firstSeq > 1) expect(kept).toContain(log.firstSeq - 1);
      // Bounded beyond the window.
      expect(windowStart - log.firstSeq).toBeLessThanOrEqual(window / (FEED_WINDOW_CHECKPOINTS_MAX / 2) + 2 * interval);
    }
    expect(log.firstSeq).toBeGreaterThan(200_000 - window - window / (FEED_WINDOW_CHECKPOINTS_MAX / 2) - 2 * interval);
    expect(filesMax).toBeLessThanOrEqual(checkpointsKept + 1 + FEED_WINDOW_CHECKPOINTS_MAX + 1);
  });
});
