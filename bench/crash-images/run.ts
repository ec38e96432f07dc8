// Why this file exists: the long form of test/faults/crash-images.test.ts (ALICE-style power-loss
// crash images, issue 10). For each seed, one traced `sync` run; after each of its fsyncs (or a
// seeded sample: --points), the images a weak persistence model allows (all unsynced operations
// dropped, all kept, and --mixes seeded mixes), each reopened in a child and compared with the
// journal of acknowledgements and a reference engine. Prints the counts the README's reliability
// section quotes. Usage: npm run bench:crash-images -- [--seeds N] [--from S] [--commands N] [--points N] [--mixes N] [--torn N] [--diagnose]
// (--torn N: N more mixes per point whose kept unsynced writes are torn at 512-byte sectors, default 1;
// --points 0: every fsync; --diagnose: no reopen, only which meta LMDB would use in each image and
// whether its pages survived, on the same boot and after the reboot every image simulates: fast, so many more seeds)

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCrashImages, type CrashImageReport } from '../../test/faults/fixtures/crash-images.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer (got ${process.argv[i + 1]})`);
  return value;
}

const seeds = arg('seeds', 4);
const from = arg('from', 1);
const commands = arg('commands', 400);
const points = arg('points', 30);
const mixes = arg('mixes', 2);
const torn = arg('torn', 1);
// --diagnose: build the images and check which meta LMDB would use in each, without reopening them.
const recover = !process.argv.includes('--diagnose');
const base = mkdtempSync(join(tmpdir(), 'matchlog-bench-crash-images-'));
const reports: CrashImageReport[] = [];
const t0 = performance.now();
try {
  for (let seed = from; seed < from + seeds; seed++) {
    const r = await runCrashImages({ seed, commands, checkpointEvery: 50, crashPointsMax: points === 0 ? Infinity : points, mixes, torn, recover }, base);
    reports.push(r);
    console.log(
      `seed ${seed}: ${r.images} images at ${r.crashPoints} of ${r.fsyncs} fsyncs: exact ${r.exact}, refused ${r.refused} (${r.refusedWithAcks} after an acknowledgement), wrong ${r.wrong}, ` +
        `crashes ${r.crash}, hangs ${r.hang}; trace rebuilds the directory: ${r.rebuildMatches}; ` +
        `torn-write images ${r.tornImages} (exact ${r.tornExact}); images whose meta names lost pages on the same boot: ${r.sameBootUnsound}, after the reboot: ${r.rebootUnsound}; ms ${JSON.stringify(r.ms)}`,
    );
    for (const note of r.notes) console.log(`  ${note}`);
    for (const where of r.refusedAt) console.log(`  refused: image ${where}`);
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
const sum = (k: 'images' | 'exact' | 'refused' | 'refusedWithAcks' | 'wrong' | 'crash' | 'hang'): number => reports.reduce((s, r) => s + r[k], 0);
console.log(
  `\ncrash images: seeds ${reports.length}, images ${sum('images')}, exact ${sum('exact')}, clean refusals ${sum('refused')} (${sum('refusedWithAcks')} after an acknowledgement), silent wrong ${sum('wrong')}, ` +
    `crashes ${sum('crash')}, hangs ${sum('hang')}; torn-write images ${reports.reduce((s, r) => s + r.tornImages, 0)} (exact ${reports.reduce((s, r) => s + r.tornExact, 0)}); images whose meta names lost pages on the same boot ${reports.reduce((s, r) => s + r.sameBootUnsound, 0)}, ` +
    `after the reboot ${reports.reduce((s, r) => s + r.rebootUnsound, 0)}; traces that did not rebuild their directory ${reports.filter((r) => !r.rebuildMatches).length}; ` +
    `${((performance.now() - t0) / 1000).toFixed(0)} s, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
);
if (sum('wrong') + sum('crash') + sum('hang') + reports.reduce((s, r) => s + r.rebootUnsound, 0) > 0 || reports.some((r) => !r.rebuildMatches)) process.exitCode = 1;
