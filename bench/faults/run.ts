// Why this file exists: the storage-fault injector over many seeds (`npm run bench:faults`), the
// long form of test/faults/storage-faults.test.ts. Each seed picks the target (log or
// checkpoints), the operation (write or fsync), the first failing operation and ENOSPC or EIO;
// the run is faulted, closed, then reopened with the cause gone and compared with its journal of
// acknowledgements and a reference engine. Prints the counts the README's reliability section
// quotes. Usage: npm run bench:faults -- [--seeds N] [--from S] [--commands N] [--reboot]
// (--reboot: reopen as after a power loss, lmdb-js then no longer trusting a meta page not yet flushed)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { planOf, processExitHangs, runTrial, tally, type TrialResult } from '../../test/faults/fixtures/storage-faults.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer (got ${process.argv[i + 1]})`);
  return value;
}

const seeds = arg('seeds', 40);
const from = arg('from', 1);
const commands = arg('commands', 300);
// --reboot: reopen each faulted directory as after a power loss (its LMDB metas' boot id changed).
const reboot = process.argv.includes('--reboot');
const base = mkdtempSync(join(tmpdir(), 'matchlog-bench-faults-'));
const results: TrialResult[] = [];
const t0 = performance.now();
try {
  for (let seed = from; seed < from + seeds; seed++) {
    const result = await runTrial(planOf(seed, commands), base, { reboot });
    results.push(result);
    const p = result.plan;
    console.log(`seed ${seed}: ${p.target} ${p.op} #${p.at} errno ${p.errno} -> ${result.outcome} (${result.detail})`);
    rmSync(join(base, `seed-${seed}`), { recursive: true, force: true });
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
const t = tally(results);
console.log(
  `\nstorage faults: trials ${t.trials}, exact ${t.exact}, clean refusals ${t.refused}, silent wrong ${t.wrong}, crashes ${t.crash}, hangs ${t.hang}, ` +
    `temp files left ${t.tempFiles}; processes that did not exit after close (lmdb-js exit hook) ${processExitHangs()}; ` +
    `${((performance.now() - t0) / 1000).toFixed(0)} s, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
);
if (t.wrong + t.crash + t.hang > 0) process.exitCode = 1;
