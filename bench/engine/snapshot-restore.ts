// Why this file exists: issue 9's "checkpoints as raw arrays" must be proven in the same run: this
// builds a book (`--orders` resting, integer or string ids, then a `mixed` tail so the id memory
// holds dead entries too) and times, alternating, format 5 (ids and id memory in the msgpack
// header) against format 6 (raw columns and one id arena): encode, restore with and without the
// invariant check, and the state hash. Medians of --runs; the 1-minute load is printed beside.
//
//   npx tsx bench/engine/snapshot-restore.ts --orders 300000 --runs 5 [--string-ids]

import { loadavg } from 'node:os';
import { Engine, type OrderCommand as Command } from '../../engine/index.js';
import { encodeSnapshotV5 } from '../../engine/snapshot-legacy.js';
import { median } from '../common/stats.js';
import { isMainModule } from '../common/main.js';
import { passiveBook } from '../exchange/load.js';
import { BENCH_INSTRUMENT, generateWorkload } from './workloads.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function time(run: () => unknown): number {
  const t0 = performance.now();
  run();
  return performance.now() - t0;
}

export function main(): void {
  const orders = arg('--orders', 300_000);
  const runs = arg('--runs', 5);
  const stringIds = process.argv.includes('--string-ids');
  const engine = new Engine({ instruments: [{ ...BENCH_INSTRUMENT }], maxOrders: 4_194_304 });
  const book: Command[] = passiveBook(orders).map((c) => (stringIds && c.op === 'new' ? { ...c, id: `ord-${String(c.id)}` } : c));
  for (const command of book) engine.apply(command);
  for (const command of generateWorkload('mixed', { commands: Math.round(orders / 3), seed: 7 })) engine.apply(command);
  const hash = engine.stateHash();
  const v5 = encodeSnapshotV5(engine);
  const v6 = engine.snapshot();
  if (Engine.restore(v5).stateHash() !== hash || Engine.restore(v6).stateHash() !== hash) throw new Error('restore changed the state');
  const figures: Record<string, number[]> = {};
  const note = (key: string, ms: number): void => void (figures[key] ??= []).push(ms);
  for (let run = 0; run < runs; run++) {
    note('encode v5', time(() => encodeSnapshotV5(engine)));
    note('encode v6', time(() => engine.snapshot()));
    note('restore v5 (verify)', time(() => Engine.restore(v5)));
    note('restore v6 (verify)', time(() => Engine.restore(v6)));
    note('restore v5 (no verify)', time(() => Engine.restore(v5, { verify: false })));
    note('restore v6 (no verify)', time(() => Engine.restore(v6, { verify: false })));
    note('state hash', time(() => engine.stateHash()));
  }
  console.log(`${engine.liveOrders.toLocaleString()} live orders, ${stringIds ? 'string' : 'integer'} ids; v5 ${v5.length.toLocaleString()} B, v6 ${v6.length.toLocaleString()} B; load ${loadavg()[0].toFixed(1)}`);
  for (const [key, list] of Object.entries(figures)) console.log(`  ${key.padEnd(24)} ${median(list).toFixed(1).padStart(8)} ms`);
  console.log(`  restore v5/v6 (verify) ${(median(figures['restore v5 (verify)']) / median(figures['restore v6 (verify)'])).toFixed(2)}x, (no verify) ${(median(figures['restore v5 (no verify)']) / median(figures['restore v6 (no verify)'])).toFixed(2)}x`);
}

if (isMainModule(import.meta.url)) main();
