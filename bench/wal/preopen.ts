// Why this file exists: every open of an LMDB log first reads its meta pages and walks the B-trees
// LMDB will read (wal/lmdb-preopen.ts, wal/lmdb-page-walk.ts) so that a zeroed or garbage page is a
// typed refusal, not a signal. Recovery time matters (issue 9: ~1 s for 1M orders + 1M tail), so
// this measures that check on a log of --records order commands against the rest of a recovery in
// the same run: opening the log and replaying every record (wal.readBatch). Medians of --runs,
// file in the page cache (what a restart after a process crash sees).
//
//   tsx bench/wal/preopen.ts [--records 1000000] [--runs 5]

import { Command } from 'commander';
import { Wal } from '../../wal/index.js';
import { checkLmdbFile } from '../../wal/lmdb-preopen.js';
import { walkLmdbPages, type LmdbWalkFigures } from '../../wal/lmdb-page-walk.js';
import { readLmdbMetas } from '../../wal/lmdb-preopen.js';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { file_bytes, loadavg_1m, median, order_command, scratch_dir, type OrderCommand } from './common.js';

const program = new Command()
  .option('--records <n>', 'records in the log', (v) => Number.parseInt(v, 10), 1_000_000)
  .option('--runs <n>', 'runs (medians reported)', (v) => Number.parseInt(v, 10), 5);
program.parse();
const opts = program.opts<{ records: number; runs: number }>();

const scratch = scratch_dir('matchlog-bench-preopen-');
try {
  const load_start = loadavg_1m();
  const wal = await Wal.open<OrderCommand>({ path: scratch.path, durability: 'sync' });
  for (let n = 1; n <= opts.records; n++) {
    wal.append(order_command(n));
    if (n % 20_000 === 0) await wal.flush();
  }
  await wal.close();
  const file = join(scratch.path, 'data.mdb');

  const figures: LmdbWalkFigures = { branch: 0, leaf: 0, overflowRuns: 0, trees: 0 };
  const fd = openSync(file, 'r');
  try {
    const { used } = readLmdbMetas(fd, file, { safeRestore: false });
    if (walkLmdbPages(fd, used, figures) !== null) throw new Error('the fresh log does not walk clean');
  } finally {
    closeSync(fd);
  }

  const check_ms: number[] = [];
  const recover_ms: number[] = [];
  for (let run = 0; run < opts.runs; run++) {
    const t0 = performance.now();
    checkLmdbFile(scratch.path, { safeRestore: false });
    const t1 = performance.now();
    // Wal.open runs the same check again: its share is subtracted below.
    const reopened = await Wal.open<OrderCommand>({ path: scratch.path, durability: 'sync' });
    let next = 1;
    while (next <= opts.records) next = reopened.readBatch(next, 1024).at(-1)!.seq + 1;
    await reopened.close();
    const t2 = performance.now();
    check_ms.push(t1 - t0);
    recover_ms.push(t2 - t1);
  }
  const check = median(check_ms);
  const recover = median(recover_ms);
  console.log(
    `log of ${opts.records} records, ${(file_bytes(file) / 2 ** 20).toFixed(1)} MiB; walk reaches ${figures.trees} trees, ` +
      `${figures.branch} branch + ${figures.leaf} leaf pages, ${figures.overflowRuns} overflow runs`,
  );
  console.log(
    `pre-open check (metas + tree walk): median ${check.toFixed(1)} ms of ${opts.runs}; open + replay of every record: median ${recover.toFixed(0)} ms; ` +
      `check / (open + replay) = ${((check / recover) * 100).toFixed(2)}%; load ${load_start.toFixed(2)} -> ${loadavg_1m().toFixed(2)}`,
  );
} finally {
  scratch.cleanup();
}
