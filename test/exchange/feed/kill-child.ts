// Why this file exists: the child of after-kill.test.ts. It opens a durable exchange with feed
// retention, subscribes to the live feed, submits a seeded stream with many commands in flight,
// writes every live event as one JSON line (synchronously, the moment it has it), then, once a checkpoint landed, says `idle`
// and waits to be SIGKILLed: no close, no closing checkpoint.
//
// Usage: node --import tsx test/exchange/feed/kill-child.ts <dir> <seed> <commands>

import { writeSync } from 'node:fs';
import { Exchange } from '../../../index.js';
import { MULTI } from '../fixtures/common.js';
import { generate } from '../fixtures/load.js';

const [dir, seed, count] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
setTimeout(() => process.exit(0), 60_000).unref();
function line(text: string): void {
  const bytes = Buffer.from(text + '\n', 'utf8');
  let offset = 0;
  // Bounded: each pass writes something or retries a full pipe until the parent reads.
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset, bytes.length - offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

const ex = await Exchange.open({ dir, instruments: MULTI, workers: 2, feedRetentionCommands: 100_000, checkpointEveryCommands: 300 });
const feed = ex.events();
const results = await Promise.all(generate(seed, MULTI, count).map((c) => ex.submit(c)));
const last = results[results.length - 1].seq!;
for await (const event of feed) {
  line(JSON.stringify(event));
  if (event.seq === last) break;
}
// Let the backup thread land a checkpoint first, so recovery and the feed start from one.
while ((ex.stats().checkpoints.lastSeq ?? 0) < 600) await new Promise((resolve) => setTimeout(resolve, 10));
line('idle');
setInterval(() => undefined, 1_000);
