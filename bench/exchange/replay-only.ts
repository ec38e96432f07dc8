// Why this file exists: recovery-phases.ts times whole opens, whose replay phase shares two cores
// with the backup thread's checkpoint check and the other engineers' jobs; a 0.1–0.3 µs a record
// change of the replay path drowns there (replayMs of one checkout spread 2.7–3.7 s in one
// session). This runs recover() alone (no workers, no backup thread, checks deferred as the
// exchange defers them) on a copy of a SIGKILLed directory in a fresh process per open,
// alternating checkouts, and prints each replay's wall time, µs a record and the event digest
// (equal digests: the same records gave the same events).
// Usage: node --import tsx bench/exchange/replay-only.ts <golden dir> [--baseline /work/main] [--runs 6]
//        (build the directory with recovery-phases.ts --golden DIR)

import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command as Cli } from 'commander';
import { median } from '../common/stats.js';

interface Result {
  replayMs: number;
  records: number;
  digest: string;
}

async function child(root: string, golden: string): Promise<void> {
  const load = async (path: string): Promise<Record<string, unknown>> => (await import(pathToFileURL(join(root, path)).href)) as Record<string, unknown>;
  const { recover } = (await load('replay/recovery.ts')) as typeof import('../../replay/recovery.js');
  const { CheckpointStore } = (await load('replay/checkpoint-store.ts')) as typeof import('../../replay/checkpoint-store.js');
  const { Wal } = (await load('wal/index.ts')) as typeof import('../../wal/index.js');
  const copy = mkdtempSync(join(tmpdir(), 'matchlog-replay-only-'));
  try {
    cpSync(golden, copy, { recursive: true });
    const config = JSON.parse(readFileSync(join(copy, 'matchlog.json'), 'utf8')) as { instruments: []; maxOrders: number };
    const wal = await Wal.open<Uint8Array>({ path: join(copy, 'wal'), durability: 'async', records: 'bytes' });
    const store = new CheckpointStore(join(copy, 'checkpoints'));
    const r = recover(wal, store, { instruments: config.instruments, maxOrders: config.maxOrders }, () => {}, { onLogBehind: 'refuse', deferChecks: true });
    await wal.close();
    const result: Result = { replayMs: r.stats.replayMs, records: r.stats.replayedRecords, digest: r.digest };
    console.log(JSON.stringify(result));
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4]);
} else {
  const cli = new Cli().argument('<golden>').option('--baseline <dir>', 'checkout measured as A').option('--runs <n>', 'alternating runs', '6').parse();
  const o = cli.opts<{ baseline?: string; runs: string }>();
  const golden = resolve(cli.args[0]);
  const here = resolve(import.meta.dirname, '..', '..');
  const sides = [...(o.baseline === undefined ? [] : [{ name: 'A', root: resolve(o.baseline) }]), { name: 'B', root: here }];
  const times = new Map<string, number[]>(sides.map((s) => [s.name, []]));
  const pairRatios: number[] = [];
  let records = 0;
  for (let run = 0; run < Number(o.runs); run++) {
    const pair: number[] = [];
    for (const side of sides) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', side.root, golden], { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] });
      const r = JSON.parse(out.toString().trim().split('\n').pop()!) as Result;
      records = r.records;
      times.get(side.name)!.push(r.replayMs);
      pair.push(r.replayMs);
      console.log(`run ${run + 1} ${side.name}: replay ${r.replayMs.toFixed(0)} ms (${((r.replayMs * 1000) / r.records).toFixed(2)} µs a record), digest ${r.digest} (load ${loadavg()[0].toFixed(1)})`);
    }
    if (pair.length === 2) pairRatios.push(pair[0] / pair[1]);
  }
  for (const side of sides) {
    const ms = median(times.get(side.name)!);
    console.log(`${side.name} (${side.root}): median replay ${ms.toFixed(0)} ms, ${((ms * 1000) / records).toFixed(2)} µs a record`);
  }
  if (pairRatios.length > 0) console.log(`A / B: ratio of medians ${(median(times.get('A')!) / median(times.get('B')!)).toFixed(2)}x, median of per-run ratios ${median(pairRatios).toFixed(2)}x`);
}
